package etcdstore

import (
	"context"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// scanKeys collects the user keys a scan yields.
func scanKeys(t *testing.T, sn *Snapshot, seq func(func(core.Key, core.VersionedValue) bool)) []string {
	t.Helper()
	var out []string
	for k := range seq {
		out = append(out, k.Namespace.Agent+":"+string(k.UserKey))
	}
	require.NoError(t, sn.Err())
	return out
}

func TestScanOptions(t *testing.T) {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(t, WithClock(clock))
	a, b := testNS("a", 21), testNS("b", 21)
	for _, n := range []string{"k1", "k2", "k3", "k4", "k5"} {
		_, err := s.Put(core.KVKey(a, n), core.StringValue(n), 0)
		require.NoError(t, err)
	}
	_, err := s.Put(core.KVKey(a, "k0"), core.StringValue("gone soon"), time.Second)
	require.NoError(t, err)
	_, err = s.Put(core.StateKey(a, "s1"), core.NullValue(), 0)
	require.NoError(t, err)
	_, err = s.Put(core.KVKey(b, "k9"), core.NullValue(), 0)
	require.NoError(t, err)
	clock.Advance(time.Minute)
	sn := s.Snapshot()
	all := core.AgentPrefix("t", "a", "a")

	require.Equal(t, []string{"a:k1", "a:k2", "a:k3", "a:k4", "a:k5", "a:s1"}, scanKeys(t, sn, sn.Scan(all)), "the expired k0 is skipped")
	require.Equal(t, []string{"a:s1", "a:k5", "a:k4"}, scanKeys(t, sn, sn.Scan(all, Reverse(), Limit(3))))
	require.Equal(t, []string{"a:k3", "a:k4"}, scanKeys(t, sn, sn.Scan(all, After(core.KVKey(a, "k2")), Limit(2))))
	require.Equal(t, []string{"a:k1"}, scanKeys(t, sn, sn.Scan(all, After(core.KVKey(a, "k2")), Reverse())))
	require.Equal(t, []string{"a:k3", "a:k4", "a:k5"}, scanKeys(t, sn, sn.Scan(core.KeyPrefix(core.KVKey(a, "k")), After(core.KVKey(a, "k2")))))
	require.Empty(t, scanKeys(t, sn, sn.Scan(all, After(core.NewKey(a, core.TypeTag(99), nil)))), "an invalid cursor yields nothing")
	require.Empty(t, scanKeys(t, sn, sn.Scan(core.KeyPrefix(core.NewKey(a, core.TypeTag(99), nil)))))

	// Paging through one version with (version, last key) tokens, while
	// writes go on.
	var paged []string
	var cursor *core.Key
	for {
		page, err := s.SnapshotAt(sn.Version())
		require.NoError(t, err)
		opts := []ScanOption{Limit(2)}
		if cursor != nil {
			opts = append(opts, After(*cursor))
		}
		n := 0
		for k := range page.Scan(core.AllKeys(), opts...) {
			paged = append(paged, k.Namespace.Agent+":"+string(k.UserKey))
			cursor, n = &k, n+1
		}
		require.NoError(t, page.Err())
		_, err = s.Put(core.KVKey(a, "k22"), core.StringValue("later"), 0)
		require.NoError(t, err)
		if n < 2 {
			break
		}
	}
	require.Equal(t, []string{"a:k0", "a:k1", "a:k2", "a:k3", "a:k4", "a:k5", "a:s1", "b:k9"}, paged,
		"judged at the version's commit time, when k0 was live")

	// Stopping early is fine.
	for range sn.Scan(all) {
		break
	}
	require.NoError(t, sn.Err())

	// Index scans.
	require.Equal(t, []string{"a:k1", "a:k2", "a:k3", "a:k4", "a:k5", "a:s1", "b:k9"}, scanKeys(t, sn, sn.ScanRun(a.RunID)))
	require.Equal(t, []string{"b:k9", "a:s1"}, scanKeys(t, sn, sn.ScanRun(a.RunID, Reverse(), Limit(2))))
	require.Equal(t, []string{"a:k1", "a:k2", "a:k3", "a:k4", "a:k5", "b:k9"}, scanKeys(t, sn, sn.ScanType(core.TypeKV)))
	require.Equal(t, []string{"a:k5", "a:k4"}, scanKeys(t, sn, sn.ScanType(core.TypeKV, Within(all), Reverse(), Limit(2))))
	require.Equal(t, []string{"b:k9"}, scanKeys(t, sn, sn.ScanType(core.TypeKV, Within(core.NamespacePrefix(b)))))
	require.Equal(t, []string{"a:k4", "a:k5"}, scanKeys(t, sn, sn.ScanType(core.TypeKV, Within(core.KeyPrefix(core.KVKey(a, "k"))), After(core.KVKey(a, "k3")))))
	require.Empty(t, scanKeys(t, sn, sn.ScanType(core.TypeKV, Within(core.KeyPrefix(core.StateKey(a, ""))))))
	require.Empty(t, scanKeys(t, sn, sn.ScanType(core.TypeTag(50))))
}

// TestScanByTypeReadsTheIndex: ScanByType reads only the namespaces the
// type index names, and the index follows puts, deletes and expiry
// removals.
func TestScanByTypeReadsTheIndex(t *testing.T) {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(t, WithClock(clock))
	a, b := testNS("a", 22), testNS("b", 23)
	_, err := s.Put(core.TraceKey(a, 1), core.NullValue(), 0)
	require.NoError(t, err)
	_, err = s.Put(core.TraceKey(b, 1), core.NullValue(), time.Second)
	require.NoError(t, err)
	_, err = s.Put(core.KVKey(b, "x"), core.NullValue(), 0)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	index := func() []string {
		t.Helper()
		vw, err := s.latest(ctx, clock.Now())
		require.NoError(t, err)
		nss, err := s.indexed(&vw, s.l.typePrefix(core.TypeTrace))
		require.NoError(t, err)
		return nss
	}
	require.Len(t, index(), 2)
	clock.Advance(time.Minute)
	res, err := s.RemoveExpired(s.FindExpired(clock.Now(), 0))
	require.NoError(t, err)
	require.Equal(t, 1, res.Removed)
	require.Equal(t, []string{string(a.AppendEncode(nil))}, index(), "b has no trace left")
	es, err := s.ScanByType(core.TypeTrace, core.Latest)
	require.NoError(t, err)
	require.Len(t, es, 1)
	es, err = s.ScanByType(core.TypeTrace, 2)
	require.NoError(t, err)
	require.Len(t, es, 1, "at version 2 b's trace is there but expired by now")
	_, err = s.Delete(core.TraceKey(a, 1))
	require.NoError(t, err)
	require.Empty(t, index())
}

func TestSnapshotAt(t *testing.T) {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(t, WithClock(clock))
	k := core.KVKey(testNS("agent", 24), "k")
	v1, err := s.Put(k, core.Int64Value(1), time.Second)
	require.NoError(t, err)
	t1 := clock.Now()
	clock.Advance(time.Hour)
	v2, err := s.Put(k, core.Int64Value(2), 0)
	require.NoError(t, err)

	sn, err := s.SnapshotAt(v1)
	require.NoError(t, err)
	require.Equal(t, v1, sn.Version())
	require.True(t, sn.Time().Equal(t1), "judged at v1's commit time: %v", sn.Time())
	got, err := sn.Get(k)
	require.NoError(t, err, "live at its commit time, though expired now")
	require.Equal(t, int64(1), got.Value.Int64())
	sn, err = s.SnapshotAt(v2)
	require.NoError(t, err)
	require.True(t, sn.Time().Equal(clock.Now()))
	sn, err = s.SnapshotAt(0)
	require.NoError(t, err)
	es, err := sn.ScanByRun(k.Namespace.RunID)
	require.NoError(t, err)
	require.Empty(t, es)
	_, err = s.SnapshotAt(v2 + 1)
	require.ErrorIs(t, err, core.ErrNotFound)
	var _ core.ViewerAt = s
	view, err := s.ViewAt(v2 + 1)
	require.ErrorIs(t, err, core.ErrNotFound)
	require.Nil(t, view)
}
