package mvcc

import (
	"errors"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// The tests of story #12 (the store), translated.

var _ core.Storage = (*Store)(nil)

func TestStoreCreation(t *testing.T) {
	s, _ := fxStore()
	require.Equal(t, uint64(0), s.CurrentVersion())
	st := s.Stats()
	require.Equal(t, Stats{History: 1}, st)
	_, err := s.Get(core.KVKey(fxNS("t", "a", 1), "x"))
	require.ErrorIs(t, err, core.ErrNotFound)
	es, err := s.ScanByRun(fxRun(1), core.Latest)
	require.NoError(t, err)
	require.Empty(t, es)
	require.Equal(t, uint64(0), s.Snapshot().Version())
}

func TestNewDefaultsToSystemClock(t *testing.T) {
	s := New(WithClock(nil))
	before := time.Now()
	got := s.Now()
	require.False(t, got.Before(before.Round(0).Add(-time.Second)))
	require.Equal(t, got, got.Round(0), "Now carries no monotonic reading")
}

func TestPutAndGet(t *testing.T) {
	s, clk := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "greeting")
	v, err := s.Put(k, core.StringValue("hello"), 0)
	require.NoError(t, err)
	require.Equal(t, uint64(1), v)
	got, err := s.Get(k)
	require.NoError(t, err)
	fxRequireVV(t, core.VersionedValue{Value: core.StringValue("hello"), Version: 1, Timestamp: clk.Now()}, got)

	// Keys differing in any part are different keys.
	others := []core.Key{
		core.KVKey(fxNS("t2", "a", 1), "greeting"),
		core.KVKey(fxNS("t", "b", 1), "greeting"),
		core.KVKey(fxNS("t", "a", 2), "greeting"),
		core.StateKey(fxNS("t", "a", 1), "greeting"),
		core.KVKey(fxNS("t", "a", 1), "greeting2"),
		core.KVKey(fxNS("t", "a", 1), "greetin"),
	}
	for _, o := range others {
		_, err := s.Get(o)
		require.ErrorIs(t, err, core.ErrNotFound, o.String())
	}
}

func TestPutEdgeCaseKeysAndValues(t *testing.T) {
	s, _ := fxStore()
	ns := core.Namespace{Tenant: "te\x00n", App: "", Agent: "ü", RunID: fxRun(0)}
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i)
	}
	cases := []struct {
		key core.Key
		val core.Value
	}{
		{core.KVKey(ns, ""), core.NullValue()},
		{core.KVKey(ns, "日本語"), core.StringValue("")},
		{core.NewKey(ns, core.TypeVector, []byte{0, 0xff, 0}), core.BytesValue(nil)},
		{core.EventKey(ns, 0), core.BytesValue(big)},
		{core.RunMetadataKey(ns), core.MapValue(map[string]core.Value{"a": core.ArrayValue(core.BoolValue(true))})},
		{core.TraceKey(ns, 1<<63), core.Float64Value(-0.5)},
	}
	for _, c := range cases {
		_, err := s.Put(c.key, c.val, 0)
		require.NoError(t, err)
	}
	for _, c := range cases {
		got, err := s.Get(c.key)
		require.NoError(t, err)
		require.True(t, c.val.Equal(got.Value), c.key.String())
	}
	require.Equal(t, len(cases), s.Stats().Keys)
}

func TestVersionMonotonicity(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	for i := uint64(1); i <= 20; i++ {
		k := core.KVKey(ns, string(rune('a'+i%3))) // overwrites included
		require.Equal(t, i, fxPut(t, s, k, int64(i), 0))
		require.Equal(t, i, s.CurrentVersion())
		got, err := s.Get(k)
		require.NoError(t, err)
		require.Equal(t, i, got.Version)
	}
	// A delete of a present key takes the next version; a failed one none.
	_, err := s.Delete(core.KVKey(ns, "b"))
	require.NoError(t, err)
	require.Equal(t, uint64(21), s.CurrentVersion())
	_, err = s.Delete(core.KVKey(ns, "b"))
	require.ErrorIs(t, err, core.ErrNotFound)
	require.Equal(t, uint64(21), s.CurrentVersion())
	require.Equal(t, uint64(22), fxPut(t, s, core.KVKey(ns, "z"), 0, 0))
	require.Equal(t, uint64(22), s.Stats().Commits)
}

