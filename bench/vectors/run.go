package vectors

import (
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vecdata"
	"github.com/inmemdb/inmem/mvcc"
)

// Set is a data set: N clustered vectors of Dims elements, spread over
// Agents agents (the scope of filtered searches: each holds 1/Agents of
// them), from a fixed seed.
type Set struct {
	N, Dims, Agents int
}

func (s Set) String() string { return fmt.Sprintf("%s x %d", count(s.N), s.Dims) }

func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dK", n/1000)
	}
	return fmt.Sprint(n)
}

// spec is the set's data: 100 clusters, noise of 1/sqrt(dims)/2 per element
// (vectors of one cluster have a cosine similarity near 0.8 with each
// other), seed 42.
func (s Set) spec() vecdata.Spec {
	return vecdata.Spec{Seed: 42, Dims: s.Dims, Clusters: 100, Spread: 0.5 / math.Sqrt(float64(s.Dims))}
}

// Config is what a run measures.
type Config struct {
	Sets     []Set
	Queries  int   // queries per set
	K        int   // results per search
	Breadths []int // the search breadths of the recall/latency curve
	Systems  *regexp.Regexp
	// Exact is the size of the one-agent scope the exact-search target is
	// measured on (0: skip).
	Exact int
	// Recovery is the data set a durable store reopens (N 0: skip).
	Recovery Set
	Log      io.Writer
}

// Quick is a run that finishes in a few minutes.
func Quick() Config {
	return Config{
		Sets: []Set{{N: 20_000, Dims: 384, Agents: 100}}, Queries: 200, K: 10,
		Breadths: []int{10, 16, 32, 64, 128}, Exact: 10_000, Recovery: Set{N: 20_000, Dims: 384, Agents: 100},
	}
}

// Full is the run the targets are measured by.
func Full() Config {
	return Config{
		Sets:    []Set{{N: 100_000, Dims: 384, Agents: 100}, {N: 1_000_000, Dims: 128, Agents: 100}},
		Queries: 300, K: 10, Breadths: []int{10, 16, 24, 32, 48, 64, 80, 96, 128, 192, 256},
		Exact: 10_000, Recovery: Set{N: 100_000, Dims: 384, Agents: 100},
	}
}

// Point is one point of a recall/latency curve.
type Point struct {
	Breadth  int
	Recall   float64
	P50, P99 time.Duration // wall time per search
	CPU      time.Duration // CPU time per search, all threads
}

// SystemResult is what one system measured on one set.
type SystemResult struct {
	Name        string
	Insert      time.Duration // wall time per vector loaded
	InsertCPU   time.Duration
	BytesPerVec float64 // heap after loading, per vector
	Curve       []Point
	Filtered    *Point // a search in one agent's scope (1/Agents of the vectors)
	Err         string
}

// SetResult is one set's results.
type SetResult struct {
	Set     Set
	Systems []SystemResult
	RawVec  float64 // bytes of one vector's float32 elements
}

// Report is a run's results.
type Report struct {
	Sets     []SetResult
	Exact    []SystemResult // the exact-search target: one agent's scope of Config.Exact vectors
	ExactSet Set
	Recovery *RecoveryResult
}

// RecoveryResult is the time a durable store takes to reopen.
type RecoveryResult struct {
	Set            Set
	Plain, Indexed time.Duration // Open without and with the index
}

