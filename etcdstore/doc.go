// Package etcdstore keeps inmem's storage contract (core.Storage and the
// semantics every implementation keeps) in an etcd cluster, so that several
// processes share one store: versions stay gapless and in commit order
// across all of them, history is exact or core.ErrCompacted, expiry is
// judged at nanosecond precision by the store's clock, and ScanByRun reads
// one run without scanning the store.
//
// # Key layout
//
// A store lives under a key prefix P (several stores share a cluster under
// prefixes that are not prefixes of one another):
//
//	P/v                              the current version, 8 bytes big-endian
//	P/c/<version, 8 bytes BE>        one per commit: token, timestamp, kind;
//	                                 its mod revision is the commit's etcd revision
//	P/d/<core.Key encoding>          a record: version, timestamp, TTL, value
//	P/x/<expiry, 12 bytes><encoding> the TTL index: one per record with a TTL
//	P/r/<run id><namespace encoding> the run index: count of keys of that namespace
//
// The key encoding preserves order and prefixes, so a prefix scan is one etcd
// range and its result is already in key order. Every commit is one etcd
// transaction that writes the records, the index entries, P/v and the
// commit key, guarded by a compare of P/v's mod revision with the one read
// before: of two racing writers exactly one commits, the other reads again
// and retries. A commit is therefore one etcd revision, and the store
// version v maps to the revision of P/c/v; a versioned read resolves that
// revision and reads at it (clientv3.WithRev). After etcd compacts past it,
// the read answers from the current record when the key has not changed
// since v, and core.ErrCompacted otherwise.
//
// Writes read before they write: a put costs two round trips (one read
// transaction, one guarded write transaction). After an ambiguous failure
// (a leader change, an unreachable member) the store checks whether its
// commit key landed, by a random token it carries, before trying again, so
// a write is applied at most once; if etcd stays unreachable past the
// operation's timeout the write reports ErrUnavailable and may or may not
// have committed.
//
// Values are stored with a small codec of the store's own (see
// value_codec.go); records start with a format byte so that the store can
// move to a codec of core's without rewriting old data.
//
// Expiry does not use etcd leases (whole seconds): the deadline is in the
// record and in the TTL index, and FindExpired plus RemoveExpired (the
// conditional removal package cleaner drives) remove only values still
// stored at the version found.
package etcdstore
