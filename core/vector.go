package core

import "unsafe"

// VectorValue returns a KindVector Value holding a copy of v: a vector of
// float32, such as an embedding. Like BytesValue it allocates only the copy.
// Its elements compare bitwise in Equal.
func VectorValue(v []float32) Value {
	if len(v) == 0 {
		return Value{any: vectorptr(nil)}
	}
	c := make([]float32, len(v))
	copy(c, v)
	return Value{num: uint64(len(c)), any: vectorptr(unsafe.SliceData(c))}
}

// Vector returns a copy of v's elements. It panics if v is not KindVector, as
// the other accessors do for their kinds.
func (v Value) Vector() []float32 {
	v.mustBe(KindVector)
	return append([]float32{}, v.vector()...)
}

func (v Value) vector() []float32 {
	p, _ := v.any.(vectorptr)
	return unsafe.Slice((*float32)(p), int(v.num))
}
