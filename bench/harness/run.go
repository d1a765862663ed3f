// Package harness runs the workloads on every system and sizes, takes medians
// over repetitions, and renders one table with the ratios to inmem and the
// issue's targets marked hit or miss.
package harness

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"time"

	"github.com/inmemdb/inmem/bench/dataset"
	"github.com/inmemdb/inmem/bench/systems"
)

// Config says what to run. A Config is read-only once Run starts.
type Config struct {
	Sizes    []int          // data set sizes (keys)
	MinTime  time.Duration  // each repetition runs at least this long
	MaxTime  time.Duration  // the most a Garbage workload's repetition is stretched to
	Reps     int            // repetitions per cell; the median is reported
	BulkReps int            // builds per store and size (bulk load, memory)
	Only     *regexp.Regexp // workload IDs to run; nil: all
	Systems  *regexp.Regexp // system names to run; nil: all
	Progress io.Writer      // progress lines; nil: none
	// CPU reports the process's CPU time per op (user and system, every
	// thread: the collector's workers included) instead of the wall time:
	// steadier than the wall time on a machine whose cores other work
	// shares. For the rows with two goroutines it is their total.
	CPU bool
}

// Quick is the -quick configuration: two sizes, short repetitions.
func Quick() Config {
	return Config{Sizes: []int{1_000, 100_000}, MinTime: 20 * time.Millisecond, MaxTime: 150 * time.Millisecond, Reps: 3, BulkReps: 1}
}

// Full is the default configuration: 1K, 100K and 1M keys.
func Full() Config {
	return Config{Sizes: []int{1_000, 100_000, 1_000_000}, MinTime: 200 * time.Millisecond, MaxTime: 2 * time.Second, Reps: 5, BulkReps: 3}
}

// Result is the median measurement of one cell. It is a value, not changed
// once returned; safe for concurrent reads.
type Result struct {
	NsPerOp     float64
	BytesPerOp  float64
	AllocsPerOp float64
	Extra       map[string]float64 // medians of per-run extras
}

type cellKey struct {
	size     int
	workload string
	system   string
}

// Results holds every measured cell. It is not safe for concurrent use.
type Results struct {
	Sizes   []int
	Systems []string
	Labels  map[string]map[int]string // workload ID -> size -> row label
	Elapsed time.Duration
	cells   map[cellKey]*Result
}

// Get returns the cell of a workload on a system at a size, or nil.
func (r *Results) Get(size int, workload, system string) *Result {
	return r.cells[cellKey{size, workload, system}]
}

func (r *Results) set(size int, workload, system, label string, res *Result) {
	r.cells[cellKey{size, workload, system}] = res
	if r.Labels[workload] == nil {
		r.Labels[workload] = map[int]string{}
	}
	r.Labels[workload][size] = label
}

// took returns what a timed run took: its wall time, or with CPU its CPU
// time.
func (c *Config) took(t *Timer) time.Duration {
	if c.CPU {
		return t.cpu
	}
	return t.elapsed
}

func (c *Config) wants(id string) bool { return c.Only == nil || c.Only.MatchString(id) }

func (c *Config) logf(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, format+"\n", args...)
	}
}

