//go:build amd64 && !purego

package hnsw

import "unsafe"

//go:noescape
func dotInt8AVX2(a, b *int8, n int) int32

// prefetch asks the processor to load the 256 bytes at p into its caches.
//
//go:noescape
func prefetch(p unsafe.Pointer)

func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

func xgetbv0() (eax uint32)

// useAVX2 reports whether the processor has AVX2 and the operating system
// saves the YMM registers (as core's kernels check).
var useAVX2 = hasAVX2()

func hasAVX2() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	const osxsave, avx = 1 << 27, 1 << 28
	if c1&osxsave == 0 || c1&avx == 0 || xgetbv0()&6 != 6 {
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&(1<<5) != 0
}

func dotInt8(a, b []int8) int32 {
	if !useAVX2 || len(a) < 32 {
		return dotInt8Generic(a, b)
	}
	b = b[:len(a)]
	n := len(a) &^ 31
	s := dotInt8AVX2(unsafe.SliceData(a), unsafe.SliceData(b), n)
	if n < len(a) {
		s += dotInt8Generic(a[n:], b[n:])
	}
	return s
}
