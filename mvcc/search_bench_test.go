package mvcc

import (
	"fmt"
	"sync"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vecdata"
)

// The vector search benchmarks: exact search in one agent's scope, indexed
// search at several breadths (with recall@10 reported beside the time), a
// search in a scope of 1%, and puts into an index. The cross-library
// comparison at 100K and 1M vectors is bench/cmd/vectorbench.

type benchVectors struct {
	s       *Store
	data    [][]float32
	queries [][]float32
	truth   [][]int
}

var (
	benchVecOnce sync.Map // name -> *benchVectors
)

func benchVecNS(agent int) core.Namespace {
	return core.Namespace{Tenant: "bench", App: "app", Agent: fmt.Sprintf("agent-%03d", agent), RunID: core.RunID{1}}
}

// benchVectorStore returns a store holding n clustered vectors of dims
// elements spread over agents agents (with an index over the tenant when
// indexed), built once per configuration.
func benchVectorStore(b *testing.B, n, dims, agents int, indexed bool) *benchVectors {
	name := fmt.Sprint(n, dims, agents, indexed)
	if v, ok := benchVecOnce.Load(name); ok {
		return v.(*benchVectors)
	}
	spec := vecdata.Spec{Seed: 42, Dims: dims, Clusters: 100, Spread: 0.5 / sqrt(float64(dims))}
	bv := &benchVectors{data: spec.Vectors(n), queries: spec.Queries(100)}
	var opts []Option
	if indexed {
		opts = append(opts, WithVectorIndex(VectorIndex{Within: core.TenantPrefix("bench"), Dims: dims}))
	}
	bv.s = New(opts...)
	for i, v := range bv.data {
		if _, err := bv.s.Put(core.VectorKey(benchVecNS(i%agents), fmt.Sprint(i)), core.VectorValue(v), 0); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range bv.queries {
		bv.truth = append(bv.truth, vecdata.TopK(core.Cosine, q, bv.data, 10, nil))
	}
	benchVecOnce.Store(name, bv)
	return bv
}

func sqrt(x float64) float64 {
	z := x / 2
	for range 40 {
		z = (z + x/z) / 2
	}
	return z
}

// BenchmarkSearchExact: 10K vectors of 384 in one agent's scope (the
// store holds nothing else), no index: one pass over the scope.
func BenchmarkSearchExact(b *testing.B) {
	bv := benchVectorStore(b, 10_000, 384, 1, false)
	p := core.AgentPrefix("bench", "app", "agent-000")
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := benchProcessCPU()
	for i := range b.N {
		if _, err := bv.s.Search(p, bv.queries[i%len(bv.queries)], 10); err != nil {
			b.Fatal(err)
		}
	}
	benchCPU(b, cpu0, b.N)
}

// BenchmarkSearchIndexed: 20K vectors of 384 under an index, searched at
// several breadths; recall@10 against brute force is reported.
func BenchmarkSearchIndexed(b *testing.B) {
	bv := benchVectorStore(b, 20_000, 384, 100, true)
	for _, breadth := range []int{16, 32, 64, 128} {
		b.Run(fmt.Sprint("breadth=", breadth), func(b *testing.B) {
			var recall float64
			b.ReportAllocs()
			for i := range b.N {
				qi := i % len(bv.queries)
				hits, err := bv.s.Search(core.TenantPrefix("bench"), bv.queries[qi], 10, SearchBreadth(breadth))
				if err != nil {
					b.Fatal(err)
				}
				if i < len(bv.queries) {
					got := make([]int, len(hits))
					for j, h := range hits {
						fmt.Sscan(string(h.Key.UserKey), &got[j])
					}
					recall += vecdata.Recall(got, bv.truth[qi])
				}
			}
			b.ReportMetric(recall/float64(min(b.N, len(bv.queries))), "recall@10")
		})
	}
}

// BenchmarkSearchScope: a search in one agent's scope, 1% of the 20K
// vectors under the index: counted and scanned through the index.
func BenchmarkSearchScope(b *testing.B) {
	bv := benchVectorStore(b, 20_000, 384, 100, true)
	p := core.AgentPrefix("bench", "app", "agent-007")
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := benchProcessCPU()
	for i := range b.N {
		if _, err := bv.s.Search(p, bv.queries[i%len(bv.queries)], 10); err != nil {
			b.Fatal(err)
		}
	}
	benchCPU(b, cpu0, b.N)
}

// BenchmarkPutVectorIndexed: a put of a 384-element vector into a store
// whose index holds 20K: one commit, the graph insert included.
func BenchmarkPutVectorIndexed(b *testing.B) {
	bv := benchVectorStore(b, 20_000, 384, 100, true)
	extra := vecdata.Spec{Seed: 43, Dims: 384, Clusters: 100, Spread: 0.5 / sqrt(384)}.Vectors(1000)
	ns := benchVecNS(999)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := benchProcessCPU()
	for i := range b.N {
		if _, err := bv.s.Put(core.VectorKey(ns, fmt.Sprint(i%2000)), core.VectorValue(extra[i%len(extra)]), 0); err != nil {
			b.Fatal(err)
		}
	}
	benchCPU(b, cpu0, b.N)
}

// BenchmarkSnapshotIndexed: a snapshot of a store whose index holds 1K and
// 20K vectors of 384: the same cost at either size (the index is part of
// the root the snapshot loads).
func BenchmarkSnapshotIndexed(b *testing.B) {
	for _, n := range []int{1000, 20_000} {
		b.Run(fmt.Sprintf("vectors=%dK", n/1000), func(b *testing.B) {
			bv := benchVectorStore(b, n, 384, 100, true)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				benchSnapshotSink = bv.s.Snapshot()
			}
			if benchSnapshotSink.Len() != n {
				b.Fatalf("snapshot holds %d keys, want %d", benchSnapshotSink.Len(), n)
			}
		})
	}
}
