// Package core defines the vocabulary every other inmem package speaks: the
// identity of a piece of agent memory (RunID, Namespace, TypeTag, Key), the
// order-preserving key encoding the store sorts by, the Prefix that selects a
// contiguous range of that order at any level of the hierarchy (tenant, app,
// agent, run, type, user key), immutable Values, the sentinel errors, the
// Clock, and the Storage and SnapshotView contracts.
//
// Values are built with the XxxValue constructors, or from ordinary Go values
// with ValueOf (Value.Any is the inverse). A Value has a canonical binary form
// (Value.AppendBinary, DecodeValue), which the write-ahead log and backups
// store, and a natural JSON form (Value.MarshalJSON, Value.UnmarshalJSON).
// Embeddings are vector Values (VectorValue) under vector keys (VectorKey).
//
// Package core depends on no other inmem package. All of its types are plain
// values: a Key, a Prefix, a Value or a VersionedValue may be copied and shared
// between goroutines freely; the only types with internal state are
// ManualClock, which is safe for concurrent use, and SystemClock, which has
// none.
package core
