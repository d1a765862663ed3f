package mvcc

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// TestForkIsolation: a fork starts as its snapshot, indices included, and
// from then on neither side sees the other's writes.
func TestForkIsolation(t *testing.T) {
	s, clk := fxStore()
	a, b := fxNS("t", "a", 1), fxNS("t", "b", 2)
	for i := range 20 {
		fxPut(t, s, fxK(a, i), int64(i), 0)
	}
	fxPut(t, s, core.StateKey(b, "x"), 1, time.Minute)
	sn := s.Snapshot()
	f, err := sn.Fork()
	require.NoError(t, err)
	require.Same(t, sn, f.Base())
	require.Nil(t, s.Base(), "a store made by New is not a fork")
	require.Equal(t, sn.Version(), f.CurrentVersion())
	require.Equal(t, s.Stats().Keys, f.Stats().Keys)
	require.Equal(t, s.Stats().Runs, f.Stats().Runs)
	require.Equal(t, s.Stats().TTLKeys, f.Stats().TTLKeys)
	fxRequireEntries(t, fxCollect(s.Scan(core.AllKeys())), fxCollect(f.Scan(core.AllKeys())))

	// The fork's writes: versions continue from the snapshot's.
	v := fxPut(t, f, fxK(a, 3), 300, 0)
	require.Equal(t, sn.Version()+1, v)
	fxPut(t, f, core.StateKey(fxNS("t", "c", 3), "new"), 5, 0)
	_, err = f.Delete(fxK(a, 4))
	require.NoError(t, err)
	// The store's writes.
	fxPut(t, s, fxK(a, 5), 500, 0)
	_, err = s.Delete(fxK(a, 6))
	require.NoError(t, err)

	require.Equal(t, int64(3), fxGetInt(t, s, fxK(a, 3)))
	require.Equal(t, int64(4), fxGetInt(t, s, fxK(a, 4)))
	require.Equal(t, int64(300), fxGetInt(t, f, fxK(a, 3)))
	require.Equal(t, int64(-1), fxGetInt(t, f, fxK(a, 4)))
	require.Equal(t, int64(5), fxGetInt(t, f, fxK(a, 5)))
	require.Equal(t, int64(6), fxGetInt(t, f, fxK(a, 6)))
	require.Equal(t, int64(500), fxGetInt(t, s, fxK(a, 5)))
	require.Equal(t, int64(-1), fxGetInt(t, s, fxK(a, 6)))

	// Indices follow each side's own data.
	es, err := f.ScanByRun(fxRun(3), core.Latest)
	require.NoError(t, err)
	require.Len(t, es, 1)
	es, err = s.ScanByRun(fxRun(3), core.Latest)
	require.NoError(t, err)
	require.Empty(t, es)
	es, err = f.ScanByType(core.TypeStateMachine, core.Latest)
	require.NoError(t, err)
	require.Len(t, es, 2)
	// The TTL index came along: the fork expires what the store held.
	clk.Advance(time.Minute)
	require.Len(t, f.FindExpired(f.Now(), 0), 1)
	rm, err := f.Expire(0)
	require.NoError(t, err)
	require.Equal(t, 1, rm.Removed)
	require.Len(t, s.FindExpired(s.Now(), 0), 1, "the store still holds its expired value")

	// The snapshot the fork came from never changes.
	require.Equal(t, int64(3), sn.mustGetInt(t, fxK(a, 3)))
	require.Equal(t, int64(6), sn.mustGetInt(t, fxK(a, 6)))
}

func (sn *Snapshot) mustGetInt(t *testing.T, k core.Key) int64 {
	t.Helper()
	vv, err := sn.Get(k)
	require.NoError(t, err)
	return vv.Value.Int64()
}

