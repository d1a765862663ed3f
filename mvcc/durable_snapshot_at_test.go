package mvcc

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// TestRecoveredVersionKeepsItsCommitTime: after Open or Restore, the
// recovered version is still judged at its commit time by SnapshotAt (a value
// live then is live in that snapshot, whatever the clock says now), and a
// checkpoint written right after recovery records that time too.
func TestRecoveredVersionKeepsItsCommitTime(t *testing.T) {
	dir := t.TempDir()
	clk := core.NewManualClock(fxStart)
	s, err := Open(dir, WithClock(clk))
	require.NoError(t, err)
	k := core.KVKey(fxNS("rec", "a", 1), "k")
	v := fxPut(t, s, k, 1, time.Second)
	committed := clk.Now()
	clk.Advance(2 * time.Second)
	require.NoError(t, s.Close())

	for _, reopen := range []bool{false, true} {
		s, err = Open(dir, WithClock(clk))
		require.NoError(t, err)
		sn, err := s.SnapshotAt(v)
		require.NoError(t, err)
		require.True(t, sn.Time().Equal(committed), "snapshot time %v, want the commit time %v", sn.Time(), committed)
		_, err = sn.Get(k)
		require.NoError(t, err, "live at its commit time")
		_, err = s.Get(k)
		require.ErrorIs(t, err, core.ErrNotFound, "expired now")

		var buf bytes.Buffer
		_, err = s.Snapshot().WriteTo(&buf)
		require.NoError(t, err)
		r, err := Restore(&buf, WithClock(clk))
		require.NoError(t, err)
		rs, err := r.SnapshotAt(v)
		require.NoError(t, err)
		require.True(t, rs.Time().Equal(committed))
		if !reopen {
			require.NoError(t, s.Checkpoint()) // the second round recovers from it
		}
		require.NoError(t, s.Close())
	}
}

// TestWatchBeforeRecoveredVersionIsCompacted: the changes of the versions a
// store recovered from its checkpoint are not retained, the checkpoint's
// version included, so a watcher that starts before it gets ErrCompacted,
// never a silent gap; one that starts at it sees what follows.
func TestWatchBeforeRecoveredVersionIsCompacted(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	ns := fxNS("w", "a", 1)
	fxPut(t, s, core.KVKey(ns, "a"), 1, 0)
	r := fxPut(t, s, core.KVKey(ns, "b"), 2, 0)
	require.NoError(t, s.Checkpoint())
	require.NoError(t, s.Close())
	s, err = Open(dir)
	require.NoError(t, err)
	defer s.Close()
	next := fxPut(t, s, core.KVKey(ns, "c"), 3, 0)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := s.Watch(r - 1)
	_, err = before.Next(ctx)
	require.ErrorIs(t, err, core.ErrCompacted)
	at := s.Watch(r)
	c, err := at.Next(ctx)
	require.NoError(t, err, "waiting for version %d", next)
	require.Equal(t, next, c.Version)
}
