package systems

import (
	"sync"
	"unsafe"

	"github.com/inmemdb/inmem/core"
)

// scratch is a pooled buffer for encoding a lookup key that the store does
// not keep: what a careful user of a byte-keyed store does to read without
// allocating a key each time.
type scratch struct{ b []byte }

var scratchPool = sync.Pool{New: func() any { return &scratch{b: make([]byte, 0, 128)} }}

// encodeScratch encodes k into a pooled buffer; the caller releases it.
func encodeScratch(k core.Key) *scratch {
	sc := scratchPool.Get().(*scratch)
	sc.b = k.AppendEncode(sc.b[:0])
	return sc
}

func (sc *scratch) release() { scratchPool.Put(sc) }

// view is the buffer as a string, valid until release.
func (sc *scratch) view() string { return unsafe.String(unsafe.SliceData(sc.b), len(sc.b)) }

// encode returns k's encoding as a string the store may keep.
func encode(k core.Key) string {
	b := k.Encode()
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// encodeNS returns the encoded namespace: the prefix of every key of ns.
func encodeNS(ns core.Namespace) string {
	b := ns.AppendEncode(nil)
	return unsafe.String(unsafe.SliceData(b), len(b))
}
