package core

import (
	"fmt"
	"math"
)

// Metric is how close two vectors are: the score of a vector search. In
// every metric a higher score is closer.
type Metric uint8

// The metrics.
const (
	Cosine     Metric = iota + 1 // score: cosine similarity, in [-1, 1] (0 against an all-zero vector)
	DotProduct                   // score: dot product
	Euclidean                    // score: minus the Euclidean distance
)

var metricNames = [...]string{"", "cosine", "dot", "euclidean"}

// String returns the metric's name ("cosine", "dot", "euclidean").
func (m Metric) String() string {
	if m.Valid() {
		return metricNames[m]
	}
	return fmt.Sprintf("metric(%d)", uint8(m))
}

// Valid reports whether m is one of Cosine, DotProduct and Euclidean.
func (m Metric) Valid() bool { return m >= Cosine && m <= Euclidean }

// VectorQuery is a vector prepared for scoring others under one metric: the
// query of a vector search. It scores KindVector Values where they are, without
// copying them, with kernels written for the CPU (AVX2 and FMA where the
// processor has them, unrolled loops elsewhere). The zero VectorQuery scores
// nothing. A VectorQuery is immutable and safe for concurrent use.
type VectorQuery struct {
	q    []float32 // never changed: a copy of the caller's, or a stored Value's elements
	norm float32   // |q|, for Cosine
	m    Metric
}

// NewVectorQuery returns q prepared for scoring under m. It copies q. An
// invalid metric, an empty q, or a NaN or infinite element of q is refused
// with an error wrapping ErrInvalidArgument.
func NewVectorQuery(m Metric, q []float32) (VectorQuery, error) {
	if !m.Valid() {
		return VectorQuery{}, fmt.Errorf("%w: unknown metric %s", ErrInvalidArgument, m)
	}
	if len(q) == 0 {
		return VectorQuery{}, fmt.Errorf("%w: empty query vector", ErrInvalidArgument)
	}
	if i := nonFinite(q); i >= 0 {
		return VectorQuery{}, fmt.Errorf("%w: query element %d is %v", ErrInvalidArgument, i, q[i])
	}
	return newVectorQuery(m, append([]float32(nil), q...)), nil
}

// QueryOf returns the KindVector Value v prepared for scoring others under m
// (it shares v's elements: no copy), and true; or false when m is invalid or v
// is not a non-empty KindVector Value. v's elements are not checked for NaN or
// infinities: a NaN score is no score (see Score).
func (m Metric) QueryOf(v Value) (VectorQuery, bool) {
	if _, ok := v.any.(vectorptr); !ok || v.num == 0 || !m.Valid() {
		return VectorQuery{}, false
	}
	return newVectorQuery(m, v.vector()), true
}

func newVectorQuery(m Metric, q []float32) VectorQuery {
	vq := VectorQuery{q: q, m: m}
	if m == Cosine {
		vq.norm = float32(math.Sqrt(float64(dot(q, q))))
	}
	return vq
}

// Metric returns the query's metric (0 for the zero VectorQuery).
func (q *VectorQuery) Metric() Metric { return q.m }

// Len returns the query's length: the length of the vectors it scores.
func (q *VectorQuery) Len() int { return len(q.q) }

// Vector returns a copy of the query's elements.
func (q *VectorQuery) Vector() []float32 { return append([]float32(nil), q.q...) }

// AppendVector appends the query's elements to dst and returns the result.
func (q *VectorQuery) AppendVector(dst []float32) []float32 { return append(dst, q.q...) }

// Score returns the score of v against the query under its metric, and true;
// or false when v is not a KindVector Value of the query's length, or the
// score is NaN (v holds a NaN, or infinities that cancel). Higher is closer.
// It allocates nothing.
func (q *VectorQuery) Score(v Value) (float32, bool) {
	if _, ok := v.any.(vectorptr); !ok || int(v.num) != len(q.q) || len(q.q) == 0 {
		return 0, false
	}
	s := q.score(v.vector())
	return s, s == s
}

// ScoreMany scores each of vs as Score does, into scores (which must be at
// least as long as vs), with ok[i] false where Score would say false. While it
// scores one vector it asks the processor to load the next ones, so the
// memory loads of a batch overlap instead of waiting one after another: for
// vectors scattered in memory (the neighbours of a graph node) it is several
// times faster than a loop of Score. It allocates nothing.
func (q *VectorQuery) ScoreMany(vs []Value, scores []float32, ok []bool) {
	scores, ok = scores[:len(vs)], ok[:len(vs)]
	const ahead = 2
	for i := 0; i < ahead && i < len(vs); i++ {
		if p, isVec := vs[i].any.(vectorptr); isVec && p != nil {
			prefetch((*float32)(p))
		}
	}
	for i := range vs {
		if j := i + ahead; j < len(vs) {
			if p, isVec := vs[j].any.(vectorptr); isVec && p != nil {
				prefetch((*float32)(p))
			}
		}
		scores[i], ok[i] = q.Score(vs[i])
	}
}

// ScoreVector is Score for a vector given as a slice, which must have the
// query's length (false otherwise, or for a NaN score). It does not retain v.
func (q *VectorQuery) ScoreVector(v []float32) (float32, bool) {
	if len(v) != len(q.q) || len(v) == 0 {
		return 0, false
	}
	s := q.score(v)
	return s, s == s
}

// score scores v, of the query's length.
func (q *VectorQuery) score(v []float32) float32 {
	switch q.m {
	case Cosine:
		d, vv := dotNorm(q.q, v)
		if q.norm == 0 || vv == 0 {
			return 0
		}
		return d / (q.norm * float32(math.Sqrt(float64(vv))))
	case DotProduct:
		return dot(q.q, v)
	default: // Euclidean
		return -float32(math.Sqrt(float64(l2sq(q.q, v))))
	}
}

// nonFinite returns the index of the first NaN or infinite element of v, or
// -1.
func nonFinite(v []float32) int {
	for i, x := range v {
		if x-x != 0 { // NaN - NaN and Inf - Inf are NaN
			return i
		}
	}
	return -1
}

// VectorFinite reports whether v is a non-empty KindVector Value whose
// elements are all finite (no NaN, no infinity): a vector an index can place.
func VectorFinite(v Value) bool {
	if _, ok := v.any.(vectorptr); !ok || v.num == 0 {
		return false
	}
	return nonFinite(v.vector()) < 0
}
