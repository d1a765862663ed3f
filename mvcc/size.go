package mvcc

import "github.com/inmemdb/inmem/core"

// valueSize is what the value limit (WithMaxValueSize) measures.
func valueSize(v core.Value) int { return v.Size() }

// entryBytes estimates the memory one stored entry holds: its encoded key,
// its versioned value and the value's own bytes.
func entryBytes(enc string, vv *core.VersionedValue) int64 {
	return int64(len(enc) + versionedSize + vv.Value.Size())
}

// versionedSize is the size of a versioned value without its Value.
const versionedSize = 40
