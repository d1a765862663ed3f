package mvcc

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

func TestSnapshotAtIsTheStateAfterTheVersion(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	k1, k2, k3 := core.KVKey(ns, "1"), core.KVKey(ns, "2"), core.KVKey(ns, "3")
	t0 := clk.Now()
	v1 := fxPut(t, s, k1, 1, 10*time.Second) // expires at t0+10s
	t1 := clk.Advance(5 * time.Second)
	v2 := fxPut(t, s, k2, 2, 0)
	t2 := clk.Advance(10 * time.Second)
	v3 := fxPut(t, s, k3, 3, 0)
	_, err := s.Delete(k2)
	require.NoError(t, err)
	v4 := s.CurrentVersion()
	clk.Advance(time.Hour)

	want := map[uint64][]core.Key{0: nil, v1: {k1}, v2: {k1, k2}, v3: {k2, k3}, v4: {k3}}
	times := map[uint64]time.Time{v1: t0, v2: t1, v3: t2, v4: t2}
	for v, keys := range want {
		sn, err := s.SnapshotAt(v)
		require.NoError(t, err, "SnapshotAt(%d)", v)
		require.Equal(t, v, sn.Version())
		if v > 0 {
			require.True(t, times[v].Equal(sn.Time()), "SnapshotAt(%d).Time is its commit time", v)
		}
		got := fxCollect(sn.Scan(core.AllKeys()))
		require.Equal(t, len(keys), len(got), "SnapshotAt(%d): %v", v, fxKeys(got))
		for i, k := range keys {
			require.True(t, k.Equal(got[i].Key), "SnapshotAt(%d) entry %d", v, i)
			vv, err := sn.Get(k)
			require.NoError(t, err)
			require.LessOrEqual(t, vv.Version, v)
		}
		checkIndices(t, sn.st)
	}
	// k1 is stored at v3 but expired at v3's commit time.
	sn, err := s.SnapshotAt(v3)
	require.NoError(t, err)
	require.Equal(t, 3, sn.Len())
	_, err = sn.Get(k1)
	require.ErrorIs(t, err, core.ErrNotFound)
}

func TestSnapshotAtOutsideTheWindow(t *testing.T) {
	s, _ := fxStore(WithHistory(3))
	ns := fxNS("t", "a", 1)
	for i := range 10 {
		fxPut(t, s, core.KVKey(ns, "k"), int64(i), 0)
	}
	cur := s.CurrentVersion()
	for v := cur - 3; v <= cur; v++ {
		sn, err := s.SnapshotAt(v)
		require.NoError(t, err, "SnapshotAt(%d) inside the window", v)
		vv, err := sn.Get(core.KVKey(ns, "k"))
		require.NoError(t, err)
		require.Equal(t, v, vv.Version)
	}
	for _, v := range []uint64{0, 1, cur - 4} {
		sn, err := s.SnapshotAt(v)
		require.ErrorIs(t, err, core.ErrCompacted, "SnapshotAt(%d)", v)
		require.Nil(t, sn)
	}
	for _, v := range []uint64{cur + 1, core.Latest} {
		sn, err := s.SnapshotAt(v)
		require.ErrorIs(t, err, core.ErrNotFound, "SnapshotAt(%d)", v)
		require.Nil(t, sn)
	}

	off, _ := fxStore(WithHistory(0))
	fxPut(t, off, core.KVKey(ns, "k"), 1, 0)
	fxPut(t, off, core.KVKey(ns, "k"), 2, 0)
	_, err := off.SnapshotAt(2)
	require.NoError(t, err, "the current version is always there")
	_, err = off.SnapshotAt(1)
	require.ErrorIs(t, err, core.ErrCompacted)
}