func TestGetVersionedRespectsMaxVersion(t *testing.T) {
	// With history, past values stay exact after overwrites and deletes:
	// a store that kept only current values would answer "none" here.
	s, clk := fxStore(WithHistory(100))
	ns := fxNS("t", "a", 1)
	k := core.KVKey(ns, "k")
	other := core.KVKey(ns, "other")
	var want []core.VersionedValue // want[v]: k's value right after version v
	want = append(want, core.VersionedValue{})
	for i := 1; i <= 10; i++ {
		clk.Advance(time.Millisecond)
		key := k
		if i%3 == 0 {
			key = other
		}
		fxPut(t, s, key, int64(i*10), 0)
		cur, err := s.Get(k)
		if err != nil {
			cur = core.VersionedValue{}
		}
		want = append(want, cur)
	}
	_, err := s.Delete(k)
	require.NoError(t, err)
	want = append(want, core.VersionedValue{})

	for v := range want {
		got, err := s.GetVersioned(k, uint64(v))
		if want[v].Version == 0 {
			require.ErrorIs(t, err, core.ErrNotFound, "version %d", v)
			continue
		}
		require.NoError(t, err, "version %d", v)
		fxRequireVV(t, want[v], got, "version %d", v)
	}
	// Above the current version means the current version.
	_, err = s.GetVersioned(k, core.Latest)
	require.ErrorIs(t, err, core.ErrNotFound)
	got, err := s.GetVersioned(other, s.CurrentVersion()+5)
	require.NoError(t, err)
	require.Equal(t, int64(90), got.Value.Int64())
}

func TestGetVersionedExpiryJudgedNow(t *testing.T) {
	s, clk := fxStore(WithHistory(10))
	k := core.KVKey(fxNS("t", "a", 1), "k")
	fxPut(t, s, k, 1, time.Second)
	fxPut(t, s, core.KVKey(fxNS("t", "a", 1), "j"), 2, 0)
	got, err := s.GetVersioned(k, 1)
	require.NoError(t, err)
	require.Equal(t, uint64(1), got.Version)
	clk.Advance(time.Second)
	_, err = s.GetVersioned(k, 1)
	require.ErrorIs(t, err, core.ErrNotFound, "expired now, so absent at every version")
}

func TestDelete(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	k := core.KVKey(ns, "k")
	keep := core.KVKey(ns, "keep")
	fxPut(t, s, k, 7, time.Hour)
	fxPut(t, s, keep, 8, 0)
	removed, err := s.Delete(k)
	require.NoError(t, err)
	fxRequireVV(t, core.VersionedValue{Value: core.Int64Value(7), Version: 1, Timestamp: clk.Now(), TTL: time.Hour}, removed)
	_, err = s.Get(k)
	require.ErrorIs(t, err, core.ErrNotFound)
	es, err := s.ScanPrefix(core.KVKey(ns, ""), core.Latest)
	require.NoError(t, err)
	require.Equal(t, []string{keep.String()}, fxKeys(es))
	require.Equal(t, 0, s.Stats().TTLKeys)
	require.Equal(t, 1, s.Stats().Keys)

	// Deleting an absent key: ErrNotFound, and the error names the key.
	_, err = s.Delete(k)
	require.ErrorIs(t, err, core.ErrNotFound)
	require.Contains(t, err.Error(), k.String())

	// Deleting an expired key: ErrNotFound, no version.
	fxPut(t, s, k, 9, time.Second)
	clk.Advance(time.Second)
	v := s.CurrentVersion()
	_, err = s.Delete(k)
	require.ErrorIs(t, err, core.ErrNotFound)
	require.Equal(t, v, s.CurrentVersion())
}