// TestForkOfPastVersion: a fork of SnapshotAt(v) starts at v, with its
// window starting there.
func TestForkOfPastVersion(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	for i := range 10 {
		fxPut(t, s, fxK(ns, 0), int64(i), 0)
	}
	sn, err := s.SnapshotAt(4)
	require.NoError(t, err)
	f, err := sn.Fork()
	require.NoError(t, err)
	require.Equal(t, uint64(4), f.CurrentVersion())
	require.Equal(t, int64(3), fxGetInt(t, f, fxK(ns, 0)))
	require.Equal(t, uint64(5), fxPut(t, f, fxK(ns, 0), 40, 0))
	at, err := f.SnapshotAt(4)
	require.NoError(t, err)
	require.Equal(t, int64(3), at.mustGetInt(t, fxK(ns, 0)))
	_, err = f.SnapshotAt(3)
	require.ErrorIs(t, err, core.ErrCompacted, "the fork's window starts at its base")
	require.Equal(t, int64(9), fxGetInt(t, s, fxK(ns, 0)))
	// A fork of a fork.
	g, err := f.Fork()
	require.NoError(t, err)
	fxPut(t, g, fxK(ns, 0), 41, 0)
	require.Equal(t, int64(40), fxGetInt(t, f, fxK(ns, 0)))
	require.Equal(t, int64(41), fxGetInt(t, g, fxK(ns, 0)))
}

// TestForkOptions: a fork takes its store's settings, opts change them, and
// what only Open takes is refused.
func TestForkOptions(t *testing.T) {
	s, clk := fxStore(WithMaxValueSize(32), WithHistory(3))
	ns := fxNS("t", "a", 1)
	fxPut(t, s, fxK(ns, 0), 1, time.Second)
	f, err := s.Fork()
	require.NoError(t, err)
	require.Equal(t, s.Now(), f.Now(), "the store's clock")
	_, err = f.Put(fxK(ns, 1), core.StringValue("more than thirty-two bytes, surely, yes"), 0)
	require.ErrorIs(t, err, core.ErrTooLarge, "the store's limits")
	clk.Advance(time.Second)
	require.Equal(t, int64(-1), fxGetInt(t, f, fxK(ns, 0)), "expiry by the store's clock")

	other := core.NewManualClock(fxStart.Add(time.Hour))
	g, err := s.Fork(WithClock(other), WithMaxValueSize(0), WithHistory(0))
	require.NoError(t, err)
	require.Equal(t, other.Now(), g.Now())
	_, err = g.Put(fxK(ns, 1), core.StringValue("more than thirty-two bytes, surely, yes"), 0)
	require.NoError(t, err)
	require.Zero(t, g.Stats().History)

	for name, o := range map[string]Option{
		"WithSync":            WithSync(SyncNone),
		"WithSyncInterval":    WithSyncInterval(time.Second),
		"WithCheckpointBytes": WithCheckpointBytes(1 << 20),
		"WithLogger":          WithLogger(slog.Default()),
		"WithStartVersion":    WithStartVersion(100),
	} {
		v := s.CurrentVersion()
		f, err := s.Fork(WithHistory(5), o)
		require.ErrorIs(t, err, core.ErrInvalidArgument, name)
		require.ErrorContains(t, err, name)
		require.Nil(t, f)
		require.Equal(t, v, s.CurrentVersion())
	}
	// New and Open still take them.
	require.NotNil(t, New(WithSync(SyncNone), WithLogger(slog.Default())))

	var nilSnap *Snapshot
	_, err = nilSnap.Fork()
	require.ErrorIs(t, err, core.ErrInvalidArgument)
	require.NoError(t, s.Close())
	_, err = s.Fork()
	require.ErrorIs(t, err, core.ErrClosed)
}

// TestForkOfDurableStore: the fork is in memory (it writes nothing to the
// store's directory and its Checkpoint has no log to write), and the
// store's settings for its log do not carry over.
func TestForkOfDurableStore(t *testing.T) {
	dir := t.TempDir()
	s := fxOpen(t, dir, WithSync(SyncNone))
	defer s.Close()
	ns := fxNS("t", "a", 1)
	fxPut(t, s, fxK(ns, 0), 1, 0)
	files := fxDirFiles(t, dir)
	f, err := s.Fork()
	require.NoError(t, err)
	require.Nil(t, f.log)
	require.Equal(t, SyncAlways, f.cfg.sync)
	for i := range 100 {
		fxPut(t, f, fxK(ns, i), int64(i), 0)
	}
	require.Equal(t, files, fxDirFiles(t, dir))
	require.NoError(t, f.Close())
	require.Equal(t, int64(1), fxGetInt(t, s, fxK(ns, 0)))
}