func TestDeletePrefix(t *testing.T) {
	s, clk := fxStore()
	var kept []core.Key
	put := func(k core.Key, ttl time.Duration, keep bool) {
		fxPut(t, s, k, 1, ttl)
		if keep {
			kept = append(kept, k)
		}
	}
	// Agent "g" of tenant "a" over two runs, and neighbours whose names
	// share its leading bytes.
	for run := byte(1); run <= 2; run++ {
		ns := core.Namespace{Tenant: "a", App: "app", Agent: "g", RunID: fxRun(run)}
		put(core.KVKey(ns, "note"), 0, false)
		put(core.EventKey(ns, 1), 0, false)
		put(core.TraceKey(ns, 1), time.Second, false) // expired by the delete
		put(core.RunMetadataKey(ns), 0, false)
	}
	for _, ns := range []core.Namespace{
		{Tenant: "ab", App: "app", Agent: "g", RunID: fxRun(1)},
		{Tenant: "a", App: "app", Agent: "g\x00", RunID: fxRun(1)},
		{Tenant: "a", App: "app", Agent: "gg", RunID: fxRun(1)},
		{Tenant: "a", App: "app\x00", Agent: "g", RunID: fxRun(2)},
	} {
		put(core.KVKey(ns, "note"), 0, true)
		put(core.TraceKey(ns, 1), time.Hour, true)
	}
	clk.Advance(2 * time.Second)
	before := s.CurrentVersion()
	prev := s.Snapshot()

	n, v, err := s.DeletePrefix(core.AgentPrefix("a", "app", "g"))
	require.NoError(t, err)
	require.Equal(t, 6, n, "live keys removed; the expired traces are not counted")
	require.Equal(t, before+1, v, "one version")
	require.Equal(t, v, s.CurrentVersion())
	require.Equal(t, len(kept), s.Snapshot().Len(), "expired keys went too")
	got := fxCollect(s.Scan(core.AllKeys()))
	require.ElementsMatch(t, qxStrings(kept), fxKeys(got), "exactly the neighbours survive")
	for _, e := range got {
		require.False(t, core.AgentPrefix("a", "app", "g").Match(e.Key), "%s survived", e.Key)
	}
	checkIndices(t, s.root.Load().cur)
	for run := byte(1); run <= 2; run++ {
		es, err := s.ScanByRun(fxRun(run), core.Latest)
		require.NoError(t, err)
		require.ElementsMatch(t, fxKeys(fxFilter(got, func(k core.Key) bool { return k.Namespace.RunID == fxRun(run) })), fxKeys(es), "run %d", run)
	}

	// The commit record: ChangeDelete for the live keys, ChangeExpire for
	// the expired ones, in key order.
	rec := s.root.Load().cur.commit(v)
	require.NotNil(t, rec)
	ops := map[core.ChangeOp]int{}
	for _, c := range rec.changes {
		ops[c.op]++
	}
	require.Equal(t, map[core.ChangeOp]int{core.ChangeDelete: 6, core.ChangeExpire: 2}, ops)

	// History still has them.
	old, err := s.SnapshotAt(before)
	require.NoError(t, err)
	require.Equal(t, prev.Len(), old.Len())

	// Nothing matches: (0, 0, nil), no version, no new root.
	r := s.root.Load()
	n, v, err = s.DeletePrefix(core.AgentPrefix("a", "app", "g"))
	require.NoError(t, err)
	require.Equal(t, [2]uint64{0, 0}, [2]uint64{uint64(n), v})
	n, v, err = s.DeletePrefix(core.TenantPrefix("nobody"))
	require.NoError(t, err)
	require.Equal(t, [2]uint64{0, 0}, [2]uint64{uint64(n), v})
	fxUnchanged(t, s, r, "DeletePrefix of nothing")

	// An invalid prefix is refused.
	_, _, err = s.DeletePrefix(core.KeyPrefix(core.NewKey(fxNS("a", "g", 1), 7, nil)))
	require.ErrorIs(t, err, core.ErrInvalidKey)
	fxUnchanged(t, s, r, "DeletePrefix of an invalid prefix")

	// Only expired keys match: they go, in a version, counted as 0 live.
	clk.Advance(2 * time.Hour)
	n, v, err = s.DeletePrefix(core.KeyPrefix(core.Key{Namespace: core.Namespace{Tenant: "ab", App: "app", Agent: "g", RunID: fxRun(1)}, Type: core.TypeTrace}))
	require.NoError(t, err)
	require.Equal(t, 0, n)
	require.Equal(t, r.cur.version+1, v)
	checkIndices(t, s.root.Load().cur)

	// Everything.
	n, _, err = s.DeletePrefix(core.AllKeys())
	require.NoError(t, err)
	require.Equal(t, 4, n)
	require.Zero(t, s.Snapshot().Len())
	checkIndices(t, s.root.Load().cur)
	st := s.Stats()
	require.Zero(t, st.Runs+st.Types+st.TTLKeys+st.Keys)
}

func qxStrings(ks []core.Key) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.String()
	}
	return out
}

