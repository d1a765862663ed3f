package durable

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// BenchmarkFileSync measures what one group's log write and sync cost on
// the file system of the benchmark's temporary directory, in the three ways
// a log can sync: fsync of a file the write grows (inmem's log today),
// fdatasync of a file the write grows, and fdatasync of a write into blocks
// written and synced before (a preallocated, zero-filled or recycled
// segment, as pebble's log does). Each op writes 3 KiB, about one 16-writer
// group of 100-byte puts in inmem's log, and syncs it.
func BenchmarkFileSync(b *testing.B) {
	const rec = 3 << 10
	buf := make([]byte, rec)
	for _, mode := range []string{"append-fsync", "append-fdatasync", "prewritten-fdatasync"} {
		b.Run(mode, func(b *testing.B) {
			f, err := os.OpenFile(filepath.Join(b.TempDir(), "segment"), os.O_CREATE|os.O_RDWR, 0o644)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			if mode == "prewritten-fdatasync" {
				if _, err := f.Write(make([]byte, b.N*rec)); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := f.WriteAt(buf, int64(i)*rec); err != nil {
					b.Fatal(err)
				}
				if mode == "append-fsync" {
					err = f.Sync()
				} else {
					err = syscall.Fdatasync(int(f.Fd()))
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "syncs/s")
		})
	}
}
