package mvcc

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// Every kind of write comes back after Close and Open, under every sync
// policy, and versions continue.
func TestDurableRoundTripPolicies(t *testing.T) {
	for _, pol := range []struct {
		name string
		p    SyncPolicy
	}{{"always", SyncAlways}, {"batch", SyncBatch}, {"none", SyncNone}} {
		t.Run(pol.name, func(t *testing.T) {
			dir := t.TempDir()
			clk := core.NewManualClock(fxStart)
			opts := []Option{WithClock(clk), WithSync(pol.p), WithSyncInterval(time.Millisecond)}
			s, err := Open(dir, opts...)
			require.NoError(t, err)
			states := fxDurableHistory(t, s, clk, 60)
			require.NoError(t, s.Close())

			s2 := fxOpen(t, dir, opts...)
			last := states[len(states)-1]
			fxRequireRaw(t, last, fxRaw(s2))
			rep := s2.Recovery()
			require.Equal(t, last.version, rep.LastVersion)
			require.Zero(t, rep.TornBytes)
			require.Equal(t, int(last.version), rep.Records, "no checkpoint: every record replayed")

			// Versions and Append sequences continue.
			ns := fxNS("hist", "a", 7)
			k, v, err := s2.Append(ns, core.Int64Value(1), 0)
			require.NoError(t, err)
			require.Equal(t, last.version+1, v)
			var maxSeq uint64
			for _, e := range last.entries {
				if key := keyOf(e.enc); key.Type == core.TypeEvent && key.Namespace == ns {
					maxSeq = max(maxSeq, binary.BigEndian.Uint64(key.UserKey))
				}
			}
			require.Equal(t, core.EventKey(ns, maxSeq+1), k)
		})
	}
}

// TTL deadlines survive a restart: a value that expires at T still expires
// at T, and expired values not yet removed come back and are removed as
// before.
func TestDurableTTLDeadlines(t *testing.T) {
	dir := t.TempDir()
	clk := core.NewManualClock(fxStart)
	s, err := Open(dir, WithClock(clk))
	require.NoError(t, err)
	ns := fxNS("ttl", "a", 1)
	long, short, forever := core.KVKey(ns, "long"), core.KVKey(ns, "short"), core.KVKey(ns, "forever")
	fxPut(t, s, long, 1, time.Hour)
	fxPut(t, s, short, 2, time.Minute)
	fxPut(t, s, forever, 3, 0)
	deadline := fxStart.Add(time.Hour)
	clk.Advance(2 * time.Minute) // short has expired; nothing removed it
	require.NoError(t, s.Close())

	s2 := fxOpen(t, dir, WithClock(clk))
	require.Equal(t, 3, s2.Snapshot().Len(), "the expired value is still stored")
	_, err = s2.Get(short)
	require.ErrorIs(t, err, core.ErrNotFound)
	exp := s2.FindExpired(clk.Now(), 0)
	require.Len(t, exp, 1)
	require.Equal(t, short, exp[0].Key)

	clk.Set(deadline.Add(-time.Nanosecond))
	vv, err := s2.Get(long)
	require.NoError(t, err, "one nanosecond before its deadline")
	require.Equal(t, time.Hour, vv.TTL)
	require.True(t, vv.Timestamp.Equal(fxStart))
	clk.Set(deadline)
	_, err = s2.Get(long)
	require.ErrorIs(t, err, core.ErrNotFound, "at its deadline")

	res, err := s2.Expire(0)
	require.NoError(t, err)
	require.Equal(t, 2, res.Removed)
	require.Equal(t, uint64(4), res.Version)
	require.NoError(t, s2.Checkpoint())
	require.NoError(t, s2.Close())

	s3 := fxOpen(t, dir, WithClock(clk))
	require.Equal(t, 1, s3.Snapshot().Len())
	vv, err = s3.Get(forever)
	require.NoError(t, err)
	require.Equal(t, uint64(3), vv.Version)
	require.Equal(t, uint64(4), s3.Recovery().CheckpointVersion)
}