// TestForkWatchers: each side's watchers see its own commits only.
func TestForkWatchers(t *testing.T) {
	s, f, _, ns := fxBranch(t, 3)
	ws, wf := s.Watch(s.CurrentVersion()), f.Watch(f.CurrentVersion())
	defer ws.Close()
	defer wf.Close()
	vs := fxPut(t, s, fxK(ns, 0), 10, 0)
	vf := fxPut(t, f, fxK(ns, 1), 11, 0)
	require.Equal(t, vs, vf, "both continue from the base's version")
	c := fxNextCommit(t, ws)
	require.True(t, c.Changes[0].Key.Equal(fxK(ns, 0)))
	c = fxNextCommit(t, wf)
	require.True(t, c.Changes[0].Key.Equal(fxK(ns, 1)))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ws.Next(ctx)
	require.ErrorIs(t, err, context.Canceled, "no second commit on the store")
}

// TestForkVectorIndexes: a fork shares its store's vector indexes (the same
// state: O(1)) and each side's searches see its own vectors; an index the
// fork's options add is built from the fork's data.
func TestForkVectorIndexes(t *testing.T) {
	a, b := fxNS("t", "a", 1), fxNS("t", "b", 2)
	s, _ := fxStore(WithVectorIndex(VectorIndex{Within: core.NamespacePrefix(a), Dims: 2}))
	vec := func(x, y float32) core.Value { return core.VectorValue([]float32{x, y}) }
	for i := range 20 {
		_, err := s.Put(core.VectorKey(a, fmt.Sprint(i)), vec(1, float32(i)), 0)
		require.NoError(t, err)
		_, err = s.Put(core.VectorKey(b, fmt.Sprint(i)), vec(float32(i), 1), 0)
		require.NoError(t, err)
	}
	sn := s.Snapshot()
	f, err := sn.Fork()
	require.NoError(t, err)
	require.Same(t, sn.st, f.root.Load().cur, "the fork starts on the snapshot's own state")

	_, err = f.Put(core.VectorKey(a, "fork"), vec(-1, 0), 0)
	require.NoError(t, err)
	_, err = f.Put(core.VectorKey(a, "bad"), core.VectorValue([]float32{1, 2, 3}), 0)
	require.ErrorIs(t, err, core.ErrInvalidValue, "the store's index settings hold on the fork")
	top := func(st *Store, p core.Prefix) string {
		hits, err := st.Search(p, []float32{-1, 0}, 1)
		require.NoError(t, err)
		require.Len(t, hits, 1)
		return string(hits[0].Key.UserKey)
	}
	require.Equal(t, "fork", top(f, core.NamespacePrefix(a)))
	require.NotEqual(t, "fork", top(s, core.NamespacePrefix(a)))

	g, err := sn.Fork(WithVectorIndex(VectorIndex{Within: core.NamespacePrefix(b), Dims: 2}))
	require.NoError(t, err)
	st := g.root.Load().cur
	require.Len(t, st.vecs, 2)
	require.Equal(t, sn.st.vecs[0].g, st.vecs[0].g, "the store's index is shared")
	require.Equal(t, 20, st.vecs[1].g.Len(), "the new index holds the fork's vectors under its scope")
	hits, err := g.Search(core.NamespacePrefix(b), []float32{19, 1}, 1)
	require.NoError(t, err)
	require.Equal(t, "19", string(hits[0].Key.UserKey))
	require.Len(t, s.root.Load().cur.vecs, 1, "the store keeps its own indexes")
}