func TestTouch(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	k := core.KVKey(ns, "note")
	v1, err := s.Put(k, core.StringValue("keep me"), 10*time.Second)
	require.NoError(t, err)
	t1 := clk.Advance(5 * time.Second)
	v2, err := s.Touch(k, 10*time.Second)
	require.NoError(t, err)
	require.Equal(t, v1+1, v2)
	vv, err := s.Get(k)
	require.NoError(t, err)
	fxRequireVV(t, core.VersionedValue{Value: core.StringValue("keep me"), Version: v2, Timestamp: t1, TTL: 10 * time.Second}, vv)
	checkIndices(t, s.root.Load().cur)

	clk.Advance(7 * time.Second) // past the first expiry, before the new one
	_, err = s.Get(k)
	require.NoError(t, err, "the expiry moved")
	require.Empty(t, s.FindExpired(s.Now(), 0), "the old expiry left the TTL index")
	old, err := s.GetVersioned(k, v1)
	require.ErrorIs(t, err, core.ErrNotFound, "version %d expired at its own deadline: %v", v1, old)

	clk.Advance(4 * time.Second) // past the new expiry
	r := s.root.Load()
	_, err = s.Touch(k, time.Minute)
	require.ErrorIs(t, err, core.ErrNotFound, "an expired key")
	_, err = s.Touch(core.KVKey(ns, "absent"), time.Minute)
	require.ErrorIs(t, err, core.ErrNotFound)
	_, err = s.Touch(k, -time.Second)
	require.ErrorIs(t, err, core.ErrInvalidTTL)
	_, err = s.Touch(core.NewKey(ns, 6, nil), time.Second)
	require.ErrorIs(t, err, core.ErrInvalidKey)
	fxUnchanged(t, s, r, "refused touches")

	// ttl 0: never expires.
	k2 := core.KVKey(ns, "other")
	fxPut(t, s, k2, 1, time.Second)
	v, err := s.Touch(k2, 0)
	require.NoError(t, err)
	clk.Advance(time.Hour)
	vv, err = s.Get(k2)
	require.NoError(t, err)
	require.Equal(t, v, vv.Version)
	require.Zero(t, vv.TTL)
	checkIndices(t, s.root.Load().cur)
}

func TestSizeLimits(t *testing.T) {
	ns := fxNS("t", "a", 1)
	okKey := core.KVKey(ns, "abcdefgh")
	okVal := core.StringValue("12345678") // as much data as an int64
	s, _ := fxStore(WithMaxKeySize(len(okKey.Encode())), WithMaxValueSize(8))
	bigKey := core.KVKey(ns, "abcdefghi")
	bigVal := core.StringValue("123456789")
	fxPut(t, s, okKey, 1, 0) // at the limits: fine
	_, err := s.Put(okKey, okVal, 0)
	require.NoError(t, err)
	_, _, err = s.Append(ns, okVal, 0) // an event key's user key is 8 bytes too
	require.NoError(t, err)

	r := s.root.Load()
	refused := map[string]func() error{
		"Put key":   func() error { _, err := s.Put(bigKey, okVal, 0); return err },
		"Put value": func() error { _, err := s.Put(okKey, bigVal, 0); return err },
		"CAS key":   func() error { _, err := s.CompareAndSwap(bigKey, 0, okVal, 0); return err },
		"CAS value": func() error { _, err := s.CompareAndSwap(okKey, 0, bigVal, 0); return err },
		"Txn.Put key": func() error {
			_, err := s.Update(func(tx *Txn) error { return tx.Put(bigKey, okVal, 0) })
			return err
		},
		"Txn.Put value": func() error {
			tx := s.Begin()
			defer tx.Discard()
			return tx.Put(okKey, bigVal, 0)
		},
		"Append value": func() error { _, _, err := s.Append(ns, bigVal, 0); return err },
		"Append key": func() error {
			_, _, err := s.Append(fxNS("t", "a-longer-agent", 1), okVal, 0)
			return err
		},
		"Txn.Append value": func() error {
			_, err := s.Update(func(tx *Txn) error { _, err := tx.Append(ns, bigVal, 0); return err })
			return err
		},
		"Txn.Append key": func() error {
			tx := s.Begin()
			defer tx.Discard()
			_, err := tx.Append(fxNS("t", "a-longer-agent", 1), okVal, 0)
			return err
		},
	}
	for name, op := range refused {
		require.ErrorIs(t, op(), core.ErrTooLarge, name)
		fxUnchanged(t, s, r, name)
	}
	// A transaction whose Put was refused buffered nothing.
	tx := s.Begin()
	require.ErrorIs(t, tx.Put(okKey, bigVal, 0), core.ErrTooLarge)
	v, err := tx.Commit()
	require.NoError(t, err)
	require.Equal(t, r.cur.version, v)
	fxUnchanged(t, s, r, "a transaction left empty by a refused Put")
}

