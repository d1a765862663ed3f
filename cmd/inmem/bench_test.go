package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

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
// Snapshot.WriteTo to a file, then mvcc.RestoreDir of that file into a new
// directory. The command also has to read the directory (a read-only Open)
// before it writes the backup. Each iteration runs both, in alternating
// order, so that the load of a shared machine weighs on both alike; it
// reports the seconds of each (library-s, command-s) and their ratio
// (command/library). docs/cli.md has the numbers.
//
//	go test -run '^$' -bench BackupRestore -benchtime 6x ./...
func BenchmarkBackupRestore(b *testing.B) {
	base := b.TempDir()
	dir := filepath.Join(base, "store")
	benchStore(b, dir, *benchKeys)
	s, err := mvcc.Open(dir) // the application, holding the directory
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	file, to := filepath.Join(base, "backup.snap"), filepath.Join(base, "restored")
	library := func() {
		f, err := os.Create(file)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
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
	}
	command := func() {
		if code := run([]string{"backup", dir, file}, nil, io.Discard, os.Stderr); code != 0 {
			b.Fatalf("backup: exit %d", code)
		}
		if code := run([]string{"restore", file, to}, nil, io.Discard, os.Stderr); code != 0 {
			b.Fatalf("restore: exit %d", code)
		}
	}
	timed := func(fn func()) time.Duration {
		start := time.Now()
		fn()
		d := time.Since(start)
		b.StopTimer()
		os.Remove(file)
		os.RemoveAll(to)
		runtime.GC()
		b.StartTimer()
		return d
	}
	var lib, cmd time.Duration
	for i := range b.N {
		if i%2 == 0 {
			lib += timed(library)
			cmd += timed(command)
		} else {
			cmd += timed(command)
			lib += timed(library)
		}
	}
	b.ReportMetric(lib.Seconds()/float64(b.N), "library-s")
	b.ReportMetric(cmd.Seconds()/float64(b.N), "command-s")
	b.ReportMetric(cmd.Seconds()/lib.Seconds(), "command/library")
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
