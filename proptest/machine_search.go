package proptest

import (
	"fmt"
	"math"

	"github.com/inmemdb/inmem/core"
)

// The steps of core.VectorSearcher: vector puts and searches.

// vectorPool returns the vectors the vector steps put: of the index's length
// (3 without one), with a duplicate and a scaled copy (ties under cosine), an
// all-zero one, one of another length and one with a NaN.
func vectorPool(o *options) []core.Value {
	dims := 3
	if o.vindex != nil {
		dims = o.vindex.dims
	}
	mk := func(f func(i int) float32) core.Value {
		v := make([]float32, dims)
		for i := range v {
			v[i] = f(i)
		}
		return core.VectorValue(v)
	}
	pool := []core.Value{
		mk(func(i int) float32 { return float32(i%3) - 1 }),
		mk(func(i int) float32 { return float32((i*7)%5) - 2 }),
		mk(func(i int) float32 { return float32((i*5)%4) * 0.5 }),
		mk(func(i int) float32 { return 1 / float32(i+1) }),
		mk(func(i int) float32 { return float32(i%3) - 1 }),       // a duplicate: equal scores
		mk(func(i int) float32 { return 2 * (float32(i%3) - 1) }), // a scaled copy: equal cosine
		mk(func(i int) float32 { return 0 }),
		core.VectorValue(make([]float32, dims+1)),
		mk(func(i int) float32 {
			if i == 0 {
				return float32(math.NaN())
			}
			return 1
		}),
	}
	return pool
}

// putVector puts a vector of the pool under a drawn key.
func (m *machine) putVector() {
	m.doPut(m.key(), m.vecs[m.d.draw(len(m.vecs), "vector")], m.ttl())
}

// searcher is one side of a search: the store or a view of it, and the
// Model's counterpart.
type searcher struct {
	got  core.VectorSearcher
	want core.VectorSearcher
	what string
}

// searchTarget draws where to search: the store now, or a kept snapshot.
func (m *machine) searchTarget() searcher {
	if i := m.d.draw(len(m.snaps)+1, "search target"); i < len(m.snaps) {
		if vs, ok := m.snaps[i].sn.(core.VectorSearcher); ok {
			return searcher{vs, m.snaps[i].model, fmt.Sprintf("snapshot at %d", m.snaps[i].model.Version())}
		}
	}
	return searcher{m.c.search, m.model, "store"}
}

// search compares a search of the store with the Model's.
func (m *machine) search() {
	t := m.searchTarget()
	// With an index, half the searches are where it serves: in its scope,
	// by its metric, not Exact.
	indexed := m.o.vindex != nil && m.d.draw(2, "indexed") == 0
	p := m.corePrefix()
	if indexed {
		p = m.prefixWithin(m.o.vindex.within)
	}
	k := []int{1, 2, 3, 5, 0}[m.d.draw(5, "k")]
	var query []float32
	switch i := m.d.draw(len(m.vecs)+2, "query"); {
	case i < len(m.vecs):
		query = m.vecs[i].Vector()
	case i == len(m.vecs):
		query = nil
	default:
		query = []float32{float32(math.Inf(1))}
	}
	var opts []core.SearchOption
	exact := !indexed && m.d.draw(2, "exact") == 0
	if exact {
		opts = append(opts, core.Exact())
	}
	if indexed {
		if m.d.draw(2, "index metric") == 0 {
			opts = append(opts, core.Similarity(m.o.vindex.metric))
		}
	} else if metric := core.Metric(m.d.draw(5, "metric")); metric <= core.Euclidean {
		opts = append(opts, core.Similarity(metric)) // 0: an invalid metric
	}
	if m.d.draw(4, "min score") == 0 {
		opts = append(opts, core.MinScore([]float32{-1, 0, 0.5}[m.d.draw(3, "floor")]))
	}
	what := fmt.Sprintf("Search(%s, %v, %d, %d options, exact %v) on the %s", p, query, k, len(opts), exact, t.what)
	want, wantErr := t.want.Search(p, query, k, opts...)
	got, gotErr := t.got.Search(p, query, k, opts...)
	if d := diffErr(gotErr, wantErr); d != "" || gotErr != nil {
		m.fail(d, "%s", what)
		return
	}
	if exact {
		m.fail(diffHits(got, want, m.ts), "%s", what)
		return
	}
	// Approximate: every hit must be one of the Model's candidates, with its
	// value and score, best first.
	all, _ := t.want.Search(p, query, 1<<30, opts...)
	byKey := map[mkey]core.Hit{}
	for _, h := range all {
		byKey[keyOf(h.Key)] = h
	}
	if len(got) > len(want) {
		m.fail(fmt.Sprintf("%d hits, the Model has %d", len(got), len(want)), "%s", what)
	}
	for i, h := range got {
		w, ok := byKey[keyOf(h.Key)]
		switch {
		case !ok:
			m.fail(fmt.Sprintf("hit %s is no live vector under the prefix", h.Key), "%s", what)
		case diffVV(h.Value, w.Value, m.ts) != "" || h.Score != w.Score:
			m.fail(fmt.Sprintf("hit %s: %v scored %v, want %v scored %v", h.Key, h.Value, h.Score, w.Value, w.Score), "%s", what)
		case i > 0 && got[i-1].Score < h.Score:
			m.fail(fmt.Sprintf("hit %d scores %v above hit %d's %v", i, h.Score, i-1, got[i-1].Score), "%s", what)
		}
	}
	// Recall: hits scoring at least the Model's k-th best are in its top k
	// (up to ties).
	if len(want) > 0 {
		floor := want[len(want)-1].Score
		for _, h := range got {
			if h.Score >= floor {
				m.found++
			}
		}
		m.wanted += len(want)
	}
	if m.wanted >= 40 && float64(m.found) < 0.9*float64(m.wanted) {
		m.f.Fatalf("approximate searches recall %d of the Model's %d best hits: below 90%%", m.found, m.wanted)
	}
}

// prefixWithin draws a prefix inside within: within itself, or a namespace
// or key prefix of the key space that it matches (within when none does).
func (m *machine) prefixWithin(within core.Prefix) core.Prefix {
	var inside []core.Prefix
	for _, ns := range space.namespaces {
		if within.Match(core.NewKey(ns, core.TypeKV, nil)) {
			inside = append(inside, core.NamespacePrefix(ns), core.KeyPrefix(core.NewKey(ns, core.TypeKV, nil)))
		}
	}
	if i := m.d.draw(len(inside)+1, "prefix within"); i < len(inside) {
		return inside[i]
	}
	return within
}

// diffHits describes how got differs from want (keys, values, scores), or
// returns "".
func diffHits(got, want []core.Hit, ts bool) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d hits %v, want %d %v", len(got), hitKeys(got), len(want), hitKeys(want))
	}
	for i := range got {
		if !got[i].Key.Equal(want[i].Key) {
			return fmt.Sprintf("hit %d is %s, want %s (hits %v, want %v)", i, got[i].Key, want[i].Key, hitKeys(got), hitKeys(want))
		}
		if d := diffVV(got[i].Value, want[i].Value, ts); d != "" {
			return fmt.Sprintf("hit %d (%s): %s", i, got[i].Key, d)
		}
		if got[i].Score != want[i].Score {
			return fmt.Sprintf("hit %d (%s) scores %v, want %v", i, got[i].Key, got[i].Score, want[i].Score)
		}
	}
	return ""
}

func hitKeys(hs []core.Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Key.String()
	}
	return out
}