func TestHistoryBytesBoundsTheWindow(t *testing.T) {
	const size, budget = 4 << 20, 20 << 20
	// One backing string: each value is a different 4 MB window of it.
	var b strings.Builder
	for i := range size + 64 {
		b.WriteByte(byte(i % 251))
	}
	big := b.String()
	s, _ := fxStore(WithHistoryBytes(budget))
	k := core.KVKey(fxNS("t", "a", 1), "blob")
	var versions []uint64
	for i := range 50 {
		v, err := s.Put(k, core.StringValue(big[i:i+size]), 0)
		require.NoError(t, err)
		versions = append(versions, v)
		require.LessOrEqual(t, s.root.Load().pastBytes, int64(budget), "after %d overwrites", i+1)
	}
	r := s.root.Load()
	// Four replaced 4 MB values fit in 20 MB with their keys; five do not.
	replaced := entryBytes(string(k.Encode()), &stored{val: core.StringValue(big[:size])})
	require.Equal(t, 4*replaced, r.pastBytes)
	require.Equal(t, 5, s.Stats().History)
	cur := s.CurrentVersion()
	for i, v := range versions {
		vv, err := s.GetVersioned(k, v)
		if v+4 < cur {
			require.ErrorIs(t, err, core.ErrCompacted, "version %d left the window", v)
			continue
		}
		require.NoError(t, err, "version %d", v)
		require.Equal(t, v, vv.Version)
		require.True(t, vv.Value.Equal(core.StringValue(big[i:i+size])), "version %d holds its own value", v)
	}
}

func TestStatsReportsBytes(t *testing.T) {
	s, _ := fxStore(WithHistoryBytes(1 << 30))
	k := core.KVKey(fxNS("t", "a", 1), "blob")
	_, err := s.Put(k, core.StringValue(strings.Repeat("x", 1<<20)), 0)
	require.NoError(t, err)
	require.Greater(t, s.Stats().LiveBytes, int64(1<<20))
	_, err = s.Put(k, core.StringValue("small"), 0)
	require.NoError(t, err)
	st := s.Stats()
	require.Less(t, st.LiveBytes, int64(1<<10))
	require.Greater(t, st.HistoryBytes, int64(1<<20))
}

// TestLiveBytesAccounting checks the byte count Stats.LiveBytes is meant to
// report, as the store keeps it, through puts, overwrites, deletes, bulk
// deletes and removals.
func TestLiveBytesAccounting(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	liveBytes := func() int64 { return s.root.Load().cur.bytes }
	// The sum over what is stored, computed from scratch.
	recount := func() int64 {
		var n int64
		s.root.Load().cur.rangeRecords("", func(enc string, r *stored) bool {
			n += int64(len(enc)) + int64(storedSize) + int64(r.val.Size())
			return true
		})
		return n
	}
	require.Zero(t, liveBytes())
	_, err := s.Put(core.KVKey(ns, "big"), core.StringValue(strings.Repeat("x", 1<<20)), 0)
	require.NoError(t, err)
	require.Greater(t, liveBytes(), int64(1<<20))
	require.Less(t, liveBytes(), int64(1<<20+1<<10))
	for i := range 20 {
		fxPut(t, s, core.EventKey(ns, uint64(i)), int64(i), time.Second)
	}
	require.Equal(t, recount(), liveBytes())
	_, err = s.Put(core.KVKey(ns, "big"), core.StringValue("small"), 0)
	require.NoError(t, err)
	require.Less(t, liveBytes(), int64(1<<12))
	require.Equal(t, recount(), liveBytes())
	_, err = s.Delete(core.EventKey(ns, 3))
	require.NoError(t, err)
	require.Equal(t, recount(), liveBytes())
	clk.Advance(time.Minute)
	_, err = s.Expire(5)
	require.NoError(t, err)
	require.Equal(t, recount(), liveBytes())
	_, _, err = s.DeletePrefix(core.NamespacePrefix(ns))
	require.NoError(t, err)
	require.Zero(t, liveBytes())
}