func (c *Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

func (c *Config) want(name string) bool {
	return name == "inmem" || c.Systems == nil || c.Systems.MatchString(name)
}

// Run measures everything cfg asks for.
func Run(cfg Config) (*Report, error) {
	rep := &Report{}
	for _, set := range cfg.Sets {
		sr, err := runSet(&cfg, set)
		if err != nil {
			return nil, err
		}
		rep.Sets = append(rep.Sets, *sr)
	}
	if cfg.Exact > 0 {
		rep.ExactSet = Set{N: cfg.Exact, Dims: 384, Agents: 1}
		rep.Exact = runExact(&cfg, rep.ExactSet)
	}
	if cfg.Recovery.N > 0 {
		rr, err := runRecovery(&cfg, cfg.Recovery)
		if err != nil {
			return nil, err
		}
		rep.Recovery = rr
	}
	return rep, nil
}

type dataset struct {
	items   []Item
	queries [][]float32
	truth   [][]int // top K of each query over every item
	ftruth  [][]int // top K of each query in agent 7's scope
}

const scopeAgent = 7

func load(cfg *Config, set Set, queries int) *dataset {
	spec := set.spec()
	vecs := spec.Vectors(set.N)
	d := &dataset{items: make([]Item, set.N), queries: spec.Queries(queries)}
	for i, v := range vecs {
		d.items[i] = Item{Agent: i % set.Agents, Vec: v}
	}
	cfg.logf("%s: exact top %d of %d queries", set, cfg.K, queries)
	d.truth = make([][]int, queries)
	d.ftruth = make([][]int, queries)
	var wg sync.WaitGroup
	for w := range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for qi := w; qi < queries; qi += runtime.NumCPU() {
				d.truth[qi] = topK(d.queries[qi], d.items, cfg.K, -1)
				d.ftruth[qi] = topK(d.queries[qi], d.items, cfg.K, scopeAgent)
			}
		}()
	}
	wg.Wait()
	return d
}

// topK is the brute-force answer, scored by inmem's kernels (the scores the
// systems are ranked by; ties by index).
func topK(q []float32, items []Item, k, agent int) []int {
	vq, _ := core.NewVectorQuery(core.Cosine, q)
	type sc struct {
		s float32
		i int
	}
	best := make([]sc, 0, k+1)
	for i, it := range items {
		if agent >= 0 && it.Agent != agent {
			continue
		}
		s, _ := vq.ScoreVector(it.Vec)
		if len(best) == k && s <= best[k-1].s {
			continue
		}
		j := sort.Search(len(best), func(j int) bool { return best[j].s < s })
		best = slices.Insert(best, j, sc{s, i})
		if len(best) > k {
			best = best[:k]
		}
	}
	out := make([]int, len(best))
	for j, b := range best {
		out[j] = b.i
	}
	return out
}

func runSet(cfg *Config, set Set) (*SetResult, error) {
	d := load(cfg, set, cfg.Queries)
	sr := &SetResult{Set: set, RawVec: float64(4 * set.Dims)}
	makers := []func() (System, error){
		func() (System, error) { return NewInmem(set.Dims, true), nil },
		func() (System, error) { return NewInmem(set.Dims, false), nil },
		func() (System, error) { s, err := NewChromem(); return s, err },
		func() (System, error) { return NewCoderHNSW(), nil },
	}
	for _, mk := range makers {
		sys, err := mk()
		if err != nil {
			return nil, err
		}
		if !cfg.want(sys.Name()) {
			continue
		}
		res := measure(cfg, set, d, sys)
		sr.Systems = append(sr.Systems, res)
		runtime.GC()
	}
	return sr, nil
}

// measure loads the set into sys and searches it.
func measure(cfg *Config, set Set, d *dataset, sys System) SystemResult {
	res := SystemResult{Name: sys.Name()}
	cfg.logf("%s: %s loading", set, sys.Name())
	h0 := heapAfterGC()
	c0, w0 := cpuTime(), time.Now()
	for i, it := range d.items {
		if err := sys.Add(i, it); err != nil {
			res.Err = err.Error()
			return res
		}
		if i > 0 && i%(max(len(d.items)/10, 1)) == 0 {
			cfg.logf("  %d loaded (%v per vector)", i, time.Since(w0)/time.Duration(i))
		}
	}
	n := time.Duration(len(d.items))
	res.Insert, res.InsertCPU = time.Since(w0)/n, (cpuTime()-c0)/n
	res.BytesPerVec = float64(heapAfterGC()-h0) / float64(len(d.items))
	breadths := []int{0}
	if sys.Approximate() {
		breadths = cfg.Breadths
	}
	for _, b := range breadths {
		p, err := searchAll(cfg, d, sys, b, -1, d.truth)
		if err != nil {
			res.Err = err.Error()
			return res
		}
		res.Curve = append(res.Curve, p)
		cfg.logf("  breadth %d: recall %.3f, p50 %v", b, p.Recall, p.P50)
	}
	if sys.Scoped() {
		p, err := searchAll(cfg, d, sys, 0, scopeAgent, d.ftruth)
		if err != nil {
			res.Err = err.Error()
			return res
		}
		res.Filtered = &p
		cfg.logf("  one agent's scope: recall %.3f, p50 %v", p.Recall, p.P50)
	}
	runtime.KeepAlive(sys)
	return res
}

