package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

var benchKeys = flag.Int("inmem.keys", 1_000_000, "keys in the store BenchmarkBackupRestore backs up and restores")

// benchStore writes a store of n keys (a hundred runs of one tenant, values
// of about 60 bytes) into dir and checkpoints it, as an application that ran
// a while leaves its directory.
func benchStore(b *testing.B, dir string, n int) {
	b.Helper()
	s, err := mvcc.Open(dir, mvcc.WithSync(mvcc.SyncNone), mvcc.WithHistory(0))
	if err != nil {
		b.Fatal(err)
	}
	const batch = 10_000
	for i := 0; i < n; i += batch {
		_, err := s.Update(func(tx *mvcc.Txn) error {
			for j := i; j < min(i+batch, n); j++ {
				ns := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: core.RunID{byte(j % 100)}}
				v := core.StringValue(fmt.Sprintf("note %d: the billing sync failed at step %d", j, j%7))
				if err := tx.Put(core.KVKey(ns, fmt.Sprintf("key-%08d", j)), v, 0); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Checkpoint(); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBackupRestore compares `inmem backup` then `inmem restore` of a
// store directory (run in this process, as the command runs them) with the
// library's own backup and restore of the same store already in memory:
// Snapshot.WriteTo to a file, then a restore of that file into a new
// directory. The command also opens the directory (read-only) before it
// writes the backup. docs/cli.md has the numbers.
//
//	go test -run '^$' -bench BackupRestore -benchtime 3x -count 6 ./...
func BenchmarkBackupRestore(b *testing.B) {
	base := b.TempDir()
	dir := filepath.Join(base, "store")
	benchStore(b, dir, *benchKeys)
	s, err := mvcc.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	i := 0
	next := func() (string, string) {
		i++
		return filepath.Join(base, fmt.Sprintf("b%d.snap", i)), filepath.Join(base, fmt.Sprintf("r%d", i))
	}
	cleanup := func(file, to string) {
		b.StopTimer()
		os.Remove(file)
		os.RemoveAll(to)
		b.StartTimer()
	}
	b.Run("library", func(b *testing.B) {
		for range b.N {
			file, to := next()
			f, err := os.Create(file)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Snapshot().WriteTo(f); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				b.Fatal(err)
			}
			if err := libraryRestoreDir(to, f); err != nil {
				b.Fatal(err)
			}
			f.Close()
			cleanup(file, to)
		}
	})
	b.Run("command", func(b *testing.B) {
		for range b.N {
			file, to := next()
			if code := run([]string{"backup", dir, file}, nil, io.Discard, os.Stderr); code != 0 {
				b.Fatalf("backup: exit %d", code)
			}
			if code := run([]string{"restore", file, to}, nil, io.Discard, os.Stderr); code != 0 {
				b.Fatalf("restore: exit %d", code)
			}
			cleanup(file, to)
		}
	})
}

// libraryRestoreDir is the library's restore of a backup into a new
// directory: mvcc.RestoreDir, the store closed.
func libraryRestoreDir(dir string, r io.Reader) error {
	s, err := mvcc.RestoreDir(dir, r)
	if err != nil {
		return err
	}
	return s.Close()
}
