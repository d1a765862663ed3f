package hnsw

import (
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vecdata"
)

var (
	benchN    = flag.Int("hnsw.n", 20000, "vectors in the benchmark index")
	benchDims = flag.Int("hnsw.dims", 384, "dimensions of the benchmark vectors")
	benchEfC  = flag.Int("hnsw.efc", 0, "EfConstruction of the benchmark index (0: the default)")
)

type benchIndex struct {
	g       Graph
	data    [][]float32
	queries [][]float32
	truth   [][]int // the exact top 10 of each query
	build   time.Duration
}

var benchIndexes = map[string]*benchIndex{}

func benchSpec(dims int) vecdata.Spec {
	return vecdata.Spec{Seed: 42, Dims: dims, Clusters: 100, Spread: 1 / float64(8) / 2}
}

func getBenchIndex(b *testing.B, n, dims int) *benchIndex {
	id := fmt.Sprint(n, "x", dims)
	if bi, ok := benchIndexes[id]; ok {
		return bi
	}
	spec := benchSpec(dims)
	bi := &benchIndex{data: spec.Vectors(n), queries: spec.Queries(200)}
	bi.g = New(Config{Dims: dims, Metric: core.Cosine, EfConstruction: *benchEfC})
	var e Edit
	e.Reset(&bi.g)
	start := time.Now()
	for i, v := range bi.data {
		e.Set(keyOf("k", i), core.VectorValue(v), Never)
	}
	e.Publish(&bi.g)
	bi.build = time.Since(start)
	for _, q := range bi.queries {
		bi.truth = append(bi.truth, vecdata.TopK(core.Cosine, q, bi.data, 10, nil))
	}
	b.Logf("built %d x %d in %v (%.1f µs per vector)", n, dims, bi.build, float64(bi.build.Microseconds())/float64(n))
	benchIndexes[id] = bi
	return bi
}

// BenchmarkSearch walks an index of -hnsw.n clustered vectors at several
// breadths and reports recall@10 beside the time per search.
func BenchmarkSearch(b *testing.B) {
	bi := getBenchIndex(b, *benchN, *benchDims)
	for _, ef := range []int{10, 16, 24, 32, 48, 64, 96, 128} {
		b.Run(fmt.Sprint("ef=", ef), func(b *testing.B) {
			var out []Hit
			var recall float64
			for i := 0; i < b.N; i++ {
				qi := i % len(bi.queries)
				q, _ := core.NewVectorQuery(core.Cosine, bi.queries[qi])
				out = bi.g.Search(&q, 10, Filter{}, SearchOptions{Ef: ef}, out[:0])
				if i < len(bi.queries) {
					got := make([]int, len(out))
					for j, h := range out {
						fmt.Sscanf(h.Key, "k/%d", &got[j])
					}
					recall += vecdata.Recall(got, bi.truth[qi])
				}
			}
			b.ReportMetric(recall/float64(min(b.N, len(bi.queries))), "recall@10")
		})
	}
}

// BenchmarkInsert adds vectors, one edit each (a commit of one put), to an
// index of -hnsw.n vectors.
func BenchmarkInsert(b *testing.B) {
	bi := getBenchIndex(b, *benchN, *benchDims)
	extra := benchSpec(*benchDims).Queries(1000)
	g := bi.g
	var e Edit
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Reset(&g)
		e.Set(keyOf("new", i), core.VectorValue(extra[i%len(extra)]), Never)
		e.Publish(&g)
	}
}
