package cleaner_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inmemdb/inmem/cleaner"
	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// load stores n keys from offset with ttl, in transactions of 10,000 writes.
func load(b *testing.B, s *mvcc.Store, offset, n int, ttl time.Duration) {
	b.Helper()
	for lo := 0; lo < n; lo += 10_000 {
		_, err := s.Update(func(txn *mvcc.Txn) error {
			for i := lo; i < min(lo+10_000, n); i++ {
				if err := txn.Put(kv(offset+i), core.Int64Value(int64(i)), ttl); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRemoval measures how fast one pass removes b.N expired keys from a
// store that also holds 10,000 live ones, alone and with a writer putting
// other keys as fast as it can.
func BenchmarkRemoval(b *testing.B) {
	for _, batch := range []int{100, 1000, 10_000} {
		for _, writer := range []bool{false, true} {
			b.Run(fmt.Sprintf("batch=%d/writer=%v", batch, writer), func(b *testing.B) {
				b.ReportAllocs()
				clk := core.NewManualClock(t0)
				s := mvcc.New(mvcc.WithClock(clk), mvcc.WithHistory(0))
				load(b, s, 0, 10_000, 0)
				load(b, s, 10_000, b.N, time.Second)
				clk.Advance(time.Second)
				c := cleaner.New(s, cleaner.WithBatchSize(batch))

				var writes atomic.Int64
				stop := make(chan struct{})
				var wg sync.WaitGroup
				if writer {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := 0; ; i++ {
							select {
							case <-stop:
								return
							default:
							}
							ttl := time.Duration(i%2) * time.Hour
							if _, err := s.Put(kv(i%10_000), core.Int64Value(int64(i)), ttl); err != nil {
								panic(err)
							}
							writes.Add(1)
						}
					}()
				}
				b.ResetTimer()
				rep, err := c.RunOnce(context.Background())
				b.StopTimer()
				close(stop)
				wg.Wait()
				if err != nil || rep.Removed != b.N {
					b.Fatalf("removed %d of %d: %v", rep.Removed, b.N, err)
				}
				secs := b.Elapsed().Seconds()
				b.ReportMetric(float64(rep.Removed)/secs, "keys/s")
				b.ReportMetric(float64(rep.Batches), "commits")
				if writer {
					b.ReportMetric(float64(writes.Load())/secs, "writes/s")
				}
			})
		}
	}
}

// BenchmarkFewExpired measures a pass (not the writes before it) that finds
// 10 expired keys among size live ones, half with a TTL: its cost follows
// what expired, and the store's size only through O(log n) tree depth.
func BenchmarkFewExpired(b *testing.B) {
	for _, size := range []int{1000, 100_000} {
		b.Run(fmt.Sprintf("live=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			clk := core.NewManualClock(t0)
			s := mvcc.New(mvcc.WithClock(clk), mvcc.WithHistory(0))
			load(b, s, 0, size/2, 0)
			load(b, s, size/2, size/2, 24*365*time.Hour)
			c := cleaner.New(s)
			b.ResetTimer()
			for range b.N {
				b.StopTimer() // time the pass only
				for i := range 10 {
					if _, err := s.Put(kv(size+i), core.Int64Value(1), time.Second); err != nil {
						b.Fatal(err)
					}
				}
				clk.Advance(time.Second)
				b.StartTimer()
				rep, err := c.RunOnce(context.Background())
				if err != nil || rep.Removed != 10 {
					b.Fatalf("removed %d: %v", rep.Removed, err)
				}
			}
		})
	}
}
