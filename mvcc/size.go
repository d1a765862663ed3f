package mvcc

import "github.com/inmemdb/inmem/core"

// valueSize is what the value limit (WithMaxValueSize) measures.
func valueSize(v core.Value) int { return v.Size() }

// entryBytes estimates the memory one stored entry holds: its encoded key,
// its stored value and the Value's own bytes.
func entryBytes(enc string, r *stored) int64 {
	return int64(len(enc) + storedSize + r.val.Size())
}
