package mvcc

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// fxCollectCommits reads commits from w until version last, with a deadline.
func fxCollectCommits(t testing.TB, w *Watcher, last uint64) []core.Commit {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []core.Commit
	for len(out) == 0 || out[len(out)-1].Version < last {
		c, err := w.Next(ctx)
		require.NoError(t, err, "waiting for the commits up to version %d", last)
		out = append(out, c)
	}
	return out
}

// fxRequireCommits fails unless got and want are the same commits.
func fxRequireCommits(t testing.TB, want, got []core.Commit, what string) {
	t.Helper()
	require.Equal(t, len(want), len(got), "%s: commits", what)
	for i := range want {
		w, g := want[i], got[i]
		require.Equal(t, w.Version, g.Version, "%s: commit %d", what, i)
		require.True(t, w.Time.Equal(g.Time), "%s: version %d time %v, want %v", what, w.Version, g.Time, w.Time)
		require.Equal(t, len(w.Changes), len(g.Changes), "%s: version %d changes", what, w.Version)
		for j := range w.Changes {
			wc, gc := w.Changes[j], g.Changes[j]
			require.True(t, wc.Key.Equal(gc.Key) && wc.Op == gc.Op && fxEqualVV(wc.Value, gc.Value),
				"%s: version %d change %d: %+v, want %+v", what, w.Version, j, gc, wc)
		}
	}
}

// TestRestartKeepsHistory: after Close and Open, the history window holds the
// versions the log holds after the last checkpoint (up to WithHistory of
// them): SnapshotAt, GetVersioned, a page token and Watch(after) answer as
// the store did before it stopped; older versions give ErrCompacted.
func TestRestartKeepsHistory(t *testing.T) {
	for _, c := range []struct {
		name    string
		history int
		ckptAt  int // the operation before which Checkpoint runs; -1: none
	}{
		{"checkpoint", DefaultHistory, 12},
		{"no checkpoint", DefaultHistory, -1},
		{"window smaller than the log", 9, 12},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			clk := core.NewManualClock(fxStart)
			opts := []Option{WithClock(clk), WithHistory(c.history), WithCheckpointBytes(0)}
			s, err := Open(dir, opts...)
			require.NoError(t, err)
			w := s.Watch(0)
			var commits []core.Commit
			drain := func() { // before the window moves past what w has read
				if v := s.CurrentVersion(); v > uint64(len(commits)) {
					commits = append(commits, fxCollectCommits(t, w, v)...)
				}
			}
			ckpt := uint64(0)
			states := fxDurableHistoryEach(t, s, clk, 30, func(i int) {
				drain()
				if i == c.ckptAt {
					require.NoError(t, s.Checkpoint())
					ckpt = s.CurrentVersion()
				}
			})
			last := s.CurrentVersion()
			drain()
			// A page of a scan at a version in the window, before the restart.
			pageAt := last - 3
			sn, err := s.SnapshotAt(pageAt)
			require.NoError(t, err)
			var page []core.Key
			for k := range sn.Scan(core.AllKeys(), Limit(2)) {
				page = append(page, k)
			}
			require.Len(t, page, 2)
			var rest []core.Key
			for k := range sn.Scan(core.AllKeys(), After(page[1])) {
				rest = append(rest, k)
			}
			require.NoError(t, s.Close())
			clk.Advance(time.Hour) // time passes while the store is closed

			s, err = Open(dir, opts...)
			require.NoError(t, err)
			defer s.Close()
			oldest := ckpt
			if h := uint64(c.history); last > h {
				oldest = max(oldest, last-h)
			}
			for v := uint64(0); v <= last; v++ {
				sn, err := s.SnapshotAt(v)
				if v < oldest {
					require.ErrorIs(t, err, core.ErrCompacted, "version %d, before the window (from %d)", v, oldest)
					continue
				}
				require.NoError(t, err, "version %d", v)
				fxRequireRaw(t, states[v], fxRawOf(sn.state()), "SnapshotAt(%d) after a restart", v)
				for _, e := range states[v].entries {
					got, err := s.GetVersioned(mustDecode(t, e.enc), v)
					if err == nil {
						require.True(t, fxEqualVV(e.vv, got), "GetVersioned at %d", v)
					} else {
						// Expired at v's commit time: a versioned read judges as then.
						require.ErrorIs(t, err, core.ErrNotFound, "GetVersioned at %d", v)
					}
				}
			}
			// The page token (pageAt, last key) goes on where it stopped.
			sn, err = s.SnapshotAt(pageAt)
			require.NoError(t, err)
			var rest2 []core.Key
			for k := range sn.Scan(core.AllKeys(), After(page[1])) {
				rest2 = append(rest2, k)
			}
			require.Equal(t, fmt.Sprint(rest), fmt.Sprint(rest2), "the next page after a restart")

			// A watcher resumes after any version of the window.
			for _, after := range []uint64{oldest, (oldest + last) / 2, last - 1} {
				got := fxCollectCommits(t, s.Watch(after), last)
				fxRequireCommits(t, commits[after:], got, fmt.Sprintf("Watch(%d) after a restart", after))
			}
			if oldest > 0 {
				_, err = s.Watch(oldest - 1).Next(context.Background())
				require.ErrorIs(t, err, core.ErrCompacted, "Watch before the window")
			}
			// And the store goes on from there.
			v := fxPut(t, s, core.KVKey(fxNS("rs", "a", 1), "next"), 1, 0)
			require.Equal(t, last+1, v)
		})
	}
}

func mustDecode(t testing.TB, enc string) core.Key {
	t.Helper()
	k, err := core.DecodeKey([]byte(enc))
	require.NoError(t, err)
	return k
}

// TestRestartRemovalBeforeWindow: a key deleted before the checkpoint is not
// in the recovered state, and a read of a version before the window cannot
// prove it absent then: ErrCompacted, not ErrNotFound.
func TestRestartRemovalBeforeWindow(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	ns := fxNS("rm", "a", 1)
	k := core.KVKey(ns, "gone")
	v1 := fxPut(t, s, k, 1, 0)
	_, err = s.Delete(k)
	require.NoError(t, err)
	fxPut(t, s, core.KVKey(ns, "other"), 2, 0)
	require.NoError(t, s.Checkpoint())
	require.NoError(t, s.Close())
	s, err = Open(dir)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.GetVersioned(k, v1)
	require.ErrorIs(t, err, core.ErrCompacted)
}