func searchAll(cfg *Config, d *dataset, sys System, breadth, agent int, truth [][]int) (Point, error) {
	p := Point{Breadth: breadth}
	times := make([]time.Duration, 0, len(d.queries))
	// One pass to warm the caches, then the measured pass.
	for _, q := range d.queries[:min(20, len(d.queries))] {
		if _, err := sys.Search(q, cfg.K, breadth, agent); err != nil {
			return p, err
		}
	}
	c0 := cpuTime()
	var recall float64
	for qi, q := range d.queries {
		t0 := time.Now()
		got, err := sys.Search(q, cfg.K, breadth, agent)
		times = append(times, time.Since(t0))
		if err != nil {
			return p, err
		}
		recall += vecdata.Recall(got, truth[qi])
	}
	p.CPU = (cpuTime() - c0) / time.Duration(len(d.queries))
	p.Recall = recall / float64(len(d.queries))
	slices.Sort(times)
	p.P50, p.P99 = times[len(times)/2], times[len(times)*99/100]
	return p, nil
}

// runExact measures exact search in one agent's scope of set.N vectors, on
// one core (GOMAXPROCS 1: chromem-go would otherwise use every core).
func runExact(cfg *Config, set Set) []SystemResult {
	d := load(cfg, set, cfg.Queries)
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	var out []SystemResult
	chrom, _ := NewChromem()
	for _, sys := range []System{NewInmem(set.Dims, false), chrom} {
		if !cfg.want(sys.Name()) {
			continue
		}
		res := SystemResult{Name: sys.Name()}
		for i, it := range d.items {
			it.Agent = scopeAgent
			if err := sys.Add(i, it); err != nil {
				res.Err = err.Error()
			}
		}
		p, err := searchAll(cfg, d, sys, 0, scopeAgent, d.truth)
		if err != nil {
			res.Err = err.Error()
		}
		res.Filtered = &p
		cfg.logf("exact %s: %s recall %.3f p50 %v", set, sys.Name(), p.Recall, p.P50)
		out = append(out, res)
	}
	return out
}

// runRecovery loads set into a durable store, closes it and times Open,
// without the index and with it (rebuilt from the data).
func runRecovery(cfg *Config, set Set) (*RecoveryResult, error) {
	dir, err := os.MkdirTemp("", "vectorbench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	d := load(cfg, set, 1)
	s, err := mvcc.Open(dir, mvcc.WithSync(mvcc.SyncNone))
	if err != nil {
		return nil, err
	}
	for i, it := range d.items {
		if _, err := s.Put(Key(i, it), core.VectorValue(it.Vec), 0); err != nil {
			return nil, err
		}
	}
	if err := s.Checkpoint(); err != nil {
		return nil, err
	}
	if err := s.Close(); err != nil {
		return nil, err
	}
	rr := &RecoveryResult{Set: set}
	idx := mvcc.WithVectorIndex(mvcc.VectorIndex{Within: core.TenantPrefix(tenant), Dims: set.Dims})
	for _, opts := range [][]mvcc.Option{nil, {idx}} {
		t0 := time.Now()
		s, err := mvcc.Open(dir, opts...)
		if err != nil {
			return nil, err
		}
		took := time.Since(t0)
		if opts == nil {
			rr.Plain = took
		} else {
			rr.Indexed = took
		}
		cfg.logf("recovery of %s: %v (index: %v)", set, took, opts != nil)
		if err := s.Close(); err != nil {
			return nil, err
		}
	}
	return rr, nil
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// cpuTime returns the CPU time the process has used, every thread.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
