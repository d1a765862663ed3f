package hnsw

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vecdata"
	"github.com/stretchr/testify/require"
)

// TestConcurrentSearch publishes version after version from one editor while
// searchers walk whatever version is current: under -race this proves that
// an edit never writes a node a published graph holds, and every hit must be
// a live vector of the version searched.
func TestConcurrentSearch(t *testing.T) {
	spec := vecdata.Spec{Seed: 5, Dims: 8, Clusters: 4, Spread: 0.3}
	pool := spec.Vectors(200)
	type version struct {
		g    Graph
		live map[string]int // key -> index in pool
	}
	var cur atomic.Pointer[version]
	g := New(Config{Dims: 8, Metric: core.Euclidean, M: 4, EfConstruction: 16})
	cur.Store(&version{g: g, live: map[string]int{}})

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var searches atomic.Int64
	errs := make(chan string, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				v := cur.Load()
				q, _ := core.NewVectorQuery(core.Euclidean, pool[(i*7+w)%len(pool)])
				prefix := []string{"", "a", "b"}[i%3]
				for _, h := range v.g.Search(&q, 5, Filter{Prefix: prefix}, SearchOptions{ExactBelow: -1}, nil) {
					j, ok := v.live[h.Key]
					if !ok || !strings.HasPrefix(h.Key, prefix) || !h.Val.Equal(core.VectorValue(pool[j])) {
						select {
						case errs <- h.Key:
						default:
						}
						return
					}
				}
				searches.Add(1)
			}
		}()
	}
	var e Edit
	live := map[string]int{}
	batches := 300
	if raceEnabled {
		batches = 100
	}
	for batch := 0; batch < batches && ctx.Err() == nil; batch++ {
		v := cur.Load()
		e.Reset(&v.g)
		for i := range 5 {
			key := keyOf([]string{"a", "b"}[(batch+i)%2], (batch*5+i*3)%40)
			if (batch+i)%4 == 3 {
				e.Delete(key)
				delete(live, key)
				continue
			}
			j := (batch*13 + i) % len(pool)
			e.Set(key, core.VectorValue(pool[j]), Never)
			live[key] = j
		}
		next := &version{live: clone2(live)}
		e.Publish(&next.g)
		cur.Store(next)
	}
	cancel()
	wg.Wait()
	close(errs)
	for k := range errs {
		t.Fatalf("a search returned %q, not a live vector of its version", k)
	}
	require.NoError(t, cur.Load().g.check())
	t.Logf("%d searches", searches.Load())
}

func clone2(m map[string]int) map[string]int {
	c := make(map[string]int, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
