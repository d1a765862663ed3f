package core

import (
	"context"
	"iter"
	"time"
)

// The capabilities a store may offer beside Storage. Each is a small
// interface; a store offers a capability by having its methods, and code
// written against the interfaces (package proptest's conformance suite,
// package cleaner) runs on any store that has them. See the package
// documentation for the naming rule of the methods that hand out a view, a
// transaction or a watcher.

// Snapshot is a consistent, immutable view of a store at one version, with
// expiry judged at the moment the view was taken, so repeated reads of one
// view always agree. It extends SnapshotView.
//
// A store whose reads can fail after the view was taken (a remote backend:
// the network, a compaction) reports a failure of a method that returns an
// error there, and a failure of a lazy Scan by ending the iteration early
// and recording the error, which Err returns: check Err after a Scan, as
// after bufio.Scanner.Scan or sql.Rows.Next. An in-memory view never fails
// and Err returns nil. Implementations must be safe for concurrent use.
type Snapshot interface {
	SnapshotView
	Scanner
	// Time returns the moment the view was taken: the time its expiry
	// decisions are judged at.
	Time() time.Time
	// ScanByRun returns the view's live entries of run, in key order.
	ScanByRun(run RunID) ([]Entry, error)
	// ScanByType returns the view's live entries of type t, in key order, or
	// an error wrapping ErrInvalidKey for an invalid t.
	ScanByType(t TypeTag) ([]Entry, error)
	// Err returns the first error a Scan of the view ended on, or nil.
	Err() error
}

// Scanner is a lazy range scan. Scan yields the live entries whose keys p
// matches, in key order (descending with Reverse), shaped by the options
// (Limit, After); it builds no slice, and stopping early is fine. Each key
// carries its own copy of the user key. An invalid p or option yields
// nothing. A Snapshot is a Scanner; a store that is one scans a view taken
// now (a store whose reads can fail offers Scan on its views only, where
// Err reports a failure).
type Scanner interface {
	Scan(p Prefix, opts ...ScanOption) iter.Seq2[Key, VersionedValue]
}

// IndexScanner is what a Snapshot may offer besides: lazy scans through the
// run and type indices, shaped by the options of Scan; Within limits a type
// scan to the keys a prefix matches. An invalid type or option yields
// nothing.
type IndexScanner interface {
	ScanRun(run RunID, opts ...ScanOption) iter.Seq2[Key, VersionedValue]
	ScanType(t TypeTag, opts ...ScanOption) iter.Seq2[Key, VersionedValue]
}

// Viewer is a store that takes snapshots: View returns a Snapshot of the
// current version, taken now.
type Viewer interface {
	View() Snapshot
}

// ViewerAt is a store that reads the past: ViewAt returns the exact state
// right after version v committed, with expiry judged at v's commit time
// (what View would have returned then). Errors: ErrCompacted when v is
// older than the history the store keeps; ErrNotFound when v is above the
// current version.
type ViewerAt interface {
	ViewAt(v uint64) (Snapshot, error)
}

// CompareAndSwapper is a store with conditional writes. CompareAndSwap
// stores value under key only if the key's live version is expected (0: the
// key must be absent or expired) and returns the new version; otherwise
// ErrVersionMismatch and nothing changes. CompareAndDelete removes key only
// if its live version is expected: ErrNotFound when it is absent or expired,
// ErrVersionMismatch when another version is live.
type CompareAndSwapper interface {
	CompareAndSwap(key Key, expected uint64, value Value, ttl time.Duration) (uint64, error)
	CompareAndDelete(key Key, expected uint64) error
}

// Txn is an optimistic transaction: it reads the store as of its start (its
// Version, expiry judged at that moment), sees its own writes, and commits
// all of them in one version, or fails with ErrConflict when something it
// read (keys and scanned ranges) or wrote changed since it began. A Txn is
// not safe for concurrent use.
type Txn interface {
	// Get returns the transaction's own write of key, or else the value at
	// its start; ErrNotFound when absent, deleted or expired.
	Get(key Key) (VersionedValue, error)
	// Put buffers a write of value under key.
	Put(key Key, value Value, ttl time.Duration) error
	// Delete buffers the removal of key; ErrNotFound when the transaction
	// sees no live value of it.
	Delete(key Key) error
	// ScanPrefix returns the live entries matching prefix as the transaction
	// sees them, its own writes applied, in key order.
	ScanPrefix(prefix Key) ([]Entry, error)
	// Commit publishes the writes in one new version and returns it (with no
	// writes: the version the transaction read); ErrConflict if it lost,
	// ErrTxnDone after Commit or Discard.
	Commit() (uint64, error)
	// Discard ends the transaction without committing. Safe to call twice.
	Discard()
	// Version returns the version the transaction reads.
	Version() uint64
}

