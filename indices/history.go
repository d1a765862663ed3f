package indices

import (
	"sync/atomic"

	"github.com/benbjohnson/immutable"
)

// chunkBits sets the history's chunk size: 32 versions a chunk.
const (
	chunkBits = 5
	chunkSize = 1 << chunkBits
)

// chunk holds the values of 32 consecutive versions, version v in slot
// v mod 32. Slots are filled in order, each exactly once: a push claims the
// next slot by advancing used with a compare-and-swap and only then writes
// it, so Histories that share a chunk never see each other's later slots,
// and a second push onto the same History (which finds the slot taken)
// copies the chunk instead.
type chunk[V any] struct {
	used atomic.Uint32 // slots claimed: [0, used)
	vals [chunkSize]V
}

// History is the persistent version index: version -> V for a sliding window
// of the most recent versions, which must be pushed in order without gaps. It
// is a persistent deque of fixed-size chunks: the newest, partial chunk is
// appended to in place when the slot is free (and copied when it is not, or
// when the window is shorter than a chunk), and full chunks sit in a sorted
// map, so a push costs O(1), allocates nothing on most pushes, and touches
// the map once every 32 versions; a lookup is O(1) for the newest 32
// versions and O(log n) beyond.
//
// The zero History holds nothing. Push returns a new History; a History is
// safe for concurrent use, Push included. Up to chunkSize-1 values older than
// the window may stay referenced until their chunk leaves it; Get never
// returns them.
type History[V any] struct {
	lo, hi uint64 // versions held: [lo, hi]; empty when n == 0
	n      uint64
	tail   *chunk[V] // the chunk of hi: versions [max(lo, hi&^31), hi]; nil: one
	full   *immutable.SortedMap[uint64, *chunk[V]]
	// one is the value of a window that Push started, while it holds that
	// one version: a History of one version allocates no chunk (a store
	// that is never written, a fork, starts with one).
	one V
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
	slot := uint32(version & (chunkSize - 1))
	if h.n == 0 || version != h.hi+1 {
		return History[V]{lo: version, hi: version, n: 1, one: v}
	}
	if h.tail == nil {
		// The window's one version moves into a chunk of its own.
		at := uint32(h.hi & (chunkSize - 1))
		h.tail = newChunk(nil, at, at, h.one)
	}
	next := History[V]{lo: h.lo, hi: version, n: h.n + 1, full: h.full}
	if slot == 0 {
		// The tail chunk is full: retire it to the map as it is.
		if next.full == nil {
			next.full = immutable.NewSortedMap[uint64, *chunk[V]](uint64s{})
		}
		next.full = next.full.Set(h.hi>>chunkBits, h.tail)
		next.tail = newChunk(nil, 0, 0, v)
	} else {
		next.tail = h.tail
	}
	for next.n > uint64(limit) {
		next.lo++
		next.n--
		if next.lo&(chunkSize-1) == 0 && next.full != nil {
			next.full = next.full.Delete((next.lo >> chunkBits) - 1)
		}
	}
	if next.lo>>chunkBits == next.hi>>chunkBits {
		next.full = nil
	}
	if slot == 0 {
		return next
	}
	// Keep only the window's slots when it lies within the tail, so that
	// values below it are not kept alive; else claim the slot in place.
	first := uint32(0)
	if next.full == nil {
		first = uint32(next.lo & (chunkSize - 1))
	}
	if first == 0 && h.tail.used.CompareAndSwap(slot, slot+1) {
		h.tail.vals[slot] = v
		return next
	}
	next.tail = newChunk(h.tail, first, slot, v)
	return next
}

// newChunk returns a chunk holding the slots [first, slot) of from (nil:
// none) and v in slot, with the slots up to slot claimed.
func newChunk[V any](from *chunk[V], first, slot uint32, v V) *chunk[V] {
	c := new(chunk[V])
	if from != nil {
		copy(c.vals[first:slot], from.vals[first:slot])
	}
	c.vals[slot] = v
	c.used.Store(slot + 1)
	return c
}

// Get returns the value recorded for version and true, or false when version
// is outside the window.
func (h History[V]) Get(version uint64) (V, bool) {
	var zero V
	if h.n == 0 || version < h.lo || version > h.hi {
		return zero, false
	}
	if h.tail == nil {
		return h.one, true
	}
	c := h.tail
	if version>>chunkBits != h.hi>>chunkBits {
		var ok bool
		if h.full == nil {
			return zero, false
		}
		if c, ok = h.full.Get(version >> chunkBits); !ok {
			return zero, false
		}
	}
	return c.vals[version&(chunkSize-1)], true
}
