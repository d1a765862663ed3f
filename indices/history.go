package indices

import "github.com/benbjohnson/immutable"

// chunkBits sets the history's chunk size: 32 versions a chunk.
const (
	chunkBits = 5
	chunkSize = 1 << chunkBits
)

// History is the persistent version index: version -> V for a sliding window
// of the most recent versions, which must be pushed in order without gaps. It
// is a persistent deque of fixed-size chunks: the newest, partial chunk is a
// small copy-on-write array and full chunks sit in a sorted map, so a push
// copies at most 32 pointers and touches the map once every 32 versions, and a
// lookup is O(1) for the newest 32 versions and O(log n) beyond.
//
// The zero History holds nothing. Push returns a new History; a History is
// safe for concurrent use. Up to chunkSize-1 values older than the window may
// stay referenced until their chunk leaves it; Get never returns them.
type History[V any] struct {
	lo, hi uint64 // versions held: [lo, hi]; empty when n == 0
	n      uint64
	tail   []V // versions [hi &^ (chunkSize-1), hi]
	full   *immutable.SortedMap[uint64, *[chunkSize]V]
}

// Len returns how many versions the window holds.
func (h History[V]) Len() int { return int(h.n) }

// Oldest returns the oldest version held and true, or false when empty.
func (h History[V]) Oldest() (uint64, bool) { return h.lo, h.n > 0 }

// Push returns h with v recorded for version, keeping at most limit versions
// (limit < 1 keeps one). version must be the one after the newest held (any
// version when h is empty); otherwise Push starts a new window at version.
func (h History[V]) Push(version uint64, v V, limit int) History[V] {
	if limit < 1 {
		limit = 1
	}
	if h.n == 0 || version != h.hi+1 {
		return History[V]{lo: version, hi: version, n: 1, tail: []V{v}}
	}
	next := History[V]{lo: h.lo, hi: version, n: h.n + 1, full: h.full}
	if version&(chunkSize-1) == 0 {
		// The tail chunk is full (or started mid-chunk): retire it to the map.
		var arr [chunkSize]V
		copy(arr[chunkSize-len(h.tail):], h.tail)
		if next.full == nil {
			next.full = immutable.NewSortedMap[uint64, *[chunkSize]V](Uint64s{})
		}
		next.full = next.full.Set(h.hi>>chunkBits, &arr)
		next.tail = append(make([]V, 0, 4), v)
	} else {
		next.tail = make([]V, len(h.tail)+1, min(chunkSize, 2*len(h.tail)+2))
		copy(next.tail, h.tail)
		next.tail[len(h.tail)] = v
	}
	for next.n > uint64(limit) {
		next.lo++
		next.n--
		if next.lo&(chunkSize-1) == 0 && next.full != nil {
			next.full = next.full.Delete((next.lo >> chunkBits) - 1)
		}
	}
	if next.lo>>chunkBits == next.hi>>chunkBits {
		// The window lies within the tail: drop references below it.
		start := int(next.lo&(chunkSize-1)) - int((next.hi&(chunkSize-1))+1-uint64(len(next.tail)))
		if start > 0 {
			var zero V
			for i := range start {
				next.tail[i] = zero
			}
		}
		next.full = nil
	}
	return next
}

// Get returns the value recorded for version and true, or false when version
// is outside the window.
func (h History[V]) Get(version uint64) (V, bool) {
	var zero V
	if h.n == 0 || version < h.lo || version > h.hi {
		return zero, false
	}
	if version>>chunkBits == h.hi>>chunkBits {
		i := len(h.tail) - 1 - int(h.hi-version)
		return h.tail[i], true
	}
	if h.full == nil {
		return zero, false
	}
	arr, ok := h.full.Get(version >> chunkBits)
	if !ok {
		return zero, false
	}
	return arr[version&(chunkSize-1)], true
}