// TxnAppender is what a Txn may offer besides: Append buffers a write of
// value under the next event key of ns and returns that key; two
// transactions appending to one log conflict, so appends stay gapless.
type TxnAppender interface {
	Append(ns Namespace, value Value, ttl time.Duration) (Key, error)
}

// Transactor is a store with optimistic transactions. BeginTxn starts one
// on the current version. UpdateTxn runs fn in a transaction and commits it,
// running fn again on a fresh transaction when the commit conflicts, a
// bounded number of times; fn's error ends it without committing.
type Transactor interface {
	BeginTxn() Txn
	UpdateTxn(fn func(Txn) error) (uint64, error)
}

// Watcher delivers a store's commits in version order (see Watchable). Next
// blocks until a commit, ctx's end (ctx.Err()) or Close (an error wrapping
// ErrClosed); a watcher whose next commit the store no longer keeps gets
// ErrCompacted, never a gap. Close is safe to call twice and concurrently
// with Next.
type Watcher interface {
	Next(ctx context.Context) (Commit, error)
	Close()
}

// Watchable is a store with a change feed. WatchCommits returns a watcher
// that delivers, in version order, every commit with version > after that
// has at least one change the options match, each with exactly its matching
// changes (after = Latest: from now on). Writers never wait for watchers.
type Watchable interface {
	WatchCommits(after uint64, opts ...WatchOption) Watcher
}

// Appender is a store with event logs. Append writes value under the next
// event key of ns (EventKey(ns, last+1), 1 for a log that never held one) in
// one commit and returns the key and the version: concurrent appenders never
// collide and never leave gaps. last is the highest sequence the log has
// used, stored or removed since (expired values not yet removed count):
// sequences only grow, a number is never handed out twice.
type Appender interface {
	Append(ns Namespace, value Value, ttl time.Duration) (Key, uint64, error)
}

// NamespaceLister is a store (or a Snapshot) that lists namespaces:
// Namespaces yields, in key order, each namespace holding at least one live
// key p matches, once (a store lists a view taken now). Its cost grows with
// the number of namespaces, not of keys. An invalid p yields nothing.
type NamespaceLister interface {
	Namespaces(p Prefix) iter.Seq[Namespace]
}

// PrefixDeleter is a store with bulk deletes. DeletePrefix removes every
// stored key p matches in one commit (one version) and returns how many live
// keys it removed (expired values not yet removed go too, as ChangeExpire);
// with nothing stored matching: (0, 0, nil) and no version.
type PrefixDeleter interface {
	DeletePrefix(p Prefix) (int, uint64, error)
}

// Toucher is a store whose TTLs can be renewed. Touch rewrites the live
// value of key unchanged, in a commit of its own, with the commit's timestamp
// and the new ttl (so it expires ttl after now; 0: never), and returns the
// version; ErrNotFound when key is absent or expired.
type Toucher interface {
	Touch(key Key, ttl time.Duration) (uint64, error)
}

// TypeScanner is a store with a type index. ScanByType returns the live
// entries of type t as of maxVersion, in key order (the versioned-read rule
// of Storage.GetVersioned applies), or ErrInvalidKey for an invalid t.
type TypeScanner interface {
	ScanByType(t TypeTag, maxVersion uint64) ([]Entry, error)
}

// ExpiryTarget is what a background cleaner needs of a store (package
// cleaner's Target is this interface). Now returns the store's clock
// reading, the time every expiry decision about the store is judged at.
// FindExpired returns at most limit entries (limit <= 0: all) expired at
// now, in expiry order. RemoveExpired removes, in one commit, each entry
// whose key is still stored at exactly the entry's version and has expired
// by the store's clock, and skips the others: a removal never takes a value
// written after the expired one.
type ExpiryTarget interface {
	Now() time.Time
	FindExpired(now time.Time, limit int) []Entry
	RemoveExpired(entries []Entry) (Removal, error)
}

// Expirer is what an ExpiryTarget may offer besides: Expire removes up to
// limit values expired by the store's clock (limit <= 0: all), found inside
// the store's own commit, so nothing found can be written again before it is
// removed and nothing is skipped.
type Expirer interface {
	Expire(limit int) (Removal, error)
}

// VectorSearcher is a store (or a Snapshot) with vector search. Search
// returns the k KindVector values under p closest to query, best first
// (ties in key order), exactly as of the view (a store searches a view taken
// now): expired values never. Vectors of another length than query are
// skipped. Without an index covering p the search compares every vector of
// the scope (exact); with one it may be approximate, but every hit is a live
// value of the view. Errors: k <= 0, an empty query, a NaN or infinite
// element, or an invalid option: ErrInvalidArgument; an invalid p:
// ErrInvalidKey.
type VectorSearcher interface {
	Search(p Prefix, query []float32, k int, opts ...SearchOption) ([]Hit, error)
}
