package mvcc

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
)

// The change feed's benchmarks. Reproduce with
//
//	go test -run '^$' -bench 'PutWatchers|WatchLatency|WatchThroughput' -benchmem -count 5 ./mvcc

// BenchmarkPutWatchers puts into a 1K-key store with no watcher and with 100
// idle ones (open, never reading), side by side: writers do nothing per
// watcher, so the two should cost the same.
func BenchmarkPutWatchers(b *testing.B) {
	for _, n := range []int{0, 100} {
		b.Run("watchers="+strconv.Itoa(n), func(b *testing.B) {
			base, nss := benchBase(b, 1_000, false)
			s := benchClone(base)
			for range n {
				w := s.Watch(core.Latest)
				defer w.Close()
			}
			var k core.Key
			buf := make([]byte, 0, 32)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				benchKey(&k, buf, nss, "key-", benchPerm(i, 1_000))
				if _, err := s.Put(k, benchValue, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWatchLatency measures the time from the start of a Put to the
// return of the Next of a watcher waiting for it, one commit at a time, and
// reports its median and 99th percentile (ns).
func BenchmarkWatchLatency(b *testing.B) {
	base, nss := benchBase(b, 1_000, false)
	s := benchClone(base)
	w := s.Watch(core.Latest)
	defer w.Close()
	got := make(chan time.Time)
	errc := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			if _, err := w.Next(ctx); err != nil {
				errc <- err
				return
			}
			got <- time.Now()
		}
	}()
	lat := make([]time.Duration, 0, b.N)
	var k core.Key
	buf := make([]byte, 0, 32)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		benchKey(&k, buf, nss, "key-", benchPerm(i, 1_000))
		start := time.Now()
		if _, err := s.Put(k, benchValue, 0); err != nil {
			b.Fatal(err)
		}
		select {
		case at := <-got:
			lat = append(lat, at.Sub(start))
		case err := <-errc:
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cancel()
	if err := <-errc; err != context.Canceled {
		b.Fatal(err)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
}

// BenchmarkWatchThroughput runs one writer putting as fast as it can and one
// watcher reading every commit, and reports both rates: what the writer
// commits (writes/s) and what the watcher receives (delivered/s, until it
// has the last commit).
func BenchmarkWatchThroughput(b *testing.B) {
	base, nss := benchBase(b, 1_000, false)
	s := benchClone(base, WithHistory(b.N+16)) // the watcher may lag: keep it all
	w := s.Watch(core.Latest)
	defer w.Close()
	last := s.CurrentVersion() + uint64(b.N)
	done := make(chan error, 1)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for {
			c, err := w.Next(ctx)
			if err != nil || c.Version == last {
				done <- err
				return
			}
		}
	}()
	var k core.Key
	buf := make([]byte, 0, 32)
	for i := range b.N {
		benchKey(&k, buf, nss, "key-", benchPerm(i, 1_000))
		if _, err := s.Put(k, benchValue, 0); err != nil {
			b.Fatal(err)
		}
	}
	wrote := time.Since(start)
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	delivered := time.Since(start)
	b.ReportMetric(float64(b.N)/wrote.Seconds(), "writes/s")
	b.ReportMetric(float64(b.N)/delivered.Seconds(), "delivered/s")
}
