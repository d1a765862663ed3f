// Package mvcc is inmem's multi-version store: versioned values under
// namespaced keys, run/type/TTL indices, O(1) snapshots, exact reads of past
// versions, compare-and-swap, and optimistic transactions.
//
// # Design
//
// A Store holds one atomic pointer to an immutable root. The root carries the
// version number, the data (a persistent sorted map from encoded key to
// record), the run, type and TTL indices, and the window of retained past
// versions. A writer loads the root, derives a new root at version+1 by path
// copying, and publishes it with one compare-and-swap; data and indices change
// in that one atomic step, versions are gapless and in commit order, and
// readers never lock. A Snapshot is a captured root.
//
// # Concurrency
//
// Store, Snapshot and the values they return are safe for concurrent use by any
// number of goroutines. Reads never block and are never blocked. Writers do
// not block readers; by default they serialize among themselves on a mutex
// while deriving the next root (see WithLockFreeWriters), which measured
// faster than lock-free compare-and-swap retries on two cores. A Txn is
// meant for one goroutine at a time.
package mvcc
