package mvcc

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/proptest"
	"github.com/stretchr/testify/require"
)

// History: versioned reads against the model (proptest.Model) and against
// the snapshots recorded as the writes happened.

// fxDriver plays a random workload on a store and the model, which must
// answer alike.
type fxDriver struct {
	t     *testing.T
	rng   *rand.Rand
	s     *Store
	clk   *core.ManualClock
	m     *proptest.Model
	snaps []*Snapshot // snaps[v]: taken right after version v
	keys  []core.Key
	runs  []core.RunID
}

func newFxDriver(t *testing.T, seed uint64, opts ...Option) *fxDriver {
	s, clk := fxStore(opts...)
	d := &fxDriver{t: t, rng: rand.New(rand.NewPCG(seed, 7)), s: s, clk: clk, m: proptest.NewModel(clk), runs: []core.RunID{fxRun(1), fxRun(2)}}
	nss := []core.Namespace{fxNS("t", "a", 1), fxNS("t", "b", 1), fxNS("u", "a", 2)}
	for _, ns := range nss {
		for _, tt := range []core.TypeTag{core.TypeKV, core.TypeEvent, core.TypeStateMachine} {
			for _, uk := range []string{"a", "ab", "b"} {
				d.keys = append(d.keys, core.NewKey(ns, tt, []byte(uk)))
			}
		}
	}
	d.snaps = append(d.snaps, s.Snapshot())
	return d
}

func (d *fxDriver) key() core.Key { return d.keys[d.rng.IntN(len(d.keys))] }

func (d *fxDriver) ttl() time.Duration {
	if d.rng.IntN(3) == 0 {
		return 0
	}
	return time.Duration(1+d.rng.IntN(4)) * time.Second
}

// record notes a write's answer: the model's version v must be the store's,
// and a snapshot taken now must hold what the model's does.
func (d *fxDriver) record(v uint64) {
	d.t.Helper()
	require.Equal(d.t, d.m.CurrentVersion(), d.s.CurrentVersion())
	if v != uint64(len(d.snaps)) {
		return // no change: no version
	}
	sn := d.s.Snapshot()
	require.Equal(d.t, v, sn.Version())
	fxRequireEntries(d.t, fxCollect(d.m.Snapshot().All()), fxCollect(sn.All()), "snapshot at %d", v)
	d.snaps = append(d.snaps, sn)
}

// step runs one random operation on both.
func (d *fxDriver) step() {
	t := d.t
	switch op := d.rng.IntN(12); {
	case op < 5: // put, with or without TTL
		k, ttl := d.key(), d.ttl()
		val := core.Int64Value(d.rng.Int64N(1000))
		v, err := d.s.Put(k, val, ttl)
		require.NoError(t, err)
		want, _ := d.m.Put(k, val, ttl)
		require.Equal(t, want, v)
		d.record(v)
	case op < 7: // delete
		k := d.key()
		got, err := d.s.Delete(k)
		want, wantErr := d.m.Delete(k)
		if wantErr != nil {
			require.ErrorIs(t, err, core.ErrNotFound)
			return
		}
		require.NoError(t, err)
		fxRequireVV(t, want, got)
		d.record(d.m.CurrentVersion())
	case op < 8: // compare-and-swap with the right or a wrong version
		k := d.key()
		cur, _ := d.m.Get(k)
		expected := cur.Version
		if d.rng.IntN(3) == 0 {
			expected++
		}
		ttl := d.ttl()
		v, err := d.s.CompareAndSwap(k, expected, core.StringValue("cas"), ttl)
		want, wantErr := d.m.CompareAndSwap(k, expected, core.StringValue("cas"), ttl)
		if wantErr != nil {
			require.ErrorIs(t, err, core.ErrVersionMismatch)
			return
		}
		require.NoError(t, err)
		require.Equal(t, want, v)
		d.record(v)
	case op < 9: // the clock moves
		d.clk.Advance(time.Duration(d.rng.IntN(1500)) * time.Millisecond)
	case op < 10: // expiry removal
		now, limit := d.s.Now(), d.rng.IntN(3)
		es := d.s.FindExpired(now, limit)
		fxRequireEntries(t, d.m.FindExpired(now, limit), es)
		res, err := d.s.RemoveExpired(es)
		require.NoError(t, err)
		want, _ := d.m.RemoveExpired(es)
		require.Equal(t, want, res)
		d.record(res.Version)
	default: // a transaction of a few writes
		type write struct {
			k   core.Key
			del bool
			val core.Value
			ttl time.Duration
		}
		var ws []write
		for range 1 + d.rng.IntN(3) {
			w := write{k: d.key(), del: d.rng.IntN(3) == 0}
			if !w.del {
				w.val, w.ttl = core.Int64Value(d.rng.Int64N(1000)), d.ttl()
			}
			ws = append(ws, w)
		}
		fn := func(txn core.Txn) error {
			for _, w := range ws {
				if w.del {
					if err := txn.Delete(w.k); err != nil && !errors.Is(err, core.ErrNotFound) {
						return err
					}
					continue
				}
				if err := txn.Put(w.k, w.val, w.ttl); err != nil {
					return err
				}
			}
			return nil
		}
		v, err := d.s.UpdateTxn(fn)
		require.NoError(t, err)
		want, err := d.m.UpdateTxn(fn)
		require.NoError(t, err)
		require.Equal(t, want, v)
		d.record(v)
	}
}

