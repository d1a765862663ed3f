// Package benchgc measures, for benchmarks, what the garbage collector does
// with a heap: how many objects it holds, how many bytes it must scan, and
// the CPU a collection of it takes to mark.
package benchgc

import (
	"runtime"
	"runtime/metrics"
	"testing"
)

// ReportMark collects the heap once, then b.N more times (one op is one
// forced collection), and reports per op the mark CPU in milliseconds
// ("mark-cpu-ms/op": the runtime's estimate of its assists, dedicated and
// idle workers, which depends on the machine's load) and, per key of a heap
// of keys keys, its objects ("objects/key") and scannable bytes
// ("scan-B/key"), both exact. The caller keeps its structure reachable
// (runtime.KeepAlive) until ReportMark returns. Not safe for concurrent use
// with other collections or allocations of the process.
func ReportMark(b *testing.B, keys int) {
	b.Helper()
	runtime.GC()
	s := []metrics.Sample{
		{Name: "/gc/heap/objects:objects"}, {Name: "/gc/scan/heap:bytes"},
		{Name: "/cpu/classes/gc/mark/assist:cpu-seconds"}, {Name: "/cpu/classes/gc/mark/dedicated:cpu-seconds"},
		{Name: "/cpu/classes/gc/mark/idle:cpu-seconds"},
	}
	mark := func() float64 {
		metrics.Read(s)
		return s[2].Value.Float64() + s[3].Value.Float64() + s[4].Value.Float64()
	}
	b.ResetTimer()
	m0 := mark()
	for range b.N {
		runtime.GC()
	}
	b.ReportMetric((mark()-m0)*1e3/float64(b.N), "mark-cpu-ms/op")
	b.ReportMetric(float64(s[0].Value.Uint64())/float64(keys), "objects/key")
	b.ReportMetric(float64(s[1].Value.Uint64())/float64(keys), "scan-B/key")
}
