//go:build amd64 && !purego

package core

import "unsafe"

//go:noescape
func dotAVX2(a, b *float32, n int) float32

//go:noescape
func dotNormAVX2(a, b *float32, n int) (d, bb float32)

//go:noescape
func l2sqAVX2(a, b *float32, n int) float32

// prefetch asks the processor to load the first 256 bytes at p into its
// caches; the hardware prefetcher follows on for the rest of a vector.
//
//go:noescape
func prefetch(p *float32)

func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

func xgetbv0() (eax uint32)

// useAVX2 reports whether the processor has AVX2 and FMA and the operating
// system saves the YMM registers.
var useAVX2 = hasAVX2FMA()

func hasAVX2FMA() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if c1&fma == 0 || c1&osxsave == 0 || c1&avx == 0 {
		return false
	}
	if xcr0 := xgetbv0(); xcr0&6 != 6 { // XMM and YMM state enabled
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&(1<<5) != 0 // AVX2
}

// kernelMin is the length from which the AVX2 kernels pay for their call.
const kernelMin = 16

func dot(a, b []float32) float32 {
	if useAVX2 && len(a) >= kernelMin {
		b = b[:len(a)]
		return dotAVX2(unsafe.SliceData(a), unsafe.SliceData(b), len(a))
	}
	return dotGeneric(a, b)
}

func dotNorm(a, b []float32) (float32, float32) {
	if useAVX2 && len(a) >= kernelMin {
		b = b[:len(a)]
		return dotNormAVX2(unsafe.SliceData(a), unsafe.SliceData(b), len(a))
	}
	return dotNormGeneric(a, b)
}

func l2sq(a, b []float32) float32 {
	if useAVX2 && len(a) >= kernelMin {
		b = b[:len(a)]
		return l2sqAVX2(unsafe.SliceData(a), unsafe.SliceData(b), len(a))
	}
	return l2sqGeneric(a, b)
}
