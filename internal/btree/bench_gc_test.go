package btree

import (
	"runtime"
	"strconv"
	"testing"
	"unsafe"

	"github.com/inmemdb/inmem/internal/benchgc"
)

// BenchmarkRecordGC bounds what a pointer-free record would save the collector: a 1M-key map
// (keys like the store's, inserted in random order) whose 56-byte records are shaped like the
// store's (a value of two words, a version, a time, a TTL) in three layouts. "own": each record
// points to a 31-byte payload of its own, as a stored byte value does today; "shared": every
// record points to one payload (leaves scanned, no object per value); "free": no pointer in
// the record at all (the payload would live in pointer-free memory). One op is one forced
// collection of the map's heap; the heap's objects and scannable bytes are exact, the mark CPU
// (the runtime's estimate: assists, dedicated and idle workers) depends on the load.
func BenchmarkRecordGC(b *testing.B) {
	b.Run("own", func(b *testing.B) {
		recordGC(b, func(i int, p []byte) gcRecPtr {
			return gcRecPtr{num: 31, typ: unsafe.Pointer(&gcType), p: unsafe.Pointer(&p[0]), rest: [4]uint64{uint64(i)}}
		})
	})
	b.Run("shared", func(b *testing.B) {
		recordGC(b, func(i int, _ []byte) gcRecPtr {
			return gcRecPtr{num: 31, typ: unsafe.Pointer(&gcType), p: unsafe.Pointer(&gcShared[0]), rest: [4]uint64{uint64(i)}}
		})
	})
	b.Run("free", func(b *testing.B) {
		recordGC(b, func(i int, _ []byte) gcRecFree { return gcRecFree{w: [7]uint64{31, 0, 0, uint64(i)}} })
	})
}

// gcRecPtr is a 56-byte record with a value's two words (a type word, pointing outside the
// heap as a type's does, and a data pointer), then a version, a time and a TTL.
type gcRecPtr struct {
	num  uint64
	typ  unsafe.Pointer
	p    unsafe.Pointer
	rest [4]uint64
}

// gcRecFree is a 56-byte record without pointers: the payload's length, offset and kind instead
// of the value's words.
type gcRecFree struct{ w [7]uint64 }

// gcType stands for a type descriptor: memory outside the heap.
var gcType uint64

var gcShared = make([]byte, 31)

func recordGC[V any](b *testing.B, mk func(i int, payload []byte) V) {
	quiet(b)
	const n = 1_000_000
	e := (*Map[V])(nil).Edit()
	for i := range n {
		k := benchPrefix + strconv.FormatUint(uint64(i)*0x9E3779B97F4A7C15|1<<63, 16)[:12]
		e.Set(k, mk(i, make([]byte, 31)))
	}
	m := e.Map()
	benchgc.ReportMark(b, n)
	runtime.KeepAlive(m)
}
