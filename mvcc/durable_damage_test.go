package mvcc

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vfs"
	"github.com/inmemdb/inmem/internal/wal"
	"github.com/stretchr/testify/require"
)

// fxDamageOffsets returns the offsets of a file of size n that the damage
// test tries: the first bytes (headers) one by one, the last bytes (the
// tail record), and points spread over the rest.
func fxDamageOffsets(n int) []int {
	var out []int
	for i := 0; i < min(n, 40); i += 3 {
		out = append(out, i)
	}
	for i := max(n-12, 0); i < n; i++ {
		out = append(out, i)
	}
	for i := 1; i < 24; i++ {
		out = append(out, n*i/24)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Damage to any file of a store's directory — a truncation anywhere, one
// byte changed anywhere — makes Open fail or recover exactly the state after
// some version: a prefix of the history, never anything else. After a crash
// (no clean-close marker), a torn tail of the log is cut off, and reported;
// after a clean Close, any loss is refused.
func TestDurableDamage(t *testing.T) {
	base := t.TempDir()
	orig := filepath.Join(base, "orig")
	clk := core.NewManualClock(fxStart)
	// Small segments, a checkpoint halfway through the history and none
	// after it (the history writes less than the automatic threshold): the
	// directory holds a checkpoint and several segments after it, whatever
	// the scheduling (an automatic checkpoint runs in the background and, on
	// a loaded machine, could end after the last write and leave one
	// segment).
	s, err := Open(orig, WithClock(clk), WithCheckpointBytes(16<<10))
	require.NoError(t, err)
	states := fxDurableHistoryEach(t, s, clk, 90, func(i int) {
		if i == 45 {
			require.NoError(t, s.Checkpoint())
		}
	})
	require.NoError(t, s.Close())
	last := states[len(states)-1].version

	files := fxDirFiles(t, orig)
	var segs, ckpts []string
	for _, f := range files {
		if filepath.Ext(f) == ".wal" {
			segs = append(segs, f)
		} else {
			ckpts = append(ckpts, f)
		}
	}
	require.NotEmpty(t, ckpts, "the history wrote a checkpoint")
	require.GreaterOrEqual(t, len(segs), 2, "the history left several segments")
	lastSeg := segs[len(segs)-1]

	trial, refused := 0, 0
	defer func() {
		t.Logf("%d damaged copies of %d files: %d refused, the rest recovered a prefix", trial, len(files), refused)
	}()
	contents := map[string][]byte{}
	for _, f := range append(slices.Clone(files), "CLOSED") {
		b, err := os.ReadFile(filepath.Join(orig, f))
		require.NoError(t, err)
		contents[f] = b
	}
	// try opens a damaged copy of the directory, as a crash after the last
	// sync leaves it (clean false: without the clean-close marker) or as
	// Close left it. The copy is in vfs.Mem: the recovery is the same,
	// without the real fsyncs of hundreds of opens.
	try := func(file, what string, clean bool, damage func(data []byte) []byte) (*Store, error) {
		trial++
		m := vfs.NewMem()
		require.NoError(t, m.MkdirAll("/d"))
		for name, b := range contents {
			if name == file {
				b = damage(slices.Clone(b))
			}
			if name != "CLOSED" || clean {
				require.NoError(t, m.WriteFile("/d/"+name, b))
			}
		}
		s, err := Open("/d", withFS(m), WithClock(clk), WithLogger(nil))
		if err != nil {
			require.False(t, errors.Is(err, ErrLocked), "%s: %v", what, err)
			refused++
			return nil, err
		}
		fxMatchPrefix(t, states, fxRaw(s), what)
		rep := s.Recovery()
		require.Equal(t, s.CurrentVersion(), rep.LastVersion, what)
		return s, nil
	}
	closeStore := func(s *Store, what string) {
		if s != nil {
			require.NoError(t, s.Close(), what)
		}
	}

	for _, file := range files {
		data, err := os.ReadFile(filepath.Join(orig, file))
		require.NoError(t, err)
		for _, off := range fxDamageOffsets(len(data)) {
			what := fmt.Sprintf("%s cut at %d of %d", file, off, len(data))
			cut := func(b []byte) []byte { return b[:off] }
			if file == lastSeg {
				_, err := try(file, what+" after a clean close", true, cut)
				require.ErrorIs(t, err, core.ErrCorrupt, "%s after a clean close: the loss is refused", what)
			}
			s, err := try(file, what, false, cut)
			if file == lastSeg && off >= 28 { // in its header: the segment before names it, so it is damage
				require.NoError(t, err, "%s: a torn tail of the last segment recovers", what)
				rep := s.Recovery()
				require.Positive(t, rep.TornBytes+int64(last-s.CurrentVersion()), "%s: the cut is reported", what)
				if s.CurrentVersion() < last && off > 0 && rep.TornBytes == 0 {
					// Cut exactly between records: nothing torn, the records after are gone.
					require.Empty(t, rep.TornAt, what)
				}
				if rep.TornBytes > 0 {
					require.Contains(t, rep.TornAt, file, what)
					require.NotEmpty(t, rep.TornReason, what)
				}
			}
			closeStore(s, what)

			what = fmt.Sprintf("%s byte %d of %d flipped", file, off, len(data))
			flip := func(b []byte) []byte {
				b[off] ^= 0x5a
				return b
			}
			s, _ = try(file, what, false, flip)
			closeStore(s, what)
			if file == lastSeg {
				_, err := try(file, what+" after a clean close", true, flip)
				require.ErrorIs(t, err, core.ErrCorrupt, "%s after a clean close: the loss is refused", what)
			}
		}
	}

	// The last record torn in half: recovery cuts it, reports it, and the
	// store goes on at the version before it.
	data, err := os.ReadFile(filepath.Join(orig, lastSeg))
	require.NoError(t, err)
	s, err = try(lastSeg, "last record torn", false, func(b []byte) []byte { return b[:len(b)-3] })
	require.NoError(t, err)
	rep := s.Recovery()
	require.Equal(t, last-1, s.CurrentVersion())
	require.Positive(t, rep.TornBytes)
	require.Equal(t, "incomplete record", rep.TornReason)
	v, err := s.Put(core.KVKey(fxNS("dmg", "a", 1), "after"), core.Int64Value(1), 0)
	require.NoError(t, err)
	require.Equal(t, last, v, "the next write takes the torn record's version")
	require.NoError(t, s.Close())

	// The cut goes to WithLogger's logger too.
	dir := filepath.Join(base, "logged")
	fxCopyDir(t, orig, dir)
	require.NoError(t, os.Remove(filepath.Join(dir, "CLOSED")))
	require.NoError(t, os.Truncate(filepath.Join(dir, lastSeg), int64(len(data)-3)))
	var logged bytes.Buffer
	s, err = Open(dir, WithClock(clk), WithLogger(slog.New(slog.NewTextHandler(&logged, nil))))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.Contains(t, logged.String(), "level=WARN")
	require.Contains(t, logged.String(), "torn")
	require.Contains(t, logged.String(), lastSeg)

	// Without WithLogger, to slog.Default().
	dir = filepath.Join(base, "default-logger")
	fxCopyDir(t, orig, dir)
	require.NoError(t, os.Remove(filepath.Join(dir, "CLOSED")))
	require.NoError(t, os.Truncate(filepath.Join(dir, lastSeg), int64(len(data)-3)))
	logged.Reset()
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, nil)))
	s, err = Open(dir, WithClock(clk))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.Contains(t, logged.String(), "level=WARN")
	require.Contains(t, logged.String(), lastSeg)
}

