// Package mvcc is inmem's multi-version store: versioned values under
// namespaced keys, run/type/TTL indices, O(1) snapshots, exact reads of past
// versions, scoped and paged range scans, appends, compare-and-swap,
// optimistic transactions, a change feed (Watch) and, with Open, durability
// through a write-ahead log.
//
// # Design
//
// A Store holds one atomic pointer to an immutable root. The root carries the
// current state — the data (a persistent B+tree from encoded key to value),
// the run, type and TTL indices — and the window of retained past versions,
// each with its commit record (what every key changed from and to). Every
// write goes through one publish path: a commit leader applies the queued
// writes to one transient edit of the state (each its own version), writes
// their records to the log when the store is durable, and publishes the new
// root in one atomic store; data and indices change in that one step,
// versions are gapless and in commit order, and readers never lock. A
// Snapshot is a captured state.
//
// The tree holds each value in a lean form (its timestamp as Unix seconds
// and nanoseconds); it becomes a core.VersionedValue where it leaves the
// store. So every returned VersionedValue.Timestamp, like every
// core.Commit.Time, is the commit instant to the nanosecond, in UTC, without
// a monotonic reading, whatever zone the clock reads in.
//
// # Concurrency
//
// Store, Snapshot and the values they return are safe for concurrent use by any
// number of goroutines. Reads never block and are never blocked. Writers do
// not block readers; they group-commit: a writer that finds a commit in
// progress queues its write, and the leader applies the whole queue in one
// batch edit and publishes it at once, each write with its own version and
// result. A Txn is meant for one goroutine at a time; a Watcher's Next for
// one goroutine at a time (Close from any).
package mvcc
