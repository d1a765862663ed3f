package harness

import (
	"runtime"
	"time"
)

// Timer accumulates the time and the allocations of the timed parts of a
// workload run, as testing.B's StartTimer/StopTimer do. It is used by one
// goroutine; allocations by every goroutine while it runs are counted.
type Timer struct {
	elapsed        time.Duration
	cpu            time.Duration // process CPU time (all threads) while timing
	mallocs, bytes uint64
	start          time.Time
	cpu0           time.Duration
	m0, b0         uint64
	ms             runtime.MemStats
}

// Start starts timing.
func (t *Timer) Start() {
	runtime.ReadMemStats(&t.ms)
	t.m0, t.b0 = t.ms.Mallocs, t.ms.TotalAlloc
	t.cpu0 = cpuTime()
	t.start = time.Now()
}

// Stop stops timing and adds the time and allocations since Start.
func (t *Timer) Stop() {
	t.elapsed += time.Since(t.start)
	t.cpu += cpuTime() - t.cpu0
	runtime.ReadMemStats(&t.ms)
	t.mallocs += t.ms.Mallocs - t.m0
	t.bytes += t.ms.TotalAlloc - t.b0
}

// Elapsed returns the time accumulated so far.
func (t *Timer) Elapsed() time.Duration { return t.elapsed }

// heapAfterGC returns the live heap after two full collections.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