// fxStats counts how versioned reads beyond the window answered.
type fxStats struct{ compacted, answered int }

// check compares every versioned read at every version with the model (and,
// inside the window, with the recorded snapshot judged now).
func (d *fxDriver) check(window uint64, st *fxStats) {
	t := d.t
	t.Helper()
	now := d.s.Now()
	cur := d.s.CurrentVersion()
	current := d.m.Stored()
	for v := uint64(0); v <= cur; v++ {
		inWindow := cur-v <= window
		rejudged := &Snapshot{st: d.snaps[v].st, now: now}
		// mustAnswer: nothing matching keep changed or went since v.
		mustAnswer := func(keep func(core.Key) bool) bool {
			if d.m.LastRemoval() > v {
				return false
			}
			for _, e := range current {
				if keep(e.Key) && e.Value.Version > v {
					return false
				}
			}
			return true
		}
		judge := func(what string, err error, keep func(core.Key) bool) bool {
			t.Helper()
			if !errors.Is(err, core.ErrCompacted) {
				if !inWindow {
					st.answered++
				}
				return true
			}
			require.False(t, inWindow, "%s at %d (current %d): compacted inside the window", what, v, cur)
			require.False(t, mustAnswer(keep), "%s at %d (current %d): compacted though unchanged since", what, v, cur)
			st.compacted++
			return false
		}

		for _, k := range append(d.keys, core.KVKey(fxNS("never", "x", 3), "k")) {
			what := "GetVersioned " + k.String()
			got, err := d.s.GetVersioned(k, v)
			if !judge(what, err, k.Equal) {
				continue
			}
			want, wantErr := d.m.GetVersioned(k, v)
			if wantErr != nil {
				require.ErrorIs(t, err, core.ErrNotFound, "%s at %d", what, v)
				require.Zero(t, got.Version)
			} else {
				require.NoError(t, err, "%s at %d", what, v)
				fxRequireVV(t, want, got, "%s at %d", what, v)
			}
			if inWindow {
				sgot, serr := rejudged.Get(k)
				require.Equal(t, err == nil, serr == nil)
				fxRequireVV(t, got, sgot, "%s at %d vs snapshot", what, v)
			}
		}

		type scan struct {
			what  string
			keep  func(core.Key) bool
			run   func() ([]core.Entry, error)
			model func() ([]core.Entry, error)
			snap  func() ([]core.Entry, error)
		}
		var scans []scan
		for i, k := range d.keys {
			if i%3 != 0 {
				continue
			}
			for _, p := range []core.Key{core.NewKey(k.Namespace, k.Type, nil), core.NewKey(k.Namespace, k.Type, []byte("a"))} {
				scans = append(scans, scan{"ScanPrefix " + p.String(), func(k core.Key) bool { return k.HasPrefix(p) },
					func() ([]core.Entry, error) { return d.s.ScanPrefix(p, v) },
					func() ([]core.Entry, error) { return d.m.ScanPrefix(p, v) },
					func() ([]core.Entry, error) { return rejudged.ScanPrefix(p) }})
			}
		}
		for _, run := range append(d.runs, fxRun(3)) {
			scans = append(scans, scan{"ScanByRun " + run.String(), func(k core.Key) bool { return k.Namespace.RunID == run },
				func() ([]core.Entry, error) { return d.s.ScanByRun(run, v) },
				func() ([]core.Entry, error) { return d.m.ScanByRun(run, v) },
				func() ([]core.Entry, error) { return rejudged.ScanByRun(run) }})
		}
		for tt := range core.TypeTag(6) {
			scans = append(scans, scan{"ScanByType " + tt.String(), func(k core.Key) bool { return k.Type == tt },
				func() ([]core.Entry, error) { return d.s.ScanByType(tt, v) },
				func() ([]core.Entry, error) { return d.m.ScanByType(tt, v) },
				func() ([]core.Entry, error) { return rejudged.ScanByType(tt) }})
		}
		for _, sc := range scans {
			got, err := sc.run()
			if !judge(sc.what, err, sc.keep) {
				continue
			}
			require.NoError(t, err)
			want, err := sc.model()
			require.NoError(t, err)
			fxRequireEntries(t, want, got, "%s at %d (current %d)", sc.what, v, cur)
			if inWindow {
				sgot, err := sc.snap()
				require.NoError(t, err)
				fxRequireEntries(t, got, sgot, "%s at %d vs snapshot", sc.what, v)
			}
		}
	}
}