func TestTTLExpirationNanosecondPrecision(t *testing.T) {
	s, clk := fxStore()
	run := fxRun(1)
	ns := fxNS("t", "a", 1)
	k := core.KVKey(ns, "k")
	const ttl = 10*time.Second + 7*time.Nanosecond
	fxPut(t, s, k, 1, ttl)
	written := clk.Now()

	visible := func() bool {
		_, err := s.Get(k)
		if err != nil {
			require.ErrorIs(t, err, core.ErrNotFound)
		}
		es, serr := s.ScanPrefix(core.KVKey(ns, ""), core.Latest)
		require.NoError(t, serr)
		er, rerr := s.ScanByRun(run, core.Latest)
		require.NoError(t, rerr)
		et, terr := s.ScanByType(core.TypeKV, core.Latest)
		require.NoError(t, terr)
		_, verr := s.GetVersioned(k, s.CurrentVersion())
		require.Equal(t, err == nil, len(es) == 1)
		require.Equal(t, err == nil, len(er) == 1)
		require.Equal(t, err == nil, len(et) == 1)
		require.Equal(t, err == nil, verr == nil)
		return err == nil
	}
	require.True(t, visible())
	clk.Set(written.Add(ttl - time.Nanosecond))
	require.True(t, visible(), "one nanosecond before expiry")
	require.Empty(t, s.FindExpired(s.Now(), 0))
	clk.Set(written.Add(ttl))
	require.False(t, visible(), "expired exactly at Timestamp+TTL")
	require.Len(t, s.FindExpired(s.Now(), 0), 1)
	clk.Set(written.Add(ttl - time.Nanosecond))
	require.True(t, visible(), "expiry is judged by the clock, not remembered")

	// An overwrite without TTL makes the key permanent.
	fxPut(t, s, k, 2, 0)
	clk.Set(written.Add(1000 * time.Hour))
	require.True(t, visible())
	require.Equal(t, 0, s.Stats().TTLKeys)
}

func TestScanPrefixOnlyMatchingKeysInKeyOrder(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	puts := []core.Key{
		core.KVKey(ns, "user:2"),
		core.KVKey(ns, "user:10"),
		core.KVKey(ns, "user:1"),
		core.KVKey(ns, "user"),
		core.KVKey(ns, "use"),
		core.KVKey(ns, "users"),
		core.KVKey(ns, "other"),
		core.StateKey(ns, "user:3"),                 // other type
		core.KVKey(fxNS("t", "a\x00", 1), "user:4"), // other namespace, sharing a prefix
		core.KVKey(fxNS("t", "a", 2), "user:5"),     // other run
		core.KVKey(fxNS("t", "", 1), "user:6"),
	}
	for i, k := range puts {
		fxPut(t, s, k, int64(i), 0)
	}
	es, err := s.ScanPrefix(core.KVKey(ns, "user:"), core.Latest)
	require.NoError(t, err)
	require.Equal(t, []string{
		core.KVKey(ns, "user:1").String(),
		core.KVKey(ns, "user:10").String(),
		core.KVKey(ns, "user:2").String(),
	}, fxKeys(es))
	require.Equal(t, int64(2), es[0].Value.Value.Int64())

	es, err = s.ScanPrefix(core.KVKey(ns, ""), core.Latest)
	require.NoError(t, err)
	require.Len(t, es, 7)
	fxRequireSorted(t, es)

	es, err = s.ScanPrefix(core.KVKey(ns, "zzz"), core.Latest)
	require.NoError(t, err)
	require.Empty(t, es)
}

