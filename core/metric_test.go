package core

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// refScores returns the three scores of b against a, in float64.
func refScores(a, b []float32) (cos, dotp, euc float64) {
	var d, na, nb, l float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		d += x * y
		na += x * x
		nb += y * y
		l += (x - y) * (x - y)
	}
	cos = 0
	if na > 0 && nb > 0 {
		cos = d / math.Sqrt(na*nb)
	}
	return cos, d, -math.Sqrt(l)
}

func near(t *testing.T, want float64, got float32, scale float64, msg string, args ...any) {
	t.Helper()
	if math.Abs(want-float64(got)) > 1e-5*scale+1e-6 {
		t.Fatalf("%s: got %v, want %v", append([]any{msg}, args...)...)
	}
}

// TestKernelsAgree checks every kernel (the AVX2 one where the processor has
// it, and the portable one) against a float64 reference, at every length up
// to 300 (every tail of every unrolled loop) and at the lengths of common
// embeddings, with inputs at unaligned offsets.
func TestKernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lengths := []int{384, 768, 1024, 1536, 3072}
	for n := 0; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		for off := range 3 {
			a := randVec(r, n+off)[off:]
			b := randVec(r, n+off)[off:]
			_, d, e := refScores(a, b)
			var bb float64
			for _, x := range b {
				bb += float64(x) * float64(x)
			}
			scale := float64(n) + 1
			for name, k := range map[string]struct {
				dot     func(a, b []float32) float32
				dotNorm func(a, b []float32) (float32, float32)
				l2sq    func(a, b []float32) float32
			}{"dispatch": {dot, dotNorm, l2sq}, "generic": {dotGeneric, dotNormGeneric, l2sqGeneric}} {
				near(t, d, k.dot(a, b), scale, "%s dot n=%d", name, n)
				gd, gbb := k.dotNorm(a, b)
				near(t, d, gd, scale, "%s dotNorm.dot n=%d", name, n)
				near(t, bb, gbb, scale, "%s dotNorm.norm n=%d", name, n)
				near(t, e*e, k.l2sq(a, b), scale, "%s l2sq n=%d", name, n)
			}
		}
	}
}

func TestVectorQueryScores(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 3, 8, 17, 384} {
		a, b := randVec(r, n), randVec(r, n)
		c, d, e := refScores(a, b)
		for m, want := range map[Metric]float64{Cosine: c, DotProduct: d, Euclidean: e} {
			q, err := NewVectorQuery(m, a)
			require.NoError(t, err)
			got, ok := q.Score(VectorValue(b))
			require.True(t, ok)
			near(t, want, got, float64(n), "%s n=%d", m, n)
			got2, ok := q.ScoreVector(b)
			require.True(t, ok)
			assert.Equal(t, got, got2, "Score and ScoreVector agree")
			qv, ok := m.QueryOf(VectorValue(a))
			require.True(t, ok)
			got3, _ := qv.Score(VectorValue(b))
			assert.Equal(t, got, got3, "QueryOf scores as NewVectorQuery does")
		}
	}
}

