package core

import "fmt"

// Hit is one result of a vector search: a key, its KindVector value as
// stored, and the value's score against the query (higher is closer).
type Hit struct {
	Key   Key
	Value VersionedValue
	Score float32
}

// SearchOption shapes a vector search (see VectorSearcher): the metric, an
// exact scan instead of an index, a score floor, the breadth of an index
// walk. Options are plain values, safe to share and reuse. A store reads them
// with NewSearchOptions.
type SearchOption func(*SearchOptions)

// SearchOptions is what a list of SearchOptions asks for, as a store reads
// it. The zero value asks for the default metric (the index's, or Cosine),
// the index where one covers the scope, no score floor and the index's
// default breadth.
type SearchOptions struct {
	// Metric, when valid: score by it. 0: the covering index's metric, or
	// Cosine without one.
	Metric Metric
	// Exact: compare every vector of the scope, even where an index covers it.
	Exact bool
	// MinScore, when HasMinScore: leave out hits scoring below it.
	MinScore    float32
	HasMinScore bool
	// Breadth: how many candidates an index walk keeps (more: better recall,
	// slower); 0: the index's default. Exact scans ignore it.
	Breadth int
	// Err is the first invalid option (an unknown metric, a NaN floor): an
	// error wrapping ErrInvalidArgument, which the search returns.
	Err error
}

// Similarity scores the search by m (default: the covering index's metric,
// or Cosine). An index built for another metric is not used: the search is
// exact. An unknown m makes the search fail with ErrInvalidArgument.
func Similarity(m Metric) SearchOption {
	return func(o *SearchOptions) {
		if !m.Valid() {
			o.Err = fmt.Errorf("%w: unknown metric %s", ErrInvalidArgument, m)
			return
		}
		o.Metric = m
	}
}

// Exact makes the search compare every vector of the scope even where an
// index covers it: exact results, at the cost of a full scan of the scope.
func Exact() SearchOption { return func(o *SearchOptions) { o.Exact = true } }

// MinScore leaves out hits scoring below s. A NaN s makes the search fail
// with ErrInvalidArgument.
func MinScore(s float32) SearchOption {
	return func(o *SearchOptions) {
		if s != s {
			o.Err = fmt.Errorf("%w: NaN minimum score", ErrInvalidArgument)
			return
		}
		o.MinScore, o.HasMinScore = s, true
	}
}

// SearchBreadth sets how many candidates an index walk keeps (at least k):
// the knob between recall and latency. n <= 0: the index's default. Exact
// scans ignore it.
func SearchBreadth(n int) SearchOption {
	return func(o *SearchOptions) { o.Breadth = max(n, 0) }
}

// NewSearchOptions applies opts, in order, to the zero SearchOptions and
// returns the result; nil options are skipped. A store calls it once per
// search.
func NewSearchOptions(opts ...SearchOption) SearchOptions {
	var o SearchOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}
