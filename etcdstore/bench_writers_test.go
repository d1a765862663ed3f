package etcdstore

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/inmemdb/inmem/core"
)

// BenchmarkWriters measures write throughput with 1 and 16 concurrent
// writers of one process, side by side on the same embedded 1-member
// cluster (fsync on): the store's Put against a raw clientv3 Put of a
// value of the same size, the floor any store on etcd pays. It reports
// writes per second (writes/s) next to ns/op (the time per write, all
// writers together):
//
//	go test -run '^$' -bench Writers -benchtime 400x -count 6 -benchmem
func BenchmarkWriters(b *testing.B) {
	value := core.StringValue("a value of some thirty bytes..")
	raw, err := value.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("writers=%d/etcdstore", writers), func(b *testing.B) {
			c := benchCluster(b, 1)
			s := newStoreOn(b, c.cli, newPrefix(b))
			ns := testNS("bench", 7)
			runWriters(b, writers, func(w, i int) error {
				_, err := s.Put(core.KVKey(ns, fmt.Sprintf("w%02d-%03d", w, i%benchKeys)), value, 0)
				return err
			})
		})
		b.Run(fmt.Sprintf("writers=%d/clientv3", writers), func(b *testing.B) {
			c := benchCluster(b, 1)
			p := newPrefix(b)
			runWriters(b, writers, func(w, i int) error {
				_, err := c.cli.Put(context.Background(), fmt.Sprintf("%s/w%02d-%03d", p, w, i%benchKeys), string(raw))
				return err
			})
		})
	}
}

// runWriters runs b.N calls of put spread over writers goroutines (writer
// w's i-th call is put(w, i)) and reports writes per second.
func runWriters(b *testing.B, writers int, put func(w, i int) error) {
	b.Helper()
	b.ReportAllocs()
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range writers {
		n := b.N / writers
		if w < b.N%writers {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				if err := put(w, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}
