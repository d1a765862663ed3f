package core

import "unsafe"

// valueHeader is the size of a Value itself.
const valueHeader = int(unsafe.Sizeof(Value{}))

// Size returns an estimate of the memory v holds, in bytes: the Value itself,
// the bytes of a string or byte slice, and for arrays and maps their elements
// (and keys) counted the same way. Stores use it to enforce value limits and
// to report memory. It allocates nothing; O(size of v); safe for concurrent
// use.
func (v Value) Size() int {
	switch x := v.any.(type) {
	case stringptr, bytesptr:
		return valueHeader + int(v.num)
	case arrayptr:
		n := valueHeader
		for _, e := range unsafe.Slice((*Value)(x), v.num) {
			n += e.Size()
		}
		return n
	case map[string]Value:
		n := valueHeader
		for k, e := range x {
			n += len(k) + 16 + e.Size()
		}
		return n
	default:
		return valueHeader
	}
}
