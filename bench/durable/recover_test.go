package durable

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

const (
	bigKeys    = 1_000_000
	logRecords = 100_000
	bulkBatch  = 10_000
)

func bigKey(i int) core.Key {
	return core.KVKey(benchNS, fmt.Sprintf("key-%09d", i))
}

func bigValue(i int) core.Value {
	return core.StringValue(fmt.Sprintf("value %09d of the recovery benchmark, about a hundred bytes long ....................", i))
}

// bulkLoad puts keys [from, to) into s in transactions of bulkBatch keys.
func bulkLoad(tb testing.TB, s *mvcc.Store, from, to int) {
	for lo := from; lo < to; lo += bulkBatch {
		_, err := s.Update(func(tx *mvcc.Txn) error {
			for i := lo; i < min(lo+bulkBatch, to); i++ {
				if err := tx.Put(bigKey(i), bigValue(i), 0); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkRecover1M: Open of a directory holding a checkpoint of 1M keys
// and 100K log records after it (one put each), against the bulk load of
// the same 1M keys into a new in-memory store (the floor recovery is
// measured against: building the state at all).
func BenchmarkRecover1M(b *testing.B) {
	dir := b.TempDir()
	s, err := mvcc.Open(dir, mvcc.WithSync(mvcc.SyncNone), mvcc.WithCheckpointBytes(0))
	if err != nil {
		b.Fatal(err)
	}
	bulkLoad(b, s, 0, bigKeys)
	if err := s.Checkpoint(); err != nil {
		b.Fatal(err)
	}
	for i := range logRecords {
		if _, err := s.Put(bigKey(i*7%bigKeys), bigValue(-i), 0); err != nil {
			b.Fatal(err)
		}
	}
	want := s.CurrentVersion()
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	s = nil

	b.Run("open", func(b *testing.B) {
		for range b.N {
			s, err := mvcc.Open(dir, mvcc.WithCheckpointBytes(0))
			if err != nil {
				b.Fatal(err)
			}
			if s.CurrentVersion() != want || s.Recovery().Records != logRecords {
				b.Fatalf("recovered version %d (%d records), want %d", s.CurrentVersion(), s.Recovery().Records, want)
			}
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
	})
	b.Run("bulkload", func(b *testing.B) {
		for range b.N {
			s := mvcc.New()
			bulkLoad(b, s, 0, bigKeys)
		}
	})
}

// BenchmarkBackup1M: Snapshot().WriteTo(io.Discard) of a 1M-key store
// while a writer puts as fast as it can: the backup's MB/s, and the
// writer's puts/s alone (before) and while the backups run.
func BenchmarkBackup1M(b *testing.B) {
	s := mvcc.New()
	bulkLoad(b, s, 0, bigKeys)
	put := func(i int) {
		if _, err := s.Put(bigKey(i*13%bigKeys), bigValue(i), 0); err != nil {
			panic(err)
		}
	}
	const alone = 200_000
	start := time.Now()
	for i := range alone {
		put(i)
	}
	aloneRate := alone / time.Since(start).Seconds()

	stop := make(chan struct{})
	var puts atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	b.ResetTimer()
	start = time.Now()
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			put(i)
			puts.Add(1)
		}
	}()
	var n int64
	for range b.N {
		var err error
		if n, err = s.Snapshot().WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	b.StopTimer()
	duringRate := float64(puts.Load()) / time.Since(start).Seconds()
	b.SetBytes(n)
	b.ReportMetric(aloneRate, "writer-alone-puts/s")
	b.ReportMetric(duringRate, "writer-during-puts/s")
	b.ReportMetric(aloneRate/duringRate, "writer-slowdown-x")
}
