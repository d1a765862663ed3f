package mvcc

import (
	"fmt"
	"sync"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vfs"
	"github.com/stretchr/testify/require"
)

// TestCrashKeepsAcknowledgedWrites runs a durable store on vfs.Mem, whose
// crash drops every byte not synced, and crashes it at one file operation
// after another while writers put: every write acknowledged before the crash
// is there after Open, with its version; nothing else is there but writes
// that were under way. A store that did not sync its log before
// acknowledging (a sync policy lost on the way to the log, a sync skipped)
// fails it.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	const writers, puts = 4, 25
	ns := fxNS("fault", "a", 1)
	key := func(g, i int) core.Key { return core.KVKey(ns, fmt.Sprintf("g%d-%03d", g, i)) }
	for _, crashAt := range []int{3, 10, 25, 60, 120, 200} {
		m := vfs.NewMem()
		var mu sync.Mutex
		ops := 0
		m.SetFault(func(vfs.Op, string) error {
			mu.Lock()
			ops++
			crash := ops == crashAt
			mu.Unlock()
			if crash {
				m.Crash()
			}
			return nil
		})
		s, err := Open("/db", withFS(m), WithCheckpointBytes(4<<10))
		require.NoError(t, err)
		acked := make([]map[int]uint64, writers) // writer g's put i -> its version
		var wg sync.WaitGroup
		for g := range writers {
			acked[g] = map[int]uint64{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range puts {
					v, err := s.Put(key(g, i), core.StringValue(fmt.Sprintf("value %d of writer %d", i, g)), 0)
					if err != nil {
						return // the crash: this write and every later one fail
					}
					acked[g][i] = v
				}
			}()
		}
		wg.Wait()
		s.Close()
		m.SetFault(nil)
		m.Crash() // whatever the store did after the crash point is gone too

		s, err = Open("/db", withFS(m))
		require.NoError(t, err, "crash at operation %d", crashAt)
		n := 0
		for g := range writers {
			for i, v := range acked[g] {
				k := key(g, i)
				got, err := s.Get(k)
				require.NoError(t, err, "crash at operation %d: acknowledged %v is lost", crashAt, k)
				require.Equal(t, v, got.Version, "crash at operation %d: %v", crashAt, k)
				n++
			}
		}
		require.LessOrEqual(t, s.Snapshot().Len(), writers*puts)
		require.GreaterOrEqual(t, s.CurrentVersion(), uint64(n))
		require.NoError(t, s.Close())
		t.Logf("crash at operation %d: %d writes acknowledged, %d recovered", crashAt, n, s.Snapshot().Len())
	}
}
