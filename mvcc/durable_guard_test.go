package mvcc

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vfs"
	"github.com/stretchr/testify/require"
)

// A write whose log record cannot be written fails, and nothing of it is
// visible: the version does not move and no reader sees the value. The log
// fails for good after a write error (what reached the file is unknown), so
// every later write fails too, and a reopen recovers exactly what was
// acknowledged.
func TestGuardDurableLogErrorFailsTheWrite(t *testing.T) {
	m := vfs.NewMem()
	clk := core.NewManualClock(fxStart)
	s, err := Open("/db", withFS(m), WithClock(clk))
	require.NoError(t, err)
	ns := fxNS("t", "a", 1)
	fxPut(t, s, core.KVKey(ns, "a"), 1, 0)

	errDisk := errors.New("disk error")
	m.SetFault(func(op vfs.Op, _ string) error {
		if op == vfs.OpWrite {
			return errDisk
		}
		return nil
	})
	_, err = s.Put(core.KVKey(ns, "b"), core.Int64Value(2), 0)
	require.ErrorIs(t, err, errDisk, "a write the log could not take must fail")
	require.Equal(t, uint64(1), s.CurrentVersion())
	_, err = s.Get(core.KVKey(ns, "b"))
	require.ErrorIs(t, err, core.ErrNotFound)
	m.SetFault(nil)
	_, err = s.Put(core.KVKey(ns, "c"), core.Int64Value(3), 0)
	require.Error(t, err, "the log failed for good")
	require.Equal(t, uint64(1), s.CurrentVersion())
	_ = s.Close()

	s, err = Open("/db", withFS(m), WithClock(clk))
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, uint64(1), s.CurrentVersion())
	_, err = s.Get(core.KVKey(ns, "a"))
	require.NoError(t, err)
	v := fxPut(t, s, core.KVKey(ns, "b"), 2, 0)
	require.Equal(t, uint64(2), v)
}

// Under SyncAlways a write that returned is in the log files already: a copy
// of the directory taken before Close (as a crash leaves it) recovers it.
func TestGuardDurableAcknowledgedWriteIsOnDisk(t *testing.T) {
	dir := t.TempDir()
	clk := core.NewManualClock(fxStart)
	s, err := Open(dir, WithClock(clk))
	require.NoError(t, err)
	defer s.Close()
	k := core.KVKey(fxNS("t", "a", 1), "k")
	v := fxPut(t, s, k, 7, 0)

	crash := t.TempDir()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(crash, e.Name()), b, 0o644))
	}
	c, err := Open(crash, WithClock(clk))
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, v, c.CurrentVersion(), "the acknowledged write of version %d", v)
	got, err := c.Get(k)
	require.NoError(t, err)
	require.True(t, core.Int64Value(7).Equal(got.Value))
}

// Recovery replays removals from the log: deletes, prefix deletes and
// expiries stay done after a reopen, with the log alone (no checkpoint).
func TestGuardDurableRecoveryReplaysRemovals(t *testing.T) {
	dir := t.TempDir()
	clk := core.NewManualClock(fxStart)
	s, err := Open(dir, WithClock(clk), WithCheckpointBytes(0))
	require.NoError(t, err)
	a, b := fxNS("t", "a", 1), fxNS("t", "b", 2)
	fxPut(t, s, core.KVKey(a, "deleted"), 1, 0)
	fxPut(t, s, core.KVKey(a, "kept"), 2, 0)
	fxPut(t, s, core.KVKey(a, "expired"), 3, time.Second)
	fxPut(t, s, core.KVKey(b, "x"), 4, 0)
	_, err = s.Delete(core.KVKey(a, "deleted"))
	require.NoError(t, err)
	_, _, err = s.DeletePrefix(core.NamespacePrefix(b))
	require.NoError(t, err)
	clk.Advance(time.Minute)
	res, err := s.Expire(0)
	require.NoError(t, err)
	require.Equal(t, 1, res.Removed)
	want := fxCollect(s.Snapshot().All())
	wantStats := s.Stats()
	require.NoError(t, s.Close())

	s, err = Open(dir, WithClock(clk))
	require.NoError(t, err)
	defer s.Close()
	require.Zero(t, s.Recovery().CheckpointVersion, "the log alone is replayed")
	fxRequireEntries(t, want, fxCollect(s.Snapshot().All()))
	got := s.Stats()
	require.Equal(t, wantStats.Keys, got.Keys, "stored keys, expired included")
	require.Equal(t, wantStats.Runs, got.Runs)
	require.Equal(t, wantStats.TTLKeys, got.TTLKeys)
}