// Explicit checkpoints: recovery loads the checkpoint and replays only the
// log after it; the log before it is gone.
func TestDurableCheckpointRoundTrip(t *testing.T) {
	dir := t.TempDir()
	clk := core.NewManualClock(fxStart)
	s, err := Open(dir, WithClock(clk))
	require.NoError(t, err)
	states := fxDurableHistory(t, s, clk, 40)
	require.NoError(t, s.Checkpoint())
	ckpt := states[len(states)-1].version
	ns := fxNS("more", "a", 2)
	for i := range 10 {
		fxPut(t, s, core.EventKey(ns, uint64(i)), int64(i), 0)
	}
	want := fxRaw(s)
	require.NoError(t, s.Checkpoint(), "a second checkpoint")
	require.NoError(t, s.Checkpoint(), "a checkpoint at the same version")
	fxPut(t, s, core.KVKey(ns, "last"), 1, 0)
	want2 := fxRaw(s)
	require.NoError(t, s.Close())

	files := fxDirFiles(t, dir)
	require.Contains(t, files, fmt.Sprintf("%020d.ckpt", want.version))
	require.NotContains(t, files, fmt.Sprintf("%020d.ckpt", ckpt), "older checkpoints are dropped")

	s2 := fxOpen(t, dir, WithClock(clk))
	fxRequireRaw(t, want2, fxRaw(s2))
	rep := s2.Recovery()
	require.Equal(t, want.version, rep.CheckpointVersion)
	require.Equal(t, 1, rep.Records)
	require.Equal(t, want2.version, rep.LastVersion)
}

// Automatic checkpoints (WithCheckpointBytes) keep the log that recovery
// replays near the configured size, however long the store runs.
func TestDurableAutomaticCheckpoint(t *testing.T) {
	dir := t.TempDir()
	clk := core.NewManualClock(fxStart)
	const limit = 16 << 10
	s := fxOpen(t, dir, WithClock(clk), WithCheckpointBytes(limit), WithSync(SyncNone))
	ns := fxNS("auto", "a", 3)
	for i := range 3000 {
		fxPut(t, s, fxKV(ns, "k%03d", i%300), int64(i), 0)
	}
	want := fxRaw(s)
	require.NoError(t, s.Close())

	var logBytes int64
	for _, f := range fxDirFiles(t, dir) {
		if filepath.Ext(f) == ".wal" {
			fi, err := os.Stat(filepath.Join(dir, f))
			require.NoError(t, err)
			logBytes += fi.Size()
		}
	}
	require.Less(t, logBytes, int64(2*limit), "the log kept past the last checkpoint")
	s2 := fxOpen(t, dir, WithClock(clk))
	fxRequireRaw(t, want, fxRaw(s2))
	require.NotZero(t, s2.Recovery().CheckpointVersion, "a checkpoint was written")
	require.Less(t, s2.Recovery().Records, 1000)
}

// Checkpoints called concurrently, with writers running, all succeed.
func TestDurableConcurrentCheckpoints(t *testing.T) {
	dir := t.TempDir()
	s := fxOpen(t, dir, WithSync(SyncNone), WithCheckpointBytes(4<<10))
	ns := fxNS("cc", "a", 4)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 8)
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := s.Checkpoint(); err != nil {
					errs <- fmt.Errorf("checkpointer %d: %w", g, err)
					return
				}
			}
		}()
	}
	for i := range 2000 {
		fxPut(t, s, fxKV(ns, "k%03d", i%100), int64(i), 0)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	want := fxRaw(s)
	require.NoError(t, s.Close())
	s2 := fxOpen(t, dir)
	fxRequireRaw(t, want, fxRaw(s2))
}

