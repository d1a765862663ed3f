// Package indices holds the persistent secondary indices of an inmem store:
// the run index, the type index, the TTL index and the version (history)
// index. Each is an immutable value: a change makes a new index and leaves the
// old one intact, so a store can keep them in the same immutable root as its
// data and publish data and indices in one atomic step. The run and type
// indices are persistent B+trees changed in batches through GroupsEdit (one
// edit per commit, each node copied once); the TTL and history indices are
// built on github.com/benbjohnson/immutable. All index values are safe for
// concurrent use by any number of readers; a change never affects a value
// already built.
//
// Members are composite byte strings kept in one sorted structure per index:
//
//	run index:  run id (16 bytes) ‖ encoded namespace
//	type index: type tag (1 byte) ‖ encoded namespace
//	TTL index:  expiry (12 bytes)  ‖ encoded key
//
// The run and type indices record which namespaces hold at least one key of a
// run or of a type, not every key: the data map is sorted by encoded key, whose
// first part is the encoded namespace and whose next byte is the type tag, so
// the keys of one (namespace, type) or one namespace are one contiguous range
// of the data. A run scan is a seek in the run index and one range read of the
// data per namespace of the run (one, in practice): O(log n + k). Members change
// only when a namespace gains its first key or loses its last, so a write of a
// new key pays a lookup here, not a path copy.
package indices
