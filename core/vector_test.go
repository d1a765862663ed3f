package core

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVectorValue(t *testing.T) {
	in := []float32{0.5, -1, 3}
	v := VectorValue(in)
	assert.Equal(t, KindVector, v.Kind())
	assert.Equal(t, 3, v.Len())
	in[0] = 9 // VectorValue copied
	out := v.Vector()
	assert.Equal(t, []float32{0.5, -1, 3}, out)
	out[1] = 9 // Vector returns a copy
	assert.Equal(t, []float32{0.5, -1, 3}, v.Vector())

	for _, empty := range []Value{VectorValue(nil), VectorValue([]float32{})} {
		assert.Equal(t, KindVector, empty.Kind())
		assert.Equal(t, 0, empty.Len())
		assert.Equal(t, []float32{}, empty.Vector())
		assert.Equal(t, "vector[]", empty.String())
	}
	assert.Equal(t, "vector[0.5 -1 3 0.1]", VectorValue([]float32{0.5, -1, 3, 0.1}).String())
	assert.Equal(t, `[vector[1] 0x01]`, ArrayValue(VectorValue([]float32{1}), BytesValue([]byte{1})).String())

	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { sinkValue = VectorValue(in) }), "VectorValue allocates only its copy")
}

func TestVectorEqualIsBitwise(t *testing.T) {
	nan := float32(math.NaN())
	otherNaN := math.Float32frombits(math.Float32bits(nan) ^ 1)
	negZero := float32(math.Copysign(0, -1))
	tests := []struct {
		a, b []float32
		want bool
	}{
		{nil, []float32{}, true},
		{[]float32{1, 2}, []float32{1, 2}, true},
		{[]float32{1, 2}, []float32{1}, false},
		{[]float32{1, 2}, []float32{1, 3}, false},
		{[]float32{nan}, []float32{nan}, true},
		{[]float32{nan}, []float32{otherNaN}, false},
		{[]float32{0}, []float32{negZero}, false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, VectorValue(tc.a).Equal(VectorValue(tc.b)), "%v vs %v", tc.a, tc.b)
	}
	assert.False(t, VectorValue([]float32{1}).Equal(ArrayValue(Float64Value(1))))
	assert.False(t, VectorValue(nil).Equal(BytesValue(nil)))
}
