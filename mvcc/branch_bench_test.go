package mvcc

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
)

// The benchmarks of branches (docs/benchmarks.md, "Branches"): fork, reads
// on a fork, diff, merge, and the memory a fork keeps alive. Besides the
// wall time, the fork, diff and merge benchmarks report the process's CPU
// time per op (cpu-ns/op), which other work on the machine does not
// inflate.

// benchCPU reports the CPU time used since start, per op of b.
func benchCPU(b *testing.B, start time.Duration, ops int) {
	if used := benchProcessCPU() - start; used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(ops), "cpu-ns/op")
	}
}

var benchForkSink *Store

// BenchmarkFork forks a store of 1K, 100K and 1M keys: the cost must not
// grow with the size.
func BenchmarkFork(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			base, _ := benchBase(b, size.n, false)
			s := benchClone(base)
			b.ReportAllocs()
			b.ResetTimer()
			cpu := benchProcessCPU()
			for range b.N {
				f, err := s.Fork()
				if err != nil {
					b.Fatal(err)
				}
				benchForkSink = f
			}
			benchCPU(b, cpu, b.N)
		})
	}
}

// BenchmarkForkByCopy is what a fork costs a store that copies: a new
// store loaded with every entry of a snapshot in one transaction (1K and
// 100K keys), beside BenchmarkFork.
func BenchmarkForkByCopy(b *testing.B) {
	for _, size := range benchSizes[:2] {
		b.Run(size.name, func(b *testing.B) {
			base, _ := benchBase(b, size.n, false)
			sn := benchClone(base).Snapshot()
			b.ReportAllocs()
			b.ResetTimer()
			cpu := benchProcessCPU()
			for range b.N {
				c := New(WithHistory(0))
				t := c.Begin()
				for k, vv := range sn.All() {
					if err := t.Put(k, vv.Value, vv.TTL); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := t.Commit(); err != nil {
					b.Fatal(err)
				}
				benchForkSink = c
			}
			benchCPU(b, cpu, b.N)
		})
	}
}

// benchChange writes k keys of the base store, spread over it (every
// n/k-th key, in a scattered order), into s in one transaction.
func benchChange(b *testing.B, s *Store, nss []core.Namespace, n, k int, value core.Value) {
	t := s.Begin()
	var key core.Key
	buf := make([]byte, 0, 32)
	for i := range k {
		benchKey(&key, buf, nss, "key-", benchPerm(i, k)*(n/k))
		if err := t.Put(key, value, 0); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := t.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkForkGet reads random keys of the 1M-key store on the store
// itself and on a fork that changed 1% of them: the fork's reads must cost
// about the same.
func BenchmarkForkGet(b *testing.B) {
	const n = 1_000_000
	base, nss := benchBase(b, n, false)
	parent := benchClone(base)
	fork, err := parent.Fork()
	if err != nil {
		b.Fatal(err)
	}
	benchChange(b, fork, nss, n, n/100, core.StringValue("changed on the fork"))
	// ratio: batches of 256 gets of random keys, on the store and on the
	// fork alternately (each first every other round), each side timed apart; it reports the fork's time
	// over the store's, which other work on the machine inflates alike. Each
	// side reads other keys than the other (the two share 99% of their
	// nodes: the same keys would find the path in the cache the other side
	// just warmed).
	b.Run("ratio", func(b *testing.B) {
		var k core.Key
		buf := make([]byte, 0, 32)
		var onStore, onFork time.Duration
		b.ResetTimer()
		for i := range b.N {
			for j := range 2 {
				j ^= i & 1 // every other round, the fork reads first
				s := []*Store{parent, fork}[j]
				start := time.Now()
				for g := range 256 {
					benchKey(&k, buf, nss, "key-", benchPerm((2*i+j)*256+g, n))
					if _, err := s.Get(k); err != nil {
						b.Fatal(err)
					}
				}
				if j == 0 {
					onStore += time.Since(start)
				} else {
					onFork += time.Since(start)
				}
			}
		}
		b.ReportMetric(float64(onFork)/float64(onStore), "fork/store")
	})
	for _, c := range []struct {
		name string
		s    *Store
	}{{"store", parent}, {"fork1pct", fork}} {
		b.Run(c.name, func(b *testing.B) {
			var k core.Key
			buf := make([]byte, 0, 32)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				benchKey(&k, buf, nss, "key-", benchPerm(i, n))
				if _, err := c.s.Get(k); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDiff diffs a fork of the 1M-key store that changed k keys
// against its base, and reports the time per differing key; full scans the
// same store once, for comparison.
func BenchmarkDiff(b *testing.B) {
	const n = 1_000_000
	base, nss := benchBase(b, n, false)
	for _, k := range []int{1, 10, 100, 1000, 10_000} {
		b.Run(fmt.Sprintf("1M/k=%d", k), func(b *testing.B) {
			f, err := benchClone(base).Fork()
			if err != nil {
				b.Fatal(err)
			}
			benchChange(b, f, nss, n, k, core.StringValue("changed on the fork"))
			from, to := f.Base(), f.Snapshot()
			b.ReportAllocs()
			b.ResetTimer()
			cpu := benchProcessCPU()
			for range b.N {
				got := 0
				for range Diff(from, to) {
					got++
				}
				if got != k {
					b.Fatalf("%d changes, want %d", got, k)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*k), "ns/change")
			benchCPU(b, cpu, b.N)
		})
	}
	b.Run("1M/fullscan", func(b *testing.B) {
		sn := benchClone(base).Snapshot()
		b.ReportAllocs()
		b.ResetTimer()
		cpu := benchProcessCPU()
		for range b.N {
			got := 0
			for range sn.All() {
				got++
			}
			if got != n {
				b.Fatalf("%d entries, want %d", got, n)
			}
		}
		benchCPU(b, cpu, b.N)
	})
}

// BenchmarkMerge merges a fork that changed 1K keys into the 1M-key store it
// came from (a fresh store and fork each time, made with the timer
// stopped).
func BenchmarkMerge(b *testing.B) {
	const n, k = 1_000_000, 1_000
	base, nss := benchBase(b, n, false)
	b.Run("1M/1K", func(b *testing.B) {
		b.ReportAllocs()
		var cpu time.Duration
		for range b.N {
			b.StopTimer()
			s := benchClone(base)
			f, err := s.Fork()
			if err != nil {
				b.Fatal(err)
			}
			benchChange(b, f, nss, n, k, core.StringValue("changed on the fork"))
			v := s.CurrentVersion()
			b.StartTimer()
			start := benchProcessCPU()
			got, err := s.Merge(f)
			cpu += benchProcessCPU() - start
			if err != nil {
				b.Fatal(err)
			}
			if got != v+1 {
				b.Fatalf("merged at version %d, want one version: %d", got, v+1)
			}
		}
		if cpu > 0 {
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	})
}

// BenchmarkForkMemory loads a store of 1M keys, forks it, and rewrites every
// key of the store once while the fork is kept: it reports the heap then
// (live-x) as a multiple of the heap the store alone held after loading.
func BenchmarkForkMemory(b *testing.B) {
	const n = 1_000_000
	nss := benchNamespaces(n)
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	write := func(s *Store, value core.Value) {
		var k core.Key
		buf := make([]byte, 0, 32)
		for lo := 0; lo < n; lo += 50_000 {
			t := s.Begin()
			for i := lo; i < min(n, lo+50_000); i++ {
				benchKey(&k, buf, nss, "key-", i)
				if err := t.Put(k, value, 0); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := t.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	var ratio, alone float64
	for range b.N {
		h0 := heap()
		s := New(WithHistory(0))
		write(s, core.StringValue("the value each key holds at first"))
		h1 := heap()
		f, err := s.Fork()
		if err != nil {
			b.Fatal(err)
		}
		write(s, core.StringValue("the value of the rewrite, the same size"))
		h2 := heap()
		runtime.KeepAlive(f)
		f = nil
		h3 := heap()
		runtime.KeepAlive(s)
		ratio += float64(h2-h0) / float64(h1-h0)
		alone += float64(h3-h0) / float64(h1-h0)
	}
	b.ReportMetric(ratio/float64(b.N), "live-x")
	b.ReportMetric(alone/float64(b.N), "live-x-without-fork")
}
