// Package core defines the vocabulary every other inmem package speaks: the
// identity of a piece of agent memory (RunID, Namespace, TypeTag, Key), the
// order-preserving key encoding the store sorts by, the Prefix that selects a
// contiguous range of that order at any level of the hierarchy (tenant, app,
// agent, run, type, user key), immutable Values, the sentinel errors, the
// Clock, and the contract of a store: Storage, and the capabilities a store
// may offer beside it.
//
// Values are built with the XxxValue constructors, or from ordinary Go values
// with ValueOf (Value.Any is the inverse). A Value has a canonical binary form
// (Value.AppendBinary, DecodeValue), which the write-ahead log and backups
// store, and a natural JSON form (Value.MarshalJSON, Value.UnmarshalJSON).
// Embeddings are vector Values (VectorValue) under vector keys (VectorKey).
//
// # The contract and its capabilities
//
// Storage is what every store offers. Beside it, each capability a store may
// offer is a small interface of its own, so that code written against the
// interfaces runs on any store that has them, and a generic caller finds out
// what a store can do with a type assertion:
//
//   - Viewer (View) and ViewerAt (ViewAt): consistent snapshots (Snapshot:
//     Get, ScanPrefix, Scan, ScanByRun, ScanByType, Time, Version, Err), now
//     and at a past version; a Snapshot may add IndexScanner;
//   - Scanner: Scan with ScanOptions (Reverse, Limit, After, Within);
//   - TypeScanner: ScanByType at a version;
//   - CompareAndSwapper: CompareAndSwap and CompareAndDelete;
//   - Transactor (BeginTxn, UpdateTxn): optimistic transactions (Txn; a Txn
//     may add TxnAppender);
//   - Watchable (WatchCommits): a change feed (Watcher), filtered by
//     WatchOptions (WatchPrefix, WatchRun);
//   - Appender, PrefixDeleter, Toucher: event logs, bulk deletes, TTL renewal;
//   - NamespaceLister (a store or a Snapshot): the namespaces under a Prefix;
//   - ExpiryTarget and Expirer: what a background cleaner drives;
//   - VectorSearcher: Search by meaning, shaped by SearchOptions (Similarity,
//     Exact, MinScore, SearchBreadth), scored by a Metric;
//   - Brancher (Branch, DiffViews, MergeBranch): forks of a view, the
//     differences between two views, and three-way merges of a fork back,
//     shaped by MergeOptions (PreferFork, PreferStore, Resolve) and
//     reporting a MergeConflict.
//
// Package proptest proves any store against one model, turning each of its
// steps on when the store offers the capability, and stores assert at
// compile time that they satisfy the interfaces they claim
// (var _ core.Viewer = (*Store)(nil)).
//
// The pattern, for a capability added later: a small interface here whose
// methods use only core's types. Where a store's own API hands out a type of
// its own (mvcc's Snapshot() *mvcc.Snapshot, Begin() *mvcc.Txn,
// Watch(...) *mvcc.Watcher), Go's lack of covariant results means the store
// cannot satisfy an interface method of the same name returning a core
// interface; the capability then names a twin that returns the interface
// (View for Snapshot, ViewAt for SnapshotAt, BeginTxn for Begin, UpdateTxn for
// Update, WatchCommits for Watch), and the store implements the twin in one
// line on top of its own method. Methods whose signatures use only core's
// types (Append, DeletePrefix, Scan with ScanOption, ...) keep their own name.
// Options that shape a call (ScanOption, WatchOption, SearchOption) are core
// types that stores alias, so the calls read the same on every store. A failure a lazy
// iterator cannot return ends the iteration and is reported by the view's
// Err, as bufio.Scanner and sql.Rows do.
//
// Package core depends on no other inmem package. All of its types are plain
// values: a Key, a Prefix, a Value or a VersionedValue may be copied and shared
// between goroutines freely; the only types with internal state are
// ManualClock, which is safe for concurrent use, and SystemClock, which has
// none.
package core