// fxWriteCheckpoint writes a checkpoint file holding entries, in the order
// given, at version v into dir.
func fxWriteCheckpoint(t testing.TB, dir string, v uint64, entries []wal.Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	_, err := wal.WriteSnapshot(&buf, wal.SnapshotHeader{Version: v, Time: fxStart, Created: fxStart, Creator: wal.CheckpointCreator}, slices.Values(entries))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("%020d.ckpt", v)), buf.Bytes(), 0o644))
	return buf.Bytes()
}

// Entries of a checkpoint or a backup must come in strictly increasing key
// order: a repeated or out-of-order key is refused with ErrCorrupt.
func TestDurableRefusesDisorder(t *testing.T) {
	ns := fxNS("order", "a", 2)
	e := func(name string, v uint64) wal.Entry {
		return wal.Entry{Key: encodeKey(core.KVKey(ns, name)), Value: core.VersionedValue{Value: core.Int64Value(int64(v)), Version: v, Timestamp: fxStart}}
	}
	cases := map[string][]wal.Entry{
		"ordered":   {e("a", 1), e("b", 2), e("c", 3)},
		"reordered": {e("a", 1), e("c", 3), e("b", 2)},
		"duplicate": {e("a", 1), e("b", 2), e("b", 3)},
		"first":     {e("b", 2), e("a", 1), e("c", 3)},
	}
	for name, entries := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			stream := fxWriteCheckpoint(t, dir, 3, entries)
			s, err := Open(dir)
			r, rerr := Restore(bytes.NewReader(stream))
			if name == "ordered" {
				require.NoError(t, err)
				require.Equal(t, 3, s.Snapshot().Len())
				require.Equal(t, uint64(3), s.CurrentVersion())
				require.NoError(t, s.Close())
				require.NoError(t, rerr)
				require.Equal(t, 3, r.Snapshot().Len())
				return
			}
			require.ErrorIs(t, err, core.ErrCorrupt)
			require.Nil(t, s)
			require.ErrorIs(t, rerr, core.ErrCorrupt)
			require.Nil(t, r)
			// The refused directory is released.
			s, err = Open(filepath.Join(t.TempDir(), "other"))
			require.NoError(t, err)
			require.NoError(t, s.Close())
			_, err = Open(dir)
			require.ErrorIs(t, err, core.ErrCorrupt, "refused again, not locked")
		})
	}
}
