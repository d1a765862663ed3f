// Package core defines the vocabulary every other inmem package speaks: the
// identity of a piece of agent memory (RunID, Namespace, TypeTag, Key), the
// order-preserving key encoding the store sorts by, immutable Values, the
// sentinel errors, the Clock, and the Storage and SnapshotView contracts.
//
// Package core depends on no other inmem package. All of its types are plain
// values: a Key, a Value or a VersionedValue may be copied and shared between
// goroutines freely; the only types with internal state are ManualClock, which
// is safe for concurrent use, and SystemClock, which has none.
package core
