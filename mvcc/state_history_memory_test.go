package mvcc

import (
	"runtime"
	"strings"
	"testing"

	"github.com/inmemdb/inmem/core"
)

// TestHistoryDoesNotChain: the window holds states, and a state must not keep
// the root that published it alive (that root's window would keep older
// states, and so on): overwriting a 64 KB value 2,000 times under a window of
// 8 versions must leave about 8 of them reachable, not 2,000.
func TestHistoryDoesNotChain(t *testing.T) {
	s, _ := fxStore(WithHistory(8))
	k := core.KVKey(fxNS("t", "a", 1), "blob")
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	snap := s.Snapshot() // a snapshot must not pin later history either
	for i := range 2000 {
		// A fresh value each time, so every version holds its own 64 KB.
		if _, err := s.Put(k, core.StringValue(strings.Repeat(string(rune('a'+i%20)), 64<<10)), 0); err != nil {
			t.Fatal(err)
		}
	}
	grown := int64(heap()) - int64(before)
	runtime.KeepAlive(snap)
	runtime.KeepAlive(s)
	t.Logf("grown %d KB", grown>>10)
	if grown > 16<<20 {
		t.Fatalf("heap grew by %d MB for a window of 8 versions of a 64 KB value: history is chained", grown>>20)
	}
}
