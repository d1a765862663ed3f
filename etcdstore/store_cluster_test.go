package etcdstore

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// TestClusterMemberStopped: on a 3-member cluster, two writers keep writing
// while the leader is stopped. The store keeps serving once a new leader is
// elected, every write acknowledged (before, during and after the stop) is
// readable afterwards, and the acknowledged versions are distinct and within
// the gapless range 1..CurrentVersion.
func TestClusterMemberStopped(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-member cluster")
	}
	c, err := startCluster(t.TempDir(), 3, true)
	require.NoError(t, err)
	defer c.close()
	s := newStoreOn(t, c.cli, "/cluster", WithTimeout(30*time.Second))
	s2 := newStoreOn(t, c.cli, "/cluster", WithTimeout(30*time.Second))
	ns := testNS("cluster", 60)

	type ack struct {
		key     core.Key
		value   int64
		version uint64
	}
	var (
		mu      sync.Mutex
		acked   []ack
		failed  atomic.Int64
		stopped atomic.Bool
		after   atomic.Int64 // writes acknowledged after the stop
		done    = make(chan struct{})
		wg      sync.WaitGroup
	)
	for w, st := range []*Store{s, s2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				k := core.KVKey(ns, fmt.Sprintf("w%d-%04d", w, i))
				v, err := st.Put(k, core.Int64Value(int64(i)), 0)
				if err != nil {
					failed.Add(1)
					t.Logf("write failed: %v", err)
					continue
				}
				mu.Lock()
				acked = append(acked, ack{k, int64(i), v})
				mu.Unlock()
				if stopped.Load() {
					after.Add(1)
				}
			}
		}()
	}
	waitFor(t, "50 acknowledged writes before the stop", 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 50
	})
	leader := -1
	for i, m := range c.members {
		if m.Server.Leader() == m.Server.MemberID() {
			leader = i
		}
	}
	require.GreaterOrEqual(t, leader, 0, "a leader")
	c.stop(leader)
	stopped.Store(true)
	waitFor(t, "50 acknowledged writes after stopping the leader", 60*time.Second, func() bool { return after.Load() >= 50 })
	close(done)
	wg.Wait()

	versions := map[uint64]bool{}
	cur := s.CurrentVersion()
	for _, a := range acked {
		got, err := s.Get(a.key)
		require.NoError(t, err, "acknowledged write %s@%d", a.key, a.version)
		require.Equal(t, a.value, got.Value.Int64())
		require.Equal(t, a.version, got.Version)
		require.False(t, versions[a.version], "version %d acknowledged twice", a.version)
		require.LessOrEqual(t, a.version, cur)
		versions[a.version] = true
	}
	es, err := s.ScanByRun(ns.RunID, core.Latest)
	require.NoError(t, err)
	require.Equal(t, int(cur), len(es), "one key per commit: the run holds exactly CurrentVersion keys")
	t.Logf("%d writes acknowledged, %d failed, version %d", len(acked), failed.Load(), cur)
}

// waitFor polls cond until it holds, failing t after limit with what it
// waited for.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