func TestScanByRunFiltersByRunInKeyOrder(t *testing.T) {
	s, _ := fxStore()
	runA, runB := fxRun(0xaa), fxRun(0xbb)
	var wantA []string
	for i, tenant := range []string{"z", "a", "m"} {
		for _, run := range []byte{0xbb, 0xaa} {
			ns := fxNS(tenant, "agent", run)
			keys := []core.Key{core.EventKey(ns, 2), core.KVKey(ns, "x"), core.EventKey(ns, 1), core.RunMetadataKey(ns)}
			for j, k := range keys {
				fxPut(t, s, k, int64(i*10+j), 0)
			}
		}
	}
	all := fxCollect(s.Snapshot().All())
	for _, e := range all {
		if e.Key.Namespace.RunID == runA {
			wantA = append(wantA, e.Key.String())
		}
	}
	es, err := s.ScanByRun(runA, core.Latest)
	require.NoError(t, err)
	require.Equal(t, wantA, fxKeys(es))
	require.Len(t, es, 12)
	fxRequireSorted(t, es)
	for _, e := range es {
		require.Equal(t, runA, e.Key.Namespace.RunID)
	}
	es, err = s.ScanByRun(runB, core.Latest)
	require.NoError(t, err)
	require.Len(t, es, 12)
	es, err = s.ScanByRun(fxRun(0xcc), core.Latest)
	require.NoError(t, err)
	require.Empty(t, es)
}

func TestConcurrentWrites(t *testing.T) {
	s, _ := fxStore()
	const writers, each = 10, 100
	versions := make([][]uint64, writers)
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			ns := fxNS("t", string(rune('a'+w)), 1)
			for i := range each {
				v, err := s.Put(core.EventKey(ns, uint64(i)), core.Int64Value(int64(i)), 0)
				if err != nil {
					errs <- err
					return
				}
				versions[w] = append(versions[w], v)
			}
			errs <- nil
		}()
	}
	for range writers {
		require.NoError(t, <-errs)
	}
	seen := make([]bool, writers*each+1)
	for w := range writers {
		for i, v := range versions[w] {
			require.NotZero(t, v)
			require.LessOrEqual(t, v, uint64(writers*each))
			require.False(t, seen[v], "version %d returned twice", v)
			seen[v] = true
			if i > 0 {
				require.Greater(t, v, versions[w][i-1], "one goroutine's writes commit in its order")
			}
		}
	}
	require.Equal(t, uint64(writers*each), s.CurrentVersion())
	require.Equal(t, writers*each, s.Stats().Keys)
	require.Equal(t, uint64(writers*each), s.Stats().Commits)
	checkIndices(t, s.root.Load().cur)
}

func TestStats(t *testing.T) {
	s, _ := fxStore(WithHistory(3))
	fxPut(t, s, core.KVKey(fxNS("t", "a", 1), "x"), 1, time.Minute)
	fxPut(t, s, core.KVKey(fxNS("t", "a", 1), "y"), 1, 0)
	fxPut(t, s, core.KVKey(fxNS("t", "b", 2), "y"), 1, 0)
	fxPut(t, s, core.KVKey(fxNS("t", "b", 2), "z"), 1, 0)
	txn := s.Begin()
	_, _ = txn.Get(core.KVKey(fxNS("t", "a", 1), "x"))
	require.NoError(t, txn.Put(core.KVKey(fxNS("t", "a", 1), "x"), core.NullValue(), 0))
	fxPut(t, s, core.KVKey(fxNS("t", "a", 1), "x"), 2, 0)
	_, err := txn.Commit()
	require.True(t, errors.Is(err, core.ErrConflict))
	st := s.Stats()
	require.Equal(t, uint64(5), st.Version)
	require.Equal(t, 4, st.Keys)
	require.Equal(t, 2, st.Runs)
	require.Equal(t, 0, st.TTLKeys)
	require.Equal(t, 4, st.History, "three past versions and the current one")
	require.Equal(t, uint64(5), st.Commits)
	require.Equal(t, uint64(1), st.Conflicts)
}