func TestHistoryMatchesRecordedSnapshots(t *testing.T) {
	seeds, steps := 3, 160
	if testing.Short() {
		seeds, steps = 1, 80
	}
	for _, c := range []struct {
		name    string
		history int
	}{{"window8", 8}, {"window0", 0}, {"default", DefaultHistory}} {
		t.Run(c.name, func(t *testing.T) {
			var st fxStats
			for seed := range uint64(seeds) {
				d := newFxDriver(t, seed, WithHistory(c.history))
				for i := range steps {
					d.step()
					if i%40 == 39 {
						d.check(uint64(c.history), &st)
					}
				}
				d.check(uint64(c.history), &st)
				wantHistory := min(c.history, int(d.s.CurrentVersion())) + 1
				if c.history == 0 {
					wantHistory = 0 // only the current version, which is no history
				}
				require.Equal(t, wantHistory, d.s.Stats().History)
			}
			t.Logf("beyond the window: %d compacted, %d answered", st.compacted, st.answered)
			if c.history < steps/2 {
				require.Positive(t, st.compacted, "the workload must reach beyond the window")
				require.Positive(t, st.answered, "unchanged keys answer beyond the window")
			} else {
				require.Zero(t, st.compacted)
			}
		})
	}
}

func TestGetVersionedBeyondWindow(t *testing.T) {
	s, _ := fxStore(WithHistory(2))
	ns := fxNS("t", "a", 1)
	a, b, c := core.KVKey(ns, "a"), core.KVKey(ns, "b"), core.KVKey(ns, "c")
	fxPut(t, s, a, 1, 0) // 1
	fxPut(t, s, b, 1, 0) // 2
	fxPut(t, s, a, 2, 0) // 3
	fxPut(t, s, b, 2, 0) // 4
	fxPut(t, s, b, 3, 0) // 5; window: 3, 4, 5

	got, err := s.GetVersioned(a, 3)
	require.NoError(t, err)
	require.Equal(t, uint64(3), got.Version)
	got, err = s.GetVersioned(a, 2) // a unchanged since 3 but changed after 2
	require.ErrorIs(t, err, core.ErrCompacted)
	require.Contains(t, err.Error(), "version 2")
	require.Zero(t, got.Version)
	_, err = s.GetVersioned(b, 1)
	require.ErrorIs(t, err, core.ErrCompacted)
	_, err = s.GetVersioned(c, 1) // never written, nothing removed: absent then
	require.ErrorIs(t, err, core.ErrNotFound)

	fxPut(t, s, c, 1, 0)            // 6
	fxPut(t, s, b, 4, 0)            // 7
	fxPut(t, s, b, 5, 0)            // 8
	got, err = s.GetVersioned(c, 6) // unchanged since 6, now beyond the window
	require.NoError(t, err)
	require.Equal(t, uint64(6), got.Version)
	_, err = s.GetVersioned(c, 5) // c was absent at 5 but is present now
	require.ErrorIs(t, err, core.ErrCompacted)

	_, err = s.Delete(a) // 9: a removal makes absence inexact
	require.NoError(t, err)
	fxPut(t, s, b, 6, 0) // 10
	fxPut(t, s, b, 7, 0) // 11
	fxPut(t, s, b, 8, 0) // 12
	_, err = s.GetVersioned(a, 8)
	require.ErrorIs(t, err, core.ErrCompacted)
	_, err = s.GetVersioned(core.KVKey(ns, "never"), 8)
	require.ErrorIs(t, err, core.ErrCompacted, "a removal since 8: absence now does not prove absence then")
	_, err = s.GetVersioned(a, 9)
	require.ErrorIs(t, err, core.ErrNotFound, "absent at 9 and nothing removed since")

	_, err = s.ScanPrefix(core.KVKey(ns, ""), 8)
	require.ErrorIs(t, err, core.ErrCompacted)
	es, err := s.ScanPrefix(core.KVKey(ns, "c"), 9)
	require.NoError(t, err, "c unchanged since 6, nothing removed since 9")
	require.Len(t, es, 1)
	_, err = s.ScanByRun(fxRun(1), 9)
	require.ErrorIs(t, err, core.ErrCompacted, "b changed")
	_, err = s.ScanByType(core.TypeKV, 9)
	require.ErrorIs(t, err, core.ErrCompacted)
	es, err = s.ScanByType(core.TypeEvent, 9)
	require.NoError(t, err, "no event ever written, nothing removed since 9")
	require.Empty(t, es)
	// Beyond the window the store does not know which range a removal hit:
	// any removal since v makes a versioned scan there ErrCompacted.
	_, err = s.ScanByType(core.TypeEvent, 0)
	require.ErrorIs(t, err, core.ErrCompacted)
}

func TestHistoryZeroKeepsOnlyTheCurrentVersion(t *testing.T) {
	s, _ := fxStore(WithHistory(0))
	require.Equal(t, 0, s.Stats().History)
	k := core.KVKey(fxNS("t", "a", 1), "k")
	fxPut(t, s, k, 1, 0)
	fxPut(t, s, k, 2, 0)
	_, err := s.GetVersioned(k, 1)
	require.ErrorIs(t, err, core.ErrCompacted)
	require.Contains(t, err.Error(), "oldest kept, 2")
	got, err := s.GetVersioned(k, 2)
	require.NoError(t, err)
	require.Equal(t, int64(2), got.Value.Int64())

	s, _ = fxStore(WithHistory(-5))
	require.Equal(t, 0, s.Stats().History, "negative means 0")
}
