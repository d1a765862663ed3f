package proptest

import (
	"fmt"
	"slices"

	"github.com/inmemdb/inmem/core"
)

// The Model's vector search (core.VectorSearcher): exact, by brute force
// over the live values of a version, scored by core's kernels; and the rule
// a store with a vector index keeps (AddVectorIndex).

// modelIndex is a vector index the Model mimics the rules of.
type modelIndex struct {
	within core.Prefix
	dims   int
	metric core.Metric
}

// AddVectorIndex makes the Model keep the rules of a store with a vector
// index over within (mvcc.WithVectorIndex): a write of a vector of another
// length than dims under within, or of one holding a NaN or an infinity, is
// refused with ErrInvalidValue and changes nothing; and a search under
// within whose query has dims elements scores by metric unless an option says
// otherwise (the narrowest such index decides). Call it before the Model is
// used; it is not safe for concurrent use with the Model's other methods.
func (m *Model) AddVectorIndex(within core.Prefix, dims int, metric core.Metric) {
	if metric == 0 {
		metric = core.Cosine
	}
	m.indexes = append(m.indexes, modelIndex{within: within, dims: dims, metric: metric})
}

// checkVector refuses value under key as a store with the Model's indexes
// does.
func (m *Model) checkVector(key core.Key, value core.Value) error {
	if value.Kind() != core.KindVector {
		return nil
	}
	for _, ix := range m.indexes {
		if ix.within.Match(key) && (value.Len() != ix.dims || !core.VectorFinite(value)) {
			return fmt.Errorf("%w: %s: a vector of %d elements (finite: %v) under an index of %d", core.ErrInvalidValue, key, value.Len(), core.VectorFinite(value), ix.dims)
		}
	}
	return nil
}

// metricFor returns the metric of a search under p for a query of dims
// elements without a Similarity option.
func (m *Model) metricFor(p core.Prefix, dims int) core.Metric {
	best, metric := -1, core.Cosine
	for _, ix := range m.indexes {
		if ix.dims != dims || !within(p, ix.within) {
			continue
		}
		if l := len(ix.within.AppendEncode(nil)); l > best {
			best, metric = l, ix.metric
		}
	}
	return metric
}

// within reports whether every key p matches is one outer matches.
func within(p, outer core.Prefix) bool {
	pe, oe := p.AppendEncode(nil), outer.AppendEncode(nil)
	return len(pe) >= len(oe) && string(pe[:len(oe)]) == string(oe)
}

// Search returns the k live vectors under p closest to query, best first
// (ties in key order), by brute force at the current version, expiry judged
// at now. Errors as core.VectorSearcher's. Safe for concurrent use.
func (m *Model) Search(p core.Prefix, query []float32, k int, opts ...core.SearchOption) ([]core.Hit, error) {
	return m.Snapshot().search(m, p, query, k, opts)
}

// Search is Model.Search on the snapshot's version, expiry judged at the
// moment it was taken.
func (s *ModelSnapshot) Search(p core.Prefix, query []float32, k int, opts ...core.SearchOption) ([]core.Hit, error) {
	return s.search(s.m, p, query, k, opts)
}

func (s *ModelSnapshot) search(m *Model, p core.Prefix, query []float32, k int, opts []core.SearchOption) ([]core.Hit, error) {
	if k <= 0 {
		return nil, fmt.Errorf("%w: k %d", core.ErrInvalidArgument, k)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	o := core.NewSearchOptions(opts...)
	if o.Err != nil {
		return nil, o.Err
	}
	metric := o.Metric
	if metric == 0 {
		metric = core.Cosine
		if m != nil {
			metric = m.metricFor(p, len(query))
		}
	}
	q, err := core.NewVectorQuery(metric, query)
	if err != nil {
		return nil, err
	}
	var hits []core.Hit
	for _, e := range s.live {
		if !p.Match(e.Key) {
			continue
		}
		sc, ok := q.Score(e.Value.Value)
		if !ok || (o.HasMinScore && sc < o.MinScore) {
			continue
		}
		hits = append(hits, core.Hit{Key: e.Key, Value: e.Value, Score: sc})
	}
	slices.SortStableFunc(hits, func(a, b core.Hit) int { // s.live is in key order
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	return hits[:min(k, len(hits))], nil
}
