package core

// The portable kernels: four independent accumulators, so that the additions
// of consecutive elements do not wait on each other, and bounds checks hoisted
// out of the loop by slicing b to a's length. metric_amd64.go dispatches to
// AVX2 versions where the processor has them.

// dotGeneric returns the dot product of a and b (len(b) >= len(a)).
func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// dotNormGeneric returns a·b and b·b in one pass.
func dotNormGeneric(a, b []float32) (float32, float32) {
	b = b[:len(a)]
	var d0, d1, n0, n1 float32
	i := 0
	for ; i+2 <= len(a); i += 2 {
		x0, x1 := b[i], b[i+1]
		d0 += a[i] * x0
		d1 += a[i+1] * x1
		n0 += x0 * x0
		n1 += x1 * x1
	}
	for ; i < len(a); i++ {
		d0 += a[i] * b[i]
		n0 += b[i] * b[i]
	}
	return d0 + d1, n0 + n1
}

// l2sqGeneric returns the squared Euclidean distance between a and b.
func l2sqGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		d0 := a[i] - b[i]
		d1 := a[i+1] - b[i+1]
		d2 := a[i+2] - b[i+2]
		d3 := a[i+3] - b[i+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(a); i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}