// Run measures every selected workload on every selected system at every
// size. Two Runs at once would disturb each other's timings; run one at a
// time. One system's store is alive at a time, so each is measured with the
// heap it would have alone: the cost of collecting its garbage depends on it.
func Run(cfg Config) (*Results, error) {
	start := time.Now()
	res := &Results{Sizes: cfg.Sizes, Labels: map[string]map[int]string{}, cells: map[cellKey]*Result{}}
	var mks []systems.Constructor
	for _, mk := range systems.All() {
		name := probeName(mk)
		if cfg.Systems == nil || cfg.Systems.MatchString(name) {
			res.Systems = append(res.Systems, name)
			mks = append(mks, mk)
		}
	}
	for _, n := range cfg.Sizes {
		cfg.logf("building data set of %d keys", n)
		ds := dataset.New(n)
		for _, mk := range mks {
			if err := runSystem(&cfg, res, ds, mk); err != nil {
				return nil, err
			}
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

func probeName(mk systems.Constructor) string {
	s := mk()
	defer s.Close()
	return s.Name()
}

// runSystem builds one system at the data set's size (the bulk load and
// memory rows), runs the workloads on it and drops it.
func runSystem(cfg *Config, res *Results, ds *dataset.Set, mk systems.Constructor) error {
	sys, err := build(cfg, res, ds, mk)
	if sys != nil {
		defer sys.Close()
	}
	if err != nil {
		return err
	}
	sys.Prepare()
	e := &env{ds: ds}
	name := sys.Name()
	for _, w := range executionOrder(Workloads()) {
		if !cfg.wants(w.ID) || !w.Applies(sys) {
			continue
		}
		r, err := measure(cfg, w, sys, e)
		if err != nil {
			return fmt.Errorf("%s: %s at %d keys: %w", name, w.ID, ds.N, err)
		}
		res.set(ds.N, w.ID, name, w.Label(ds), r)
		cfg.logf("%-9s %5s keys: %-16s %12.1f ns/op", name, count(ds.N), w.ID, r.NsPerOp)
	}
	return nil
}

// build loads the system BulkReps times, timing the load and taking the heap
// growth it leaves after GC; the last build is returned.
func build(cfg *Config, res *Results, ds *dataset.Set, mk systems.Constructor) (systems.System, error) {
	var sys systems.System
	var bulk, bulkB, bulkA, mem []float64
	n := float64(ds.N)
	for rep := range max(cfg.BulkReps, 1) {
		if sys != nil {
			sys.Close()
			sys = nil
		}
		h0 := heapAfterGC()
		sys = mk()
		var t Timer
		t.Start()
		err := sys.Load(ds.Keys, ds.Vals, ds.TTLs)
		t.Stop()
		if err != nil {
			return sys, fmt.Errorf("%s: load: %w", sys.Name(), err)
		}
		h1 := heapAfterGC()
		bulk = append(bulk, float64(cfg.took(&t).Nanoseconds())/n)
		bulkB = append(bulkB, float64(t.bytes)/n)
		bulkA = append(bulkA, float64(t.mallocs)/n)
		mem = append(mem, (float64(h1)-float64(h0))/n)
		cfg.logf("%-9s %5s keys: load %d: %.0f ns/key, %.0f bytes/key", sys.Name(), count(ds.N), rep+1, bulk[rep], mem[rep])
	}
	name := sys.Name()
	if cfg.wants(idBulk) {
		res.set(ds.N, idBulk, name, fmt.Sprintf("bulk load of %s keys (per key)", count(ds.N)),
			&Result{NsPerOp: median(bulk), BytesPerOp: median(bulkB), AllocsPerOp: median(bulkA)})
	}
	if cfg.wants(idMemory) {
		res.set(ds.N, idMemory, name, "bytes retained per key (heap after GC)", &Result{NsPerOp: median(mem)})
	}
	return sys, nil
}

// executionOrder puts the reads before the writes, so the reads see the data
// exactly as loaded.
func executionOrder(ws []*Workload) []*Workload {
	out := slices.Clone(ws)
	slices.SortStableFunc(out, func(a, b *Workload) int {
		switch {
		case a.Write == b.Write:
			return 0
		case a.Write:
			return 1
		}
		return -1
	})
	return out
}

const maxIter = 1 << 30

// measure calibrates the iteration count (see calibrate), then takes Reps
// runs and returns the medians.
func measure(cfg *Config, w *Workload, sys systems.System, e *env) (*Result, error) {
	live := heapAfterGC()
	n, err := calibrate(cfg, w, sys, e, live)
	if err != nil {
		return nil, err
	}
	var ns, bs, as []float64
	extras := map[string][]float64{}
	for range max(cfg.Reps, 1) {
		e.extra = map[string]float64{}
		var t Timer
		ops, err := w.Run(e, sys, &t, n)
		if err != nil {
			return nil, err
		}
		o := float64(max(ops, 1))
		ns = append(ns, float64(cfg.took(&t).Nanoseconds())/o)
		bs = append(bs, float64(t.bytes)/o)
		as = append(as, float64(t.mallocs)/o)
		for k, v := range e.extra {
			extras[k] = append(extras[k], v)
		}
	}
	r := &Result{NsPerOp: median(ns), BytesPerOp: median(bs), AllocsPerOp: median(as), Extra: map[string]float64{}}
	for k, v := range extras {
		r.Extra[k] = median(v)
	}
	return r, nil
}

// calibrate returns the iteration count that makes one run of w last at
// least MinTime, as testing.B does, and for a Garbage workload also allocate
// at least the live heap (so a run pays for about one GC cycle of its own
// garbage), without lasting more than MaxTime. The runs double as warm-up.
func calibrate(cfg *Config, w *Workload, sys systems.System, e *env, live uint64) (int, error) {
	n := 1
	for {
		e.extra = map[string]float64{}
		var t Timer
		if _, err := w.Run(e, sys, &t, n); err != nil {
			return 0, err
		}
		per := max(float64(t.elapsed)/float64(n), 1)
		want := 1.2 * float64(cfg.MinTime) / per
		done := t.elapsed >= cfg.MinTime
		if w.Garbage && t.bytes > 0 {
			byBytes := 1.2 * float64(live) / (float64(t.bytes) / float64(n))
			want = max(want, min(byBytes, float64(cfg.MaxTime)/per))
			done = done && (t.bytes >= live || t.elapsed >= cfg.MaxTime)
		}
		if done || n >= maxIter {
			return n, nil
		}
		next := int(math.Min(want, float64(maxIter)))
		n = min(max(next, n+1), 100*n, maxIter)
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
