package mvcc

import (
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// The tests of story #15 (snapshots), translated. A snapshot here is a
// captured immutable root, O(1), not a deep copy.

var _ core.SnapshotView = (*Snapshot)(nil)

func TestSnapshotCreation(t *testing.T) {
	s, clk := fxStore()
	sn0 := s.Snapshot()
	require.Equal(t, uint64(0), sn0.Version())
	require.Equal(t, 0, sn0.Len())
	ns := fxNS("t", "a", 1)
	fxPut(t, s, core.KVKey(ns, "a"), 1, 0)
	fxPut(t, s, core.KVKey(ns, "b"), 2, 0)
	clk.Advance(time.Second)
	sn := s.Snapshot()
	require.Equal(t, uint64(2), sn.Version())
	require.Equal(t, s.CurrentVersion(), sn.Version())
	require.Equal(t, 2, sn.Len())
	require.Equal(t, clk.Now(), sn.Time())
	require.Equal(t, uint64(0), sn0.Version(), "an older snapshot keeps its version")
}

func TestSnapshotGet(t *testing.T) {
	s, clk := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "k")
	fxPut(t, s, k, 42, 0)
	sn := s.Snapshot()
	got, err := sn.Get(k)
	require.NoError(t, err)
	fxRequireVV(t, core.VersionedValue{Value: core.Int64Value(42), Version: 1, Timestamp: clk.Now()}, got)
	_, err = sn.Get(core.KVKey(fxNS("t", "a", 1), "missing"))
	require.ErrorIs(t, err, core.ErrNotFound)
}

func TestSnapshotIsolation(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	a, b, c := core.KVKey(ns, "a"), core.KVKey(ns, "b"), core.KVKey(ns, "c")
	fxPut(t, s, a, 1, 0)
	fxPut(t, s, b, 1, 0)
	sn := s.Snapshot()
	before := fxCollect(sn.All())

	fxPut(t, s, a, 2, 0)  // overwrite
	_, err := s.Delete(b) // delete
	require.NoError(t, err)
	fxPut(t, s, c, 3, 0) // insert
	fxPut(t, s, core.EventKey(fxNS("u", "a", 9), 1), 3, 0)

	got, err := sn.Get(a)
	require.NoError(t, err)
	require.Equal(t, int64(1), got.Value.Int64())
	_, err = sn.Get(b)
	require.NoError(t, err)
	_, err = sn.Get(c)
	require.ErrorIs(t, err, core.ErrNotFound)
	fxRequireEntries(t, before, fxCollect(sn.All()))
	es, err := sn.ScanByRun(fxRun(9))
	require.NoError(t, err)
	require.Empty(t, es)
	es, err = sn.ScanByType(core.TypeEvent)
	require.NoError(t, err)
	require.Empty(t, es)
	require.Equal(t, uint64(2), sn.Version())
	checkIndices(t, sn.st)
}

func TestSnapshotScanPrefix(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	for i, name := range []string{"p/2", "p/1", "q/1", "p", "o"} {
		fxPut(t, s, core.KVKey(ns, name), int64(i), 0)
	}
	fxPut(t, s, core.StateKey(ns, "p/3"), 9, 0)
	sn := s.Snapshot()
	fxPut(t, s, core.KVKey(ns, "p/0"), 9, 0)
	es, err := sn.ScanPrefix(core.KVKey(ns, "p/"))
	require.NoError(t, err)
	require.Equal(t, []string{core.KVKey(ns, "p/1").String(), core.KVKey(ns, "p/2").String()}, fxKeys(es))
	fxRequireEntries(t, es, fxCollect(sn.Prefix(core.KVKey(ns, "p/"))), "the iterator agrees")
	es, err = sn.ScanPrefix(core.KVKey(ns, ""))
	require.NoError(t, err)
	require.Len(t, es, 5)
	fxRequireSorted(t, es)

	// Iterators may stop early.
	n := 0
	for range sn.All() {
		n++
		break
	}
	for range sn.Prefix(core.KVKey(ns, "")) {
		n++
		break
	}
	require.Equal(t, 2, n)
}

func TestSnapshotImmutableUnderConcurrentReaders(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	for i := range 50 {
		fxPut(t, s, core.EventKey(ns, uint64(i)), int64(i), time.Duration(i)*time.Second)
	}
	clk.Advance(10 * time.Second)
	sn := s.Snapshot()
	want := fxCollect(sn.All())
	require.Len(t, want, 40, "keys 0 (no TTL) and 11..49")

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // a writer changing everything the snapshot holds
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			k := core.EventKey(ns, uint64(i%60))
			if i%3 == 0 {
				_, _ = s.Delete(k)
			} else {
				_, _ = s.Put(k, core.Int64Value(-1), 0)
			}
			clk.Advance(time.Second)
		}
	}()
	failures := make(chan string, 4)
	var readers sync.WaitGroup
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for range 30 {
				got := fxCollect(sn.All())
				byPrefix, err1 := sn.ScanPrefix(core.NewKey(ns, core.TypeEvent, nil))
				byRun, err2 := sn.ScanByRun(fxRun(1))
				if err1 != nil || err2 != nil || !fxEqualEntries(want, got) || !fxEqualEntries(want, byPrefix) || !fxEqualEntries(want, byRun) {
					failures <- "snapshot changed under a reader"
					return
				}
				v, err := sn.Get(core.EventKey(ns, 5))
				if err == nil {
					failures <- "expired value visible: " + v.Value.String()
					return
				}
			}
		}()
	}
	readers.Wait()
	close(stop)
	wg.Wait()
	close(failures)
	for f := range failures {
		require.Fail(t, f)
	}
	require.Equal(t, uint64(50), sn.Version())
}

func TestSnapshotJudgesExpiryAtCaptureTime(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	k := core.KVKey(ns, "k")
	fxPut(t, s, k, 1, 10*time.Second)
	clk.Advance(5 * time.Second)
	sn := s.Snapshot()
	clk.Advance(10 * time.Second)

	_, err := s.Get(k)
	require.ErrorIs(t, err, core.ErrNotFound, "expired for live reads")
	for range 2 { // repeated reads agree
		got, err := sn.Get(k)
		require.NoError(t, err)
		require.Equal(t, int64(1), got.Value.Int64())
		es, err := sn.ScanPrefix(core.KVKey(ns, ""))
		require.NoError(t, err)
		require.Len(t, es, 1)
		es, err = sn.ScanByRun(fxRun(1))
		require.NoError(t, err)
		require.Len(t, es, 1)
		es, err = sn.ScanByType(core.TypeKV)
		require.NoError(t, err)
		require.Len(t, es, 1)
		require.Len(t, fxCollect(sn.All()), 1)
		require.Len(t, fxCollect(sn.Prefix(k)), 1)
	}
	// And the other way: a snapshot taken after expiry never sees the value,
	// even if the clock is set back.
	late := s.Snapshot()
	clk.Advance(-time.Hour)
	_, err = late.Get(k)
	require.ErrorIs(t, err, core.ErrNotFound)
	require.Empty(t, fxCollect(late.All()))
	_, err = s.Get(k)
	require.NoError(t, err, "live reads follow the clock")
}
