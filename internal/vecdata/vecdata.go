// Package vecdata makes the synthetic vectors the tests and benchmarks of
// vector search share: clustered data with a fixed seed, queries drawn near
// it, and a brute-force top k to measure recall against.
package vecdata

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/inmemdb/inmem/core"
)

// Spec describes a clustered data set: Clusters centres drawn uniformly on
// the unit sphere of Dims dimensions from Seed, and each vector a centre plus
// Gaussian noise of standard deviation Spread per element, normalized to unit
// length (as embedding models return them). The same Spec gives the same
// vectors and queries.
type Spec struct {
	Seed     uint64
	Dims     int
	Clusters int
	Spread   float64
}

// Vectors returns the data set's first n vectors.
func (s Spec) Vectors(n int) [][]float32 { return s.draw(1, n) }

// Queries returns m query vectors drawn like the data but apart from it: a
// query lands near some of the data, as a real one does.
func (s Spec) Queries(m int) [][]float32 { return s.draw(2, m) }

func (s Spec) draw(stream uint64, n int) [][]float32 {
	r := rand.New(rand.NewPCG(s.Seed, 0x5eed))
	centres := make([][]float64, s.Clusters)
	for i := range centres {
		c := make([]float64, s.Dims)
		for j := range c {
			c[j] = r.NormFloat64()
		}
		normalize64(c)
		centres[i] = c
	}
	r = rand.New(rand.NewPCG(s.Seed, stream))
	out := make([][]float32, n)
	buf := make([]float32, n*s.Dims)
	for i := range out {
		c := centres[r.IntN(s.Clusters)]
		v := buf[i*s.Dims : (i+1)*s.Dims : (i+1)*s.Dims]
		var norm float64
		for j := range v {
			v[j] = float32(c[j] + s.Spread*r.NormFloat64())
			norm += float64(v[j]) * float64(v[j])
		}
		norm = math.Sqrt(norm)
		for j := range v {
			v[j] = float32(float64(v[j]) / norm)
		}
		out[i] = v
	}
	return out
}

func normalize64(v []float64) {
	var n float64
	for _, x := range v {
		n += x * x
	}
	n = math.Sqrt(n)
	for i := range v {
		v[i] /= n
	}
}

// TopK returns the indices of the k vectors of data closest to q under m,
// best first, ties in index order, among those keep accepts (nil: all).
func TopK(m core.Metric, q []float32, data [][]float32, k int, keep func(i int) bool) []int {
	type scored struct {
		s float64
		i int
	}
	all := make([]scored, 0, len(data))
	for i, v := range data {
		if keep != nil && !keep(i) {
			continue
		}
		all = append(all, scored{Score(m, q, v), i})
	}
	slices.SortFunc(all, func(a, b scored) int {
		switch {
		case a.s > b.s:
			return -1
		case a.s < b.s:
			return 1
		}
		return a.i - b.i
	})
	out := make([]int, 0, k)
	for _, s := range all[:min(k, len(all))] {
		out = append(out, s.i)
	}
	return out
}

// Score is m's score of v against q in float64: the reference the kernels
// are measured against.
func Score(m core.Metric, q, v []float32) float64 {
	var d, nq, nv, l float64
	for i := range q {
		x, y := float64(q[i]), float64(v[i])
		d += x * y
		nq += x * x
		nv += y * y
		l += (x - y) * (x - y)
	}
	switch m {
	case core.Cosine:
		if nq == 0 || nv == 0 {
			return 0
		}
		return d / math.Sqrt(nq*nv)
	case core.DotProduct:
		return d
	default:
		return -math.Sqrt(l)
	}
}

// Recall returns the share of want found in got.
func Recall(got, want []int) float64 {
	if len(want) == 0 {
		return 1
	}
	found := 0
	for _, w := range want {
		if slices.Contains(got, w) {
			found++
		}
	}
	return float64(found) / float64(len(want))
}
