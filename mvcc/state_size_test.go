package mvcc

import (
	"testing"
	"unsafe"
)

// TestStateSize checks that a state, allocated once per commit, fills its
// size class exactly (448 bytes) with the room for a single put's key: a
// field added to state or commitRec must come out of stateKeys, or it moves
// every commit to the next class.
func TestStateSize(t *testing.T) {
	if s := unsafe.Sizeof(state{}); s != 448 {
		t.Errorf("a state is %d bytes, want 448 (adjust stateKeys)", s)
	}
}
