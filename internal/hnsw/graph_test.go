package hnsw

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vecdata"
	"github.com/stretchr/testify/require"
)

func keyOf(scope string, i int) string { return fmt.Sprintf("%s/%07d", scope, i) }

// entry is what the model holds for a key.
type entry struct {
	v  []float32
	dl Deadline
}

// modelTopK is the brute-force answer: the keys the filter accepts, best
// first, ties in key order, scored by the same kernels as the index.
func modelTopK(t *testing.T, m core.Metric, model map[string]entry, q []float32, k int, f Filter) []string {
	vq, err := core.NewVectorQuery(m, q)
	require.NoError(t, err)
	type sk struct {
		s float32
		k string
	}
	var all []sk
	for key, e := range model {
		if !strings.HasPrefix(key, f.Prefix) || !e.dl.After(f.Now) {
			continue
		}
		s, ok := vq.ScoreVector(e.v)
		require.True(t, ok)
		all = append(all, sk{s, key})
	}
	slices.SortFunc(all, func(a, b sk) int {
		switch {
		case a.s > b.s:
			return -1
		case a.s < b.s:
			return 1
		}
		return strings.Compare(a.k, b.k)
	})
	var out []string
	for _, x := range all[:min(k, len(all))] {
		out = append(out, x.k)
	}
	return out
}

func hitKeys(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Key)
	}
	return out
}

func recallOf(got, want []string) float64 {
	if len(want) == 0 {
		return 1
	}
	n := 0
	for _, w := range want {
		if slices.Contains(got, w) {
			n++
		}
	}
	return float64(n) / float64(len(want))
}

// TestModel applies random sets, overwrites, touches and deletes in batches,
// publishes after each, and checks every published version against its
// model: the invariants, the exact search (equal to brute force), that every
// hit of the walk is one of the version's live vectors, and that earlier
// versions are untouched by later edits.
func TestModel(t *testing.T) {
	spec := vecdata.Spec{Seed: 7, Dims: 16, Clusters: 8, Spread: 0.25}
	pool := spec.Vectors(400)
	for _, m := range []core.Metric{core.Cosine, core.DotProduct, core.Euclidean} {
		t.Run(m.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, uint64(m)))
			g := New(Config{Dims: 16, Metric: m, M: 4, EfConstruction: 16})
			var e Edit
			model := map[string]entry{}
			type version struct {
				g     Graph
				model map[string]entry
			}
			var versions []version
			var walkRecall mean
			scopes := []string{"a", "b", "c/x", "c/y"}
			batches := 60
			if raceEnabled {
				batches = 30
			}
			for batch := range batches {
				e.Reset(&g)
				for range 1 + r.IntN(12) {
					key := keyOf(scopes[r.IntN(len(scopes))], r.IntN(60))
					switch x := r.IntN(10); {
					case x < 6: // set a (perhaps new) vector
						v := pool[r.IntN(len(pool))]
						dl := Never
						if r.IntN(4) == 0 {
							dl = Deadline{Sec: int64(r.IntN(10)), Nsec: int32(r.IntN(3))}
						}
						e.Set(key, core.VectorValue(v), dl)
						model[key] = entry{v, dl}
					case x < 7: // the same vector, a new deadline
						if old, ok := model[key]; ok {
							dl := Deadline{Sec: int64(r.IntN(10))}
							e.Set(key, core.VectorValue(old.v), dl)
							model[key] = entry{old.v, dl}
						}
					default:
						_, had := model[key]
						require.Equal(t, had, e.Delete(key))
						delete(model, key)
					}
				}
				var next Graph
				e.Publish(&next)
				g = next
				require.NoError(t, g.check(), "batch %d", batch)

				require.Equal(t, len(model), g.Len())
				versions = append(versions, version{g, clone(model)})
				// Every retained version still answers as it did.
				for _, v := range versions[max(0, len(versions)-5):] {
					checkVersion(t, m, &v.g, v.model, r, pool, &walkRecall)
				}
			}
			// Tiny graphs with tombstones and M=4 need not be connected, so a
			// walk may miss some; on the whole it finds nearly all.
			t.Logf("walk recall %.3f over %d searches", walkRecall.get(), walkRecall.n)
			require.GreaterOrEqual(t, walkRecall.get(), 0.9)
		})
	}
}

