package mvcc

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// TestRestoreDir: a backup restored into a directory is a durable store at
// the backup's version, with its entries exactly; it takes writes, and a
// later Open (after a crash, without Close) recovers it.
func TestRestoreDir(t *testing.T) {
	src, clk := fxBackupStore(t, 300)
	want := fxRaw(src)
	var buf bytes.Buffer
	_, err := src.Snapshot().WriteTo(&buf)
	require.NoError(t, err)
	backup := buf.Bytes()

	dir := filepath.Join(t.TempDir(), "restored")
	s, err := RestoreDir(dir, bytes.NewReader(backup), WithClock(clk))
	require.NoError(t, err)
	fxRequireRaw(t, want, fxRaw(s), "the restored store")
	rep := s.Recovery()
	require.Equal(t, want.version, rep.CheckpointVersion)
	require.Equal(t, want.version, rep.LastVersion)
	require.NotEmpty(t, rep.Checkpoint)
	_, err = Open(dir)
	require.ErrorIs(t, err, ErrLocked, "RestoreDir returns the store holding its directory")

	k := core.KVKey(fxNS("rd", "a", 1), "after")
	clk.Advance(time.Second)
	v := fxPut(t, s, k, 1, 0)
	require.Equal(t, want.version+1, v)
	after := fxRaw(s)
	// Not closed: as a crash leaves it (the lock goes with the process; here
	// the store is dropped and its directory copied).
	copyDir := filepath.Join(t.TempDir(), "copy")
	fxCopyDir(t, dir, copyDir)
	require.NoError(t, s.Close())
	for _, d := range []string{dir, copyDir} {
		s, err = Open(d, WithClock(clk))
		require.NoError(t, err)
		fxRequireRaw(t, after, fxRaw(s), "reopened %s", d)
		require.NoError(t, s.Close())
	}
}

// TestRestoreDirRefuses: a directory that holds anything, a damaged backup and
// WithReadOnly are refused, and leave the directory as it was.
func TestRestoreDirRefuses(t *testing.T) {
	src, _ := fxBackupStore(t, 50)
	var buf bytes.Buffer
	_, err := src.Snapshot().WriteTo(&buf)
	require.NoError(t, err)
	backup := buf.Bytes()

	full := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(full, "notes.txt"), []byte("mine"), 0o644))
	_, err = RestoreDir(full, bytes.NewReader(backup))
	require.ErrorIs(t, err, core.ErrInvalidArgument)
	require.Equal(t, map[string]string{"notes.txt": "mine"}, fxDirContents(t, full))

	held := t.TempDir()
	s, err := Open(held)
	require.NoError(t, err)
	_, err = RestoreDir(held, bytes.NewReader(backup))
	require.ErrorIs(t, err, ErrLocked)
	require.NoError(t, s.Close())

	damaged := append([]byte(nil), backup...)
	damaged[len(damaged)/2] ^= 1
	dir := filepath.Join(t.TempDir(), "absent")
	_, err = RestoreDir(dir, bytes.NewReader(damaged))
	require.ErrorIs(t, err, core.ErrCorrupt)
	_, statErr := os.Stat(dir)
	require.True(t, os.IsNotExist(statErr), "a refused backup created the directory")

	_, err = RestoreDir(dir, bytes.NewReader(backup), WithReadOnly())
	require.ErrorIs(t, err, core.ErrInvalidArgument)
	_, err = RestoreDir(dir, nil)
	require.ErrorIs(t, err, core.ErrInvalidArgument)

	// An empty directory (or one holding only a lock file) is fine.
	empty := t.TempDir()
	s, err = RestoreDir(empty, bytes.NewReader(backup))
	require.NoError(t, err)
	require.Equal(t, src.CurrentVersion(), s.CurrentVersion())
	require.NoError(t, s.Close())
}
