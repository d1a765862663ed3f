// Package cleaner removes expired values from a store in the background,
// without ever taking a value written after the expired one.
//
// A pass reads the store's clock once, then repeatedly asks the store for at
// most a batch of entries expired at that instant (Target.FindExpired) and
// hands them back for conditional removal (Target.RemoveExpired): the store
// removes each entry only if its key is still stored at exactly the entry's
// version and has expired, all in one commit with one version per batch. An
// entry whose key was written again between the find and the removal is
// kept and counted as skipped. A pass ends when nothing expired at its start
// remains, when a batch removes nothing (so entries that keep being skipped
// cannot make it loop), when its context ends, or on a store error.
//
// *mvcc.Store satisfies Target; any other store can be cleaned by
// implementing the three methods, using only types of packages core and
// cleaner.
//
// # Concurrency
//
// A Cleaner is safe for concurrent use. Passes never overlap: RunOnce waits
// for a running pass (or for its context to end). The cleaner holds no lock
// the store's readers or writers wait for; it costs them only the store's
// own commits.
package cleaner
