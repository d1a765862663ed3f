// Package etcdstore keeps inmem's storage contract (core.Storage, the
// semantics every implementation keeps, and core's capabilities: snapshots
// and reads of the past, lazy scans, compare-and-swap, transactions, a
// change feed, appends, prefix deletes, TTL refresh, expiry for the
// cleaner) in an etcd cluster, so that several processes share one store:
// versions stay gapless and in commit order across all of them, history is
// exact or core.ErrCompacted, expiry is judged at nanosecond precision by
// the store's clock, and the run and type scans read an index, not the
// store.
//
// # Key layout
//
// A store lives under a key prefix P; New records it in the cluster's
// registry of stores and refuses a prefix that overlaps another store's.
//
//	P/v                              the current version, 8 bytes big-endian
//	P/p                              the lowest version whose commit key Prune kept
//	P/c/<version, 8 bytes BE>        one per commit: its mark (commit_mark.go);
//	                                 its mod revision is the commit's etcd revision
//	P/d/<core.Key encoding>          a record: version, timestamp, TTL, value
//	P/x/<expiry, 12 bytes><encoding> the TTL index: one per record with a TTL
//	P/r/<run id><namespace encoding> the run index: keys of that namespace
//	P/t/<type><namespace encoding>   the type index: keys of that type there
//	P/e/<namespace><^sequence>       the log index: event keys of 8-byte sequences
//	P/s/<namespace><^sequence>       the mark index: the highest sequence a commit
//	                                 removed from a log (its sequences only grow)
//
// The key encoding preserves order and prefixes, so a prefix scan is one etcd
// range and its result is already in key order. Every commit is one etcd
// transaction that writes the records, the index entries, P/v and the
// commit keys, guarded by a compare of P/v's mod revision with the one the
// writer knows: of two racing processes exactly one commits, the other
// reads again and retries. The concurrent writers of one Store share etcd
// transactions (a group commit), each with a version of its own; a version
// maps to the revision of its commit key, and a read at a version inside a
// group reads the keys later commits of the group changed one revision
// earlier. After etcd compacts past a revision, a read answers from the
// current record when the key has not changed since, and core.ErrCompacted
// otherwise.
//
// A write plans on what the Store knows of the keys it touches (what its
// earlier commits read and wrote) and checks the rest with compares in the
// same transaction, so a put is one etcd round trip; a wrong guess, or a
// commit by another process, is answered by the transaction's else branch,
// which reads the truth for a second attempt. After an ambiguous failure
// (a leader change, an unreachable member) the store sends the same
// transaction again: its guard lets at most one send land, and when the
// guard then fails, the random token in the commit key tells whether an
// earlier send landed, so a write is applied at most once; if etcd stays
// unreachable past the operation's timeout the write reports
// ErrUnavailable and may or may not have committed.
//
// Values are stored with core's binary codec (core.Value.AppendBinary), the
// one the log and backups use: every kind round-trips.
//
// Expiry does not use etcd leases (whole seconds): the deadline is in the
// record and in the TTL index, and FindExpired plus RemoveExpired (the
// conditional removal package cleaner drives) remove only values still
// stored at the version found.
//
// See docs/distributed.md for what the store cannot offer (branches, vector
// search, snapshots in memory) and its measured cost.
package etcdstore
