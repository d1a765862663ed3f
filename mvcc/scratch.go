package mvcc

import (
	"sync"
	"unsafe"

	"github.com/inmemdb/inmem/core"
)

// scratch is a reusable buffer for encoding lookup keys: a lookup's key does
// not outlive the lookup, so a pooled buffer spares the allocation.
type scratch struct{ b []byte }

var scratchPool = sync.Pool{New: func() any { return &scratch{b: make([]byte, 0, 128)} }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func (s *scratch) release() {
	if cap(s.b) <= 4096 {
		s.b = s.b[:0]
		scratchPool.Put(s)
	}
}

// view returns a string sharing b's bytes; valid while b is unchanged.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// encodeKey returns key's encoding as a fresh string (one allocation).
func encodeKey(key core.Key) string {
	b := key.AppendEncode(make([]byte, 0, key.EncodedLen()))
	return unsafe.String(unsafe.SliceData(b), len(b))
}
