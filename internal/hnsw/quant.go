package hnsw

import (
	"math"

	"github.com/inmemdb/inmem/core"
)

// The graph walks on quantized vectors: each node keeps its vector as int8
// codes scaled by the vector's largest magnitude (a quarter of the bytes of
// the float32 elements, so a walk, which is bound by memory loads, reads a
// quarter as much), with the exact squared norm. A walk scores nodes by the
// codes and re-scores the candidates it returns exactly, from the stored
// Values: hits carry exact scores.

// code is a vector quantized: elements round(x/scale), in [-127, 127].
type code struct {
	b     []int8
	scale float32 // the largest magnitude / 127; 0 for an all-zero vector
	norm2 float32 // the exact squared norm of the vector
}

// quantize returns v quantized into dst's storage (grown as needed).
func quantize(v []float32, dst []int8) code {
	var amax float32
	var n2 float64
	for _, x := range v {
		amax = max(amax, float32(math.Abs(float64(x))))
		n2 += float64(x) * float64(x)
	}
	if cap(dst) < len(v) {
		dst = make([]int8, len(v))
	}
	dst = dst[:len(v)]
	c := code{b: dst, norm2: float32(n2)}
	if amax == 0 {
		return c
	}
	c.scale = amax / 127
	inv := 127 / amax
	for i, x := range v {
		dst[i] = int8(math.Round(float64(x * inv)))
	}
	return c
}

// approx returns the metric's score of b against a from their codes.
func approx(m core.Metric, a, b *code) float32 {
	d := float32(dotInt8(a.b, b.b)) * a.scale * b.scale
	switch m {
	case core.Cosine:
		if a.norm2 == 0 || b.norm2 == 0 {
			return 0
		}
		return d / float32(math.Sqrt(float64(a.norm2)*float64(b.norm2)))
	case core.DotProduct:
		return d
	default: // Euclidean
		return -float32(math.Sqrt(float64(max(a.norm2+b.norm2-2*d, 0))))
	}
}

// dotInt8Generic is the portable dot product of two code vectors of one
// length.
func dotInt8Generic(a, b []int8) int32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 int32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += int32(a[i]) * int32(b[i])
		s1 += int32(a[i+1]) * int32(b[i+1])
		s2 += int32(a[i+2]) * int32(b[i+2])
		s3 += int32(a[i+3]) * int32(b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += int32(a[i]) * int32(b[i])
	}
	return s0 + s1 + s2 + s3
}
