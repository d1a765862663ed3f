// Package systems adapts each store under comparison to one interface, System,
// so the same workloads run on all of them: inmem's mvcc.Store (both writer
// modes), the original design reproduced in Go, hashicorp/go-memdb,
// google/btree behind a lock, tidwall/buntdb in memory, and a floor (a Go map
// behind a lock, a sorted slice for scans, an atomic pointer for snapshots).
//
// Every adapter does what a user of that store holding a core.Key would do:
// the stores that take byte or string keys get the key's order-preserving
// encoding (core.Key.Encode), and every store keeps its own copy of keys and
// values. Scans hand back keys the caller may keep: inmem and the original
// return core.Entry values whose user keys are copies; the stores keyed by
// strings return their (immutable) string keys.
package systems

import (
	"time"

	"github.com/inmemdb/inmem/core"
)

// System is one store under test. All methods are safe for concurrent use
// unless the store's own documentation says otherwise (each adapter follows
// its store's rules: locks where the store has none of its own).
type System interface {
	// Name is the column name in the results table.
	Name() string
	// Load stores the keys with their values and TTLs (0: none; a store
	// without TTLs ignores them) in one transaction where the store has
	// transactions, otherwise one put at a time.
	Load(keys []core.Key, vals [][]byte, ttls []time.Duration) error
	// Batch stores the keys with their values in one transaction where the
	// store has them.
	Batch(keys []core.Key, vals [][]byte) error
	// Put stores v under k, inserting or overwriting.
	Put(k core.Key, v []byte) error
	// Get reads k and reports whether it is there (and live).
	Get(k core.Key) bool
	// Value returns a copy of k's value, for checks.
	Value(k core.Key) ([]byte, bool)
	// Delete removes k (a no-op when absent).
	Delete(k core.Key) error
	// ScanPrefix returns the entries matching the prefix key (its namespace
	// and type, user keys starting with its user key), in key order.
	ScanPrefix(prefix core.Key) Rows
	// ScanRun returns the entries of the run of ns, in key order. The stores
	// without a run index scan the namespace's key range, which the caller is
	// assumed to know.
	ScanRun(ns core.Namespace) Rows
	// Prepare is called after loading and before the read workloads; the
	// floor builds its sorted slice there.
	Prepare()
	// Close releases the store.
	Close() error
}

// Snapshotter is a System that can take a consistent read-only view.
type Snapshotter interface {
	// Snapshot captures the store's current state.
	Snapshot() View
}

// View is a snapshot's read side; safe for concurrent use.
type View interface {
	// Value returns a copy of k's value as of the snapshot.
	Value(k core.Key) ([]byte, bool)
}

// ExpiryFinder is a System that can list expired keys.
type ExpiryFinder interface {
	// FindExpired returns how many keys have expired at now.
	FindExpired(now time.Time) int
}

// GroupCommitter is a System whose writers commit in groups: one publish
// for every group of queued commits.
type GroupCommitter interface {
	// CommitGroups returns the commits and the publishes (groups) so far.
	CommitGroups() (commits, groups uint64)
}

// Rows is a scan's result, owned by the caller; safe for concurrent reads.
type Rows interface {
	// Len returns the number of entries.
	Len() int
	// At returns entry i as its encoded key and a copy of its value.
	At(i int) (enc string, val []byte)
}

// Constructor makes an empty System; safe to call concurrently.
type Constructor func() System

// All returns the constructors of every system, in the table's column order.
// Safe for concurrent use.
func All() []Constructor {
	return []Constructor{NewInmem, NewOriginal, NewMemDB, NewBTree, NewBuntDB, NewFloor}
}
