package btree

import (
	"unsafe"
)

const (
	// leafMax is the most entries a leaf holds; a non-root leaf holds at least leafMin.
	leafMax = 16
	leafMin = leafMax / 2
	// innerMax is the most children an inner node has; a non-root inner node has at least
	// innerMin.
	innerMax = 16
	innerMin = innerMax / 2
	// maxInner bounds the number of inner levels on a root-to-leaf path (a tree's height less
	// one). With at least innerMin children per non-root inner node and leafMin entries per
	// leaf, a tree that deep holds more entries than any process can (TestMaxInnerLevels).
	maxInner = 14
)

// leaf holds up to leafMax entries in key order. Key i is buf[off[i]:off[i+1]]; off[n] is
// len(buf). Values sit inline in vals. A leaf whose owner is not the id of the edit at hand is
// frozen: neither buf nor vals nor off ever change again.
type leaf[V any] struct {
	owner uint64
	n     int
	off   [leafMax + 1]uint32
	buf   []byte
	vals  [leafMax]V
}

// inner has n children; sep[i] is the lower bound of child i+1 (every key in child i+1 is >=
// sep[i], every key in child i is < sep[i]). Children are *inner[V] or, on the level just
// above the leaves, *leaf[V]; the tree's height says which.
type inner[V any] struct {
	owner uint64
	n     int
	lvl   int // inner levels from here down: 1 when the children are leaves
	sep   [innerMax - 1]string
	kids  [innerMax]unsafe.Pointer
}

// key returns key i as a view into the leaf's block (no copy).
func (l *leaf[V]) key(i int) string {
	a, b := l.off[i], l.off[i+1]
	return unsafe.String(unsafe.SliceData(l.buf[a:b]), int(b-a))
}

// search returns the position of the first key >= key and whether it equals key.
func (l *leaf[V]) search(key string) (int, bool) {
	lo, hi := 0, l.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if l.key(m) < key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < l.n && l.key(lo) == key
}

// upper returns the position of the first key > key.
func (l *leaf[V]) upper(key string) int {
	lo, hi := 0, l.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if l.key(m) <= key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// clone returns a copy of l owned by id whose block has room for extra more bytes.
func (l *leaf[V]) clone(id uint64, extra int) *leaf[V] {
	c := &leaf[V]{owner: id, n: l.n, off: l.off}
	c.buf = make([]byte, len(l.buf), len(l.buf)+extra)
	copy(c.buf, l.buf)
	copy(c.vals[:l.n], l.vals[:l.n])
	return c
}

// insertAt puts key (copied) and v at position i; the leaf must have room.
func (l *leaf[V]) insertAt(i int, key string, v V) {
	k := uint32(len(key))
	end := len(l.buf)
	l.buf = append(l.buf, key...) // grow by len(key); the bytes are rewritten below
	at := l.off[i]
	copy(l.buf[int(at)+len(key):], l.buf[at:end])
	copy(l.buf[at:], key)
	for j := l.n; j >= i; j-- {
		l.off[j+1] = l.off[j] + k
	}
	copy(l.vals[i+1:l.n+1], l.vals[i:l.n])
	l.vals[i] = v
	l.n++
}

// removeAt drops entry i.
func (l *leaf[V]) removeAt(i int) {
	a, b := l.off[i], l.off[i+1]
	k := b - a
	copy(l.buf[a:], l.buf[b:])
	l.buf = l.buf[:uint32(len(l.buf))-k]
	for j := i + 1; j <= l.n; j++ {
		l.off[j-1] = l.off[j] - k
	}
	copy(l.vals[i:l.n-1], l.vals[i+1:l.n])
	l.n--
	var zero V
	l.vals[l.n] = zero // drop the reference for the GC
	l.off[l.n+1] = 0
}

// appendFrom moves entries [from, to) of src to the end of l; l must have room. src is left
// unchanged (the caller truncates or drops it).
func (l *leaf[V]) appendFrom(src *leaf[V], from, to int) {
	a, b := src.off[from], src.off[to]
	base := uint32(len(l.buf))
	l.buf = append(l.buf, src.buf[a:b]...)
	for j := from; j < to; j++ {
		l.off[l.n+1+j-from] = src.off[j+1] - a + base
	}
	copy(l.vals[l.n:], src.vals[from:to])
	l.n += to - from
}

// shiftOut drops the first k entries.
func (l *leaf[V]) shiftOut(k int) {
	a := l.off[k]
	copy(l.buf, l.buf[a:])
	l.buf = l.buf[:uint32(len(l.buf))-a]
	n := l.n - k
	for j := 0; j <= n; j++ {
		l.off[j] = l.off[j+k] - a
	}
	copy(l.vals[:n], l.vals[k:l.n])
	var zero V
	for j := n; j < l.n; j++ {
		l.vals[j] = zero
		l.off[j+1] = 0
	}
	l.n = n
}

// truncate keeps the first n entries.
func (l *leaf[V]) truncate(n int) {
	l.buf = l.buf[:l.off[n]]
	var zero V
	for j := n; j < l.n; j++ {
		l.vals[j] = zero
		l.off[j+1] = 0
	}
	l.n = n
}

// childIndex returns the index of the child whose range holds key: the number of separators
// <= key.
func (n *inner[V]) childIndex(key string) int {
	lo, hi := 0, n.n-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if n.sep[m] <= key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (n *inner[V]) inner(i int) *inner[V] { return (*inner[V])(n.kids[i]) }
func (n *inner[V]) leaf(i int) *leaf[V]   { return (*leaf[V])(n.kids[i]) }

// clone returns a copy of n owned by id.
func (n *inner[V]) clone(id uint64) *inner[V] {
	c := &inner[V]{owner: id, n: n.n, lvl: n.lvl}
	copy(c.sep[:], n.sep[:])
	copy(c.kids[:], n.kids[:])
	return c
}

// insertKid puts sep at separator position i and kid at child position i+1; n must have room.
func (n *inner[V]) insertKid(i int, sep string, kid unsafe.Pointer) {
	copy(n.sep[i+1:n.n], n.sep[i:n.n-1])
	n.sep[i] = sep
	copy(n.kids[i+2:n.n+1], n.kids[i+1:n.n])
	n.kids[i+1] = kid
	n.n++
}

// removeKid drops separator i and child i+1.
func (n *inner[V]) removeKid(i int) {
	copy(n.sep[i:], n.sep[i+1:n.n-1])
	copy(n.kids[i+1:], n.kids[i+2:n.n])
	n.n--
	n.sep[n.n-1] = ""
	n.kids[n.n] = nil
}