func TestUpdateWithCommitOrDiscardInside(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	k := core.KVKey(ns, "k")

	// fn commits itself: one commit, its version returned.
	before := s.Stats()
	var inner uint64
	v, err := s.Update(func(tx *Txn) error {
		if err := tx.Put(k, core.Int64Value(1), 0); err != nil {
			return err
		}
		var err error
		inner, err = tx.Commit()
		return err
	})
	require.NoError(t, err)
	require.Equal(t, inner, v)
	require.Equal(t, before.Version+1, v)
	require.Equal(t, before.Commits+1, s.Stats().Commits, "committed once")

	// fn commits and loses: Update runs it again.
	runs := 0
	v, err = s.Update(func(tx *Txn) error {
		runs++
		if _, err := tx.Get(k); err != nil {
			return err
		}
		if runs == 1 {
			fxPut(t, s, k, 99, 0)
		}
		if err := tx.Put(k, core.Int64Value(2), 0); err != nil {
			return err
		}
		_, err := tx.Commit()
		if runs == 1 {
			require.ErrorIs(t, err, core.ErrConflict)
			return nil
		}
		return err
	})
	require.NoError(t, err)
	require.Equal(t, 2, runs)
	vv, err := s.Get(k)
	require.NoError(t, err)
	require.Equal(t, v, vv.Version)

	// fn discards: an ErrTxnDone error, nothing committed.
	r := s.root.Load()
	_, err = s.Update(func(tx *Txn) error {
		if err := tx.Put(k, core.Int64Value(3), 0); err != nil {
			return err
		}
		tx.Discard()
		return nil
	})
	require.ErrorIs(t, err, core.ErrTxnDone)
	fxUnchanged(t, s, r, "Update whose fn discarded")

	_, err = s.Update(nil)
	require.ErrorIs(t, err, core.ErrInvalidArgument)
	fxUnchanged(t, s, r, "Update(nil)")
}

func TestHistoryWindowClamped(t *testing.T) {
	s, _ := fxStore(WithHistory(math.MaxInt))
	require.Equal(t, MaxHistory, s.cfg.history)
	k := core.KVKey(fxNS("t", "a", 1), "k")
	for i := range 20 {
		fxPut(t, s, k, int64(i), 0)
	}
	require.Equal(t, 21, s.Stats().History, "every version since New is kept")
	for v := uint64(1); v <= 20; v++ {
		vv, err := s.GetVersioned(k, v)
		require.NoError(t, err)
		require.Equal(t, v, vv.Version)
		_, err = s.SnapshotAt(v)
		require.NoError(t, err)
	}
	neg, _ := fxStore(WithHistory(-5))
	fxPut(t, neg, k, 1, 0)
	require.Zero(t, neg.Stats().History)
}

func TestZeroAndNilSnapshotReadAsEmpty(t *testing.T) {
	ns := fxNS("t", "a", 1)
	k := core.KVKey(ns, "k")
	for name, sn := range map[string]*Snapshot{"zero": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			require.Zero(t, sn.Version())
			require.Zero(t, sn.Len())
			require.True(t, sn.Time().IsZero())
			_, err := sn.Get(k)
			require.ErrorIs(t, err, core.ErrNotFound)
			for what, f := range map[string]func() ([]core.Entry, error){
				"ScanPrefix": func() ([]core.Entry, error) { return sn.ScanPrefix(k) },
				"ScanByRun":  func() ([]core.Entry, error) { return sn.ScanByRun(ns.RunID) },
				"ScanByType": func() ([]core.Entry, error) { return sn.ScanByType(core.TypeKV) },
			} {
				es, err := f()
				require.NoError(t, err, what)
				require.Empty(t, es, what)
			}
			require.Empty(t, fxCollect(sn.All()))
			require.Empty(t, fxCollect(sn.Prefix(k)))
			require.Empty(t, fxCollect(sn.Scan(core.AllKeys(), Reverse(), After(k))))
			require.Empty(t, fxCollect(sn.ScanRun(ns.RunID, Reverse())))
			require.Empty(t, fxCollect(sn.ScanType(core.TypeKV, Within(core.TenantPrefix("t")))))
		})
	}
}

func TestNewIgnoresNilOptions(t *testing.T) {
	clk := core.NewManualClock(fxStart)
	s := New(nil, WithClock(clk), nil, WithHistory(2), nil)
	v := fxPut(t, s, core.KVKey(fxNS("t", "a", 1), "k"), 1, 0)
	vv, err := s.Get(core.KVKey(fxNS("t", "a", 1), "k"))
	require.NoError(t, err)
	require.Equal(t, v, vv.Version)
	require.True(t, fxStart.Equal(vv.Timestamp), "the clock option after a nil one applied")
	require.Equal(t, 2, s.cfg.history)
}
