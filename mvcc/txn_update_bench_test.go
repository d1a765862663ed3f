package mvcc

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/inmemdb/inmem/core"
)

// BenchmarkUpdateContention increments one counter 1,600 times per
// iteration: by one goroutine (serial), or by 16 goroutines of 100
// increments each (contended), with UpdateContext or with Update (its
// bounded attempts). failures/op counts the increments that returned an
// error; the contended time against the serial one is what the back-off
// buys. On a store in memory and on one made by Open (SyncAlways: every
// commit is an fsync).
func BenchmarkUpdateContention(b *testing.B) {
	const total = 1600
	for _, durable := range []bool{false, true} {
		for _, mode := range []struct {
			name    string
			workers int
			bounded bool
		}{
			{"serial", 1, false},
			{"contended16", 16, false},
			{"contended16-Update", 16, true},
		} {
			name := "mem/" + mode.name
			if durable {
				name = "durable/" + mode.name
			}
			b.Run(name, func(b *testing.B) {
				var s *Store
				if durable {
					s = fxOpen(b, b.TempDir())
					defer s.Close()
				} else {
					s = New()
				}
				k := core.KVKey(fxNS("t", "a", 1), "counter")
				incr := func(tx *Txn) error {
					var n int64
					if vv, err := tx.Get(k); err == nil {
						n = vv.Value.Int64()
					}
					return tx.Put(k, core.Int64Value(n+1), 0)
				}
				var failures atomic.Int64
				for range b.N {
					var wg sync.WaitGroup
					for range mode.workers {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for range total / mode.workers {
								var err error
								if mode.bounded {
									_, err = s.Update(incr)
								} else {
									_, err = s.UpdateContext(context.Background(), incr)
								}
								if err != nil {
									failures.Add(1)
								}
							}
						}()
					}
					wg.Wait()
				}
				b.ReportMetric(float64(failures.Load())/float64(b.N), "failures/op")
				if vv, err := s.Get(k); err != nil || vv.Value.Int64()+failures.Load() != int64(b.N*total) {
					b.Fatalf("the counter is off: %v %v", vv.Value, err)
				}
			})
		}
	}
}