// After Close every operation that can fail fails with ErrClosed, watchers
// included; snapshots taken before stay readable.
func TestDurableClosed(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	ns := fxNS("closed", "a", 5)
	k := core.KVKey(ns, "k")
	v := fxPut(t, s, k, 1, 0)
	snap := s.Snapshot()
	w := s.Watch(0)
	tx := s.Begin()
	require.NoError(t, tx.Put(core.KVKey(ns, "tx"), core.Int64Value(1), 0))
	waiting := make(chan error, 1)
	w2 := s.Watch(core.Latest)
	go func() {
		_, err := w2.Next(context.Background())
		waiting <- err
	}()
	require.NoError(t, s.Close())

	ctx := context.Background()
	checks := map[string]error{}
	_, checks["Put"] = s.Put(k, core.Int64Value(2), 0)
	_, checks["Get"] = s.Get(k)
	_, checks["GetVersioned"] = s.GetVersioned(k, v)
	_, checks["Delete"] = s.Delete(k)
	_, checks["CompareAndSwap"] = s.CompareAndSwap(k, v, core.Int64Value(2), 0)
	checks["CompareAndDelete"] = s.CompareAndDelete(k, v)
	_, checks["Update"] = s.Update(func(tx *Txn) error { return tx.Put(k, core.Int64Value(3), 0) })
	_, checks["Txn.Commit"] = tx.Commit()
	_, _, checks["Append"] = s.Append(ns, core.Int64Value(1), 0)
	_, _, checks["DeletePrefix"] = s.DeletePrefix(core.NamespacePrefix(ns))
	_, checks["Expire"] = s.Expire(0)
	_, checks["RemoveExpired"] = s.RemoveExpired([]core.Entry{{Key: k, Value: core.VersionedValue{Version: v}}})
	_, checks["ScanPrefix"] = s.ScanPrefix(k, core.Latest)
	_, checks["ScanByRun"] = s.ScanByRun(ns.RunID, core.Latest)
	_, checks["ScanByType"] = s.ScanByType(core.TypeKV, core.Latest)
	_, checks["SnapshotAt"] = s.SnapshotAt(v)
	checks["Checkpoint"] = s.Checkpoint()
	checks["Close"] = s.Close()
	_, checks["Watcher.Next"] = w.Next(ctx)
	_, checks["Watch after Close"] = s.Watch(0).Next(ctx)
	select {
	case checks["waiting Watcher.Next"] = <-waiting:
	case <-time.After(10 * time.Second):
		t.Fatal("deadline: a watcher waiting in Next when the store closed did not return")
	}
	for name, err := range checks {
		require.True(t, errors.Is(err, core.ErrClosed), "%s after Close: %v", name, err)
	}
	w.Close()
	w2.Close()

	got, err := snap.Get(k)
	require.NoError(t, err, "a snapshot taken before Close stays readable")
	require.Equal(t, v, got.Version)
}

// One Store at a time holds a directory: a second Open fails while the
// first is open (the first keeps working) and succeeds after Close.
func TestDurableSecondOpen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	_, err = Open(dir)
	require.Error(t, err)
	require.ErrorIs(t, err, ErrLocked)
	k := core.KVKey(fxNS("lock", "a", 6), "k")
	fxPut(t, s, k, 1, 0)
	require.NoError(t, s.Close())
	s2 := fxOpen(t, dir)
	got, err := s2.Get(k)
	require.NoError(t, err)
	require.Equal(t, uint64(1), got.Version)
}

// Open of a path that cannot be a directory fails and leaves nothing open.
func TestDurableOpenBadPath(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, []byte("x"), 0o644))
	_, err := Open(f)
	require.Error(t, err)
	_, err = Open(filepath.Join(f, "sub"))
	require.Error(t, err)
}

// Edge cases of a store's life: a checkpoint of an empty store, a reopen
// with nothing written, a checkpoint right after recovery, a large value.
func TestDurableEdges(t *testing.T) {
	dir := t.TempDir()
	clk := core.NewManualClock(fxStart)
	s, err := Open(dir, WithClock(clk))
	require.NoError(t, err)
	require.NoError(t, s.Checkpoint(), "a checkpoint at version 0")
	require.NoError(t, s.Close())

	s, err = Open(dir, WithClock(clk))
	require.NoError(t, err)
	require.Equal(t, uint64(0), s.CurrentVersion())
	ns := fxNS("edge", "a", 9)
	big := core.BytesValue(bytes.Repeat([]byte("0123456789abcdef"), 20000)) // past a backup block
	_, err = s.Put(core.KVKey(ns, "big"), big, time.Hour)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s, err = Open(dir, WithClock(clk))
	require.NoError(t, err)
	require.NoError(t, s.Checkpoint(), "a checkpoint right after recovery, at the recovered version")
	want := fxRaw(s)
	var buf bytes.Buffer
	_, err = s.Snapshot().WriteTo(&buf)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s = fxOpen(t, dir, WithClock(clk))
	fxRequireRaw(t, want, fxRaw(s))
	require.Equal(t, uint64(1), s.Recovery().CheckpointVersion)
	r, err := Restore(&buf, WithClock(clk))
	require.NoError(t, err)
	fxRequireRaw(t, want, fxRaw(r))

	// Stores without a directory have no checkpoint and no recovery.
	require.ErrorIs(t, r.Checkpoint(), core.ErrInvalidArgument)
	require.ErrorIs(t, New().Checkpoint(), core.ErrInvalidArgument)
	require.Equal(t, RecoveryReport{}, r.Recovery())
	require.NoError(t, r.Close())
	require.ErrorIs(t, r.Checkpoint(), core.ErrClosed)
}
