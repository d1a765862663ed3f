package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

type searchArgs struct {
	scopeArgs
	Vector   []float32 `json:"vector" jsonschema:"the query embedding (its length must match the stored vectors')"`
	K        int       `json:"k,omitempty" jsonschema:"how many hits (default 10, at most 1000)"`
	Metric   string    `json:"metric,omitempty" jsonschema:"cosine, dot or euclidean; default: the index's, or cosine"`
	MinScore *float32  `json:"min_score,omitempty" jsonschema:"leave out hits scoring below this (higher is closer in every metric)"`
	Exact    bool      `json:"exact,omitempty" jsonschema:"compare every vector of the scope even where an index covers it"`
}

type hitOut struct {
	entryOut
	Score float32 `json:"score"`
}

type searchResult struct {
	Hits []hitOut `json:"hits" jsonschema:"best first"`
}

func metricByName(name string) (core.Metric, bool) {
	for m := core.Cosine; m.Valid(); m++ {
		if m.String() == name {
			return m, true
		}
	}
	return 0, false
}

func (m *memory) search(_ context.Context, a searchArgs) (searchResult, error) {
	k, err := limitOf(a.K, 10)
	if err != nil {
		return searchResult{}, fmt.Errorf("k: %w", err)
	}
	p, err := a.prefix()
	if err != nil {
		return searchResult{}, err
	}
	var opts []mvcc.SearchOption
	if a.Metric != "" {
		mt, ok := metricByName(a.Metric)
		if !ok {
			return searchResult{}, fmt.Errorf("%w: unknown metric %q (cosine, dot or euclidean)", core.ErrInvalidArgument, a.Metric)
		}
		opts = append(opts, mvcc.Similarity(mt))
	}
	if a.MinScore != nil {
		opts = append(opts, mvcc.MinScore(*a.MinScore))
	}
	if a.Exact {
		opts = append(opts, mvcc.Exact())
	}
	st, err := m.target(a.Branch)
	if err != nil {
		return searchResult{}, err
	}
	hits, err := st.Search(p, a.Vector, k, opts...)
	if err != nil {
		return searchResult{}, err
	}
	res := searchResult{Hits: make([]hitOut, 0, len(hits))}
	for _, h := range hits {
		res.Hits = append(res.Hits, hitOut{entryOut: outOf(h.Key, h.Value), Score: h.Score})
	}
	return res, nil
}

// parseVectorIndex reads a --vector-index flag: SCOPE=DIMS[:METRIC], the
// scope as dump's --within takes it.
func parseVectorIndex(s string) (mvcc.VectorIndex, error) {
	scope, spec, ok := strings.Cut(s, "=")
	if !ok {
		return mvcc.VectorIndex{}, fmt.Errorf("--vector-index %q: want SCOPE=DIMS[:METRIC]", s)
	}
	p, err := parseWithin(scope)
	if err != nil {
		return mvcc.VectorIndex{}, fmt.Errorf("--vector-index %q: %w", s, err)
	}
	dims, metric, _ := strings.Cut(spec, ":")
	n, err := strconv.Atoi(dims)
	if err != nil || n <= 0 {
		return mvcc.VectorIndex{}, fmt.Errorf("--vector-index %q: dimensions %q: want a positive number", s, dims)
	}
	cfg := mvcc.VectorIndex{Within: p, Dims: n}
	if metric != "" {
		if cfg.Metric, ok = metricByName(metric); !ok {
			return mvcc.VectorIndex{}, fmt.Errorf("--vector-index %q: unknown metric %q (cosine, dot or euclidean)", s, metric)
		}
	}
	return cfg, nil
}
