package wal

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/inmemdb/inmem/core"
)

// benchRecord is one put of a 100-byte value under a 40-byte key.
func benchRecord() Record {
	v := core.VersionedValue{Value: core.StringValue(strings.Repeat("v", 100)), Timestamp: epoch}
	return Record{Time: epoch, Changes: []Change{{Key: strings.Repeat("k", 40), Op: core.ChangePut, Value: v}}}
}

// BenchmarkAppendWrite: a group commit under SyncAlways, group records
// appended then one Write (one write and one fsync). Fsync-bound.
func BenchmarkAppendWrite(b *testing.B) {
	for _, group := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("group=%d", group), func(b *testing.B) {
			l, _ := mustOpen(b, b.TempDir(), Options{Sync: SyncAlways})
			defer l.Close()
			rec := benchRecord()
			next := uint64(1)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for range group {
					rec.Version, rec.Changes[0].Value.Version = next, next
					next++
					if err := l.Append(&rec); err != nil {
						b.Fatal(err)
					}
				}
				if err := l.Write(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*group)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkAppend: encoding one record into the pending buffer.
func BenchmarkAppend(b *testing.B) {
	l, _ := mustOpen(b, b.TempDir(), Options{Sync: SyncNone})
	defer l.Close()
	rec := benchRecord()
	next := uint64(1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		rec.Version, rec.Changes[0].Value.Version = next, next
		next++
		if err := l.Append(&rec); err != nil {
			b.Fatal(err)
		}
		if i%256 == 255 { // drop the pending bytes: what Write would do, without the I/O
			l.mu.Lock()
			l.buf = l.buf[:segmentHdrLen]
			l.mu.Unlock()
		}
	}
}

func benchEntries(n int) []Entry {
	out := make([]Entry, n)
	for i := range out {
		v := core.VersionedValue{Value: core.StringValue(strings.Repeat("v", 100)), Version: uint64(i + 1), Timestamp: epoch}
		out[i] = Entry{Key: fmt.Sprintf("%040d", i), Value: v}
	}
	return out
}

// BenchmarkSnapshot: writing and reading a 10,000-entry backup stream.
func BenchmarkSnapshot(b *testing.B) {
	entries := benchEntries(10000)
	seq := func(yield func(Entry) bool) {
		for _, e := range entries {
			if !yield(e) {
				return
			}
		}
	}
	h := SnapshotHeader{Version: 10000, Time: epoch}
	var buf bytes.Buffer
	if _, err := WriteSnapshot(&buf, h, seq); err != nil {
		b.Fatal(err)
	}
	b.Run("write", func(b *testing.B) {
		b.SetBytes(int64(buf.Len()))
		b.ReportAllocs()
		for range b.N {
			if _, err := WriteSnapshot(io.Discard, h, seq); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		b.SetBytes(int64(buf.Len()))
		b.ReportAllocs()
		for range b.N {
			if _, err := ReadSnapshot(bytes.NewReader(buf.Bytes()), func(Entry) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
}
