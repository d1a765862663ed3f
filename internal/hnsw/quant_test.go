package hnsw

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// TestQuantizedScores: the codes' scores stay close to the exact ones, for
// every metric, at every length (every tail of the AVX2 kernel), for vectors
// of any magnitude; the int8 kernels agree exactly.
func TestQuantizedScores(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for n := 1; n <= 100; n++ {
		for _, scale := range []float64{1e-3, 1, 50} {
			a, b := make([]float32, n), make([]float32, n)
			for i := range a {
				a[i] = float32(r.NormFloat64() * scale)
				b[i] = float32(r.NormFloat64() * scale)
			}
			ca, cb := quantize(a, nil), quantize(b, nil)
			require.Equal(t, dotInt8Generic(ca.b, cb.b), dotInt8(ca.b, cb.b), "n=%d", n)
			for _, m := range []core.Metric{core.Cosine, core.DotProduct, core.Euclidean} {
				q, _ := core.NewVectorQuery(m, a)
				exact, _ := q.ScoreVector(b)
				got := approx(m, &ca, &cb)
				// Each element is off by at most half a step of its vector's
				// scale: bound the score's error by that.
				tol := 0.0
				for i := range a {
					tol += math.Abs(float64(a[i]))*float64(cb.scale)/2 + math.Abs(float64(b[i]))*float64(ca.scale)/2 + float64(ca.scale*cb.scale)/4
				}
				switch m {
				case core.Cosine:
					tol /= math.Sqrt(float64(ca.norm2) * float64(cb.norm2))
				case core.Euclidean:
					tol = math.Sqrt(2*tol) + 1e-3*scale
				}
				require.InDelta(t, exact, got, tol*1.01+1e-5, "%s n=%d scale=%v", m, n, scale)
			}
		}
	}
	z := quantize(make([]float32, 8), nil)
	require.Zero(t, z.scale)
	require.Equal(t, float32(0), approx(core.Cosine, &z, &z))
}