func clone(m map[string]entry) map[string]entry {
	c := make(map[string]entry, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// mean is a running mean.
type mean struct {
	sum float64
	n   int
}

func (m *mean) add(x float64) { m.sum += x; m.n++ }
func (m *mean) get() float64  { return m.sum / float64(max(m.n, 1)) }

func checkVersion(t *testing.T, m core.Metric, g *Graph, model map[string]entry, r *rand.Rand, pool [][]float32, walkRecall *mean) {
	t.Helper()
	require.NoError(t, g.check())
	for _, prefix := range []string{"", "a", "c/", "c/y", "zz"} {
		q := pool[r.IntN(len(pool))]
		f := Filter{Prefix: prefix, Now: Deadline{Sec: int64(r.IntN(10)), Nsec: 1}}
		vq, _ := core.NewVectorQuery(m, q)
		k := 1 + r.IntN(8)
		want := modelTopK(t, m, model, q, k, f)
		if prefix != "" {
			exact := g.Search(&vq, k, f, SearchOptions{ExactBelow: 1 << 30}, nil)
			require.Equal(t, want, hitKeys(exact), "exact search under %q", prefix)
		}
		walk := g.Search(&vq, k, f, SearchOptions{ExactBelow: -1, Ef: 64}, nil)
		require.LessOrEqual(t, len(walk), len(want))
		for _, h := range walk {
			e, ok := model[h.Key]
			require.True(t, ok, "hit %q is in the version", h.Key)
			require.True(t, strings.HasPrefix(h.Key, prefix) && e.dl.After(f.Now), "hit %q passes the filter", h.Key)
			require.True(t, h.Val.Equal(core.VectorValue(e.v)), "hit %q has the version's vector", h.Key)
		}
		walkRecall.add(recallOf(hitKeys(walk), want))
	}
}

// TestRecall builds an index of clustered vectors and checks recall@10 of
// the walk against brute force, for each metric; and of filtered walks in a
// scope holding a tenth of the vectors.
func TestRecall(t *testing.T) {
	n, dims := 4000, 32
	if testing.Short() || raceEnabled {
		n = 600
	}
	spec := vecdata.Spec{Seed: 3, Dims: dims, Clusters: 20, Spread: 0.18}
	data := spec.Vectors(n)
	queries := spec.Queries(50)
	for _, m := range []core.Metric{core.Cosine, core.DotProduct, core.Euclidean} {
		t.Run(m.String(), func(t *testing.T) {
			g := New(Config{Dims: dims, Metric: m})
			var e Edit
			e.Reset(&g)
			model := map[string]entry{}
			for i, v := range data {
				scope := "rest"
				if i%10 == 0 {
					scope = "tenth"
				}
				key := keyOf(scope, i)
				e.Set(key, core.VectorValue(v), Never)
				model[key] = entry{v, Never}
			}
			e.Publish(&g)
			require.NoError(t, g.check())
			for _, f := range []Filter{{}, {Prefix: "tenth/"}} {
				var sum float64
				for _, q := range queries {
					vq, _ := core.NewVectorQuery(m, q)
					got := g.Search(&vq, 10, f, SearchOptions{ExactBelow: -1}, nil)
					sum += recallOf(hitKeys(got), modelTopK(t, m, model, q, 10, f))
				}
				recall := sum / float64(len(queries))
				t.Logf("%s %q recall@10 %.3f", m, f.Prefix, recall)
				require.GreaterOrEqual(t, recall, 0.95, "recall@10 under %q", f.Prefix)
			}
		})
	}
}