func TestVectorQueryEdges(t *testing.T) {
	for _, bad := range []struct {
		m Metric
		q []float32
	}{
		{0, []float32{1}}, {Euclidean + 1, []float32{1}}, {Cosine, nil}, {Cosine, []float32{}},
		{Cosine, []float32{1, float32(math.NaN())}}, {DotProduct, []float32{float32(math.Inf(1))}},
		{Euclidean, []float32{float32(math.Inf(-1)), 2}},
	} {
		_, err := NewVectorQuery(bad.m, bad.q)
		assert.True(t, errors.Is(err, ErrInvalidArgument), "%v %v: %v", bad.m, bad.q, err)
	}

	in := []float32{1, 2, 3}
	q, err := NewVectorQuery(Cosine, in)
	require.NoError(t, err)
	in[0] = 100 // the query holds a copy
	assert.Equal(t, []float32{1, 2, 3}, q.Vector())
	assert.Equal(t, 3, q.Len())
	assert.Equal(t, Cosine, q.Metric())

	for _, v := range []Value{StringValue("x"), VectorValue([]float32{1, 2}), VectorValue(nil), NullValue(), BytesValue([]byte{1, 2, 3})} {
		_, ok := q.Score(v)
		assert.False(t, ok, "%v is no vector of length 3", v)
	}
	_, ok := q.ScoreVector([]float32{1})
	assert.False(t, ok)

	// Cosine against an all-zero vector, or from one, scores 0.
	s, ok := q.Score(VectorValue([]float32{0, 0, 0}))
	assert.True(t, ok)
	assert.Equal(t, float32(0), s)
	z, _ := NewVectorQuery(Cosine, []float32{0, 0, 0})
	s, ok = z.Score(VectorValue(in))
	assert.True(t, ok)
	assert.Equal(t, float32(0), s)

	// A stored NaN scores nothing.
	_, ok = q.Score(VectorValue([]float32{1, float32(math.NaN()), 0}))
	assert.False(t, ok)

	var zero VectorQuery
	_, ok = zero.Score(VectorValue(in))
	assert.False(t, ok, "the zero query scores nothing")
	_, ok = Metric(9).QueryOf(VectorValue(in))
	assert.False(t, ok)
	_, ok = Cosine.QueryOf(StringValue("x"))
	assert.False(t, ok)

	// Identity: each metric's best score is the vector itself.
	for _, m := range []Metric{Cosine, Euclidean} {
		q, _ := NewVectorQuery(m, in)
		self, _ := q.Score(VectorValue(in))
		other, _ := q.Score(VectorValue([]float32{-1, 2, 3}))
		assert.Greater(t, self, other, "%s", m)
	}
}

func TestMetricNames(t *testing.T) {
	assert.Equal(t, "cosine", Cosine.String())
	assert.Equal(t, "dot", DotProduct.String())
	assert.Equal(t, "euclidean", Euclidean.String())
	assert.Equal(t, "metric(0)", Metric(0).String())
	assert.False(t, Metric(4).Valid())
	assert.True(t, DotProduct.Valid())
}

func TestVectorFinite(t *testing.T) {
	assert.True(t, VectorFinite(VectorValue([]float32{1, -2})))
	assert.False(t, VectorFinite(VectorValue(nil)))
	assert.False(t, VectorFinite(StringValue("x")))
	assert.False(t, VectorFinite(VectorValue([]float32{1, float32(math.Inf(1))})))
	assert.False(t, VectorFinite(VectorValue([]float32{float32(math.NaN())})))
}

func TestScoreAllocatesNothing(t *testing.T) {
	q, _ := NewVectorQuery(Cosine, make([]float32, 384))
	v := VectorValue(make([]float32, 384))
	assert.Zero(t, testing.AllocsPerRun(100, func() { sinkFloat, _ = q.Score(v) }))
}

var sinkFloat float32

func BenchmarkScore(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{128, 384, 1536} {
		a, x := randVec(r, n), randVec(r, n)
		v := VectorValue(x)
		for _, m := range []Metric{Cosine, DotProduct, Euclidean} {
			q, _ := NewVectorQuery(m, a)
			b.Run(m.String()+"/"+itoa(n), func(b *testing.B) {
				b.SetBytes(int64(4 * n))
				for range b.N {
					sinkFloat, _ = q.Score(v)
				}
			})
		}
		b.Run("generic-dot/"+itoa(n), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			for range b.N {
				sinkFloat = dotGeneric(a, x)
			}
		})
		b.Run("generic-l2/"+itoa(n), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			for range b.N {
				sinkFloat = l2sqGeneric(a, x)
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestScoreManyIsScore(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	q, _ := NewVectorQuery(Euclidean, randVec(r, 20))
	vs := []Value{VectorValue(randVec(r, 20)), StringValue("x"), VectorValue(randVec(r, 3)), VectorValue(randVec(r, 20)), NullValue()}
	scores, ok := make([]float32, len(vs)), make([]bool, len(vs))
	q.ScoreMany(vs, scores, ok)
	for i, v := range vs {
		s, o := q.Score(v)
		assert.Equal(t, o, ok[i], "%d", i)
		assert.Equal(t, s, scores[i], "%d", i)
	}
	assert.Zero(t, testing.AllocsPerRun(50, func() { q.ScoreMany(vs, scores, ok) }))
}
