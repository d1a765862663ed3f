package btree

import (
	"unsafe"
)

const (
	// leafMax is the most entries a leaf holds; a non-root leaf holds at least leafMin.
	leafMax = 8
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

// leaf holds up to leafMax entries in key order: the keys in one block, the values inline in
// vals. A leaf whose owner is not the id of the edit at hand is frozen: neither its block nor
// vals ever change again. shared says that the block is also another leaf's (the leaf this one
// was copied from): an owned leaf copies its block before it changes a key, so a change of
// values alone copies no key byte.
type leaf[V any] struct {
	owner  uint64
	n      int
	shared bool
	keys   block
	vals   [leafMax]V
}

// inner has n children; separator i (in the block seps) is the lower bound of child i+1
// (every key in child i+1 is >= it, every key in child i is below it). Children are *inner[V]
// or, on the level just above the leaves, *leaf[V]; the tree's height says which, and lvl
// (inner levels from here down: 1 when the children are leaves) lets the checker verify it.
// shared is the leaf's flag for the separators: a copy made to change a child pointer shares
// them.
type inner[V any] struct {
	owner  uint64
	n      int
	lvl    uint8
	shared bool
	seps   block
	kids   [innerMax]unsafe.Pointer
}

// newLeaf returns an empty leaf owned by id with room for size bytes of keys.
func newLeaf[V any](id uint64, size int) *leaf[V] {
	return &leaf[V]{owner: id, keys: newBlock(size)}
}

// key returns key i as a view into the leaf's block (no copy).
func (l *leaf[V]) key(i int) string { return l.keys.at(i) }

// search returns the position of the first key >= key and whether it equals key.
func (l *leaf[V]) search(key string) (int, bool) { return l.keys.search(l.n, key) }

// upper returns the position of the first key > key.
func (l *leaf[V]) upper(key string) int { return l.keys.upper(l.n, key) }

// clone returns a copy of l owned by id that shares l's block.
func (l *leaf[V]) clone(id uint64) *leaf[V] {
	c := &leaf[V]{owner: id, n: l.n, shared: true, keys: l.keys}
	copy(c.vals[:l.n], l.vals[:l.n])
	return c
}

// ownKeys gives l a block of its own, with room for extra more bytes, before its keys change.
func (l *leaf[V]) ownKeys(extra int) {
	if l.shared {
		l.keys = l.keys.clone(l.n, extra)
		l.shared = false
	}
}

// insertAt puts key (copied) and v at position i; the leaf must have room.
func (l *leaf[V]) insertAt(i int, key string, v V) {
	l.ownKeys(len(key))
	l.keys = l.keys.insert(l.n, i, key)
	copy(l.vals[i+1:l.n+1], l.vals[i:l.n])
	l.vals[i] = v
	l.n++
}

// removeAt drops entry i.
func (l *leaf[V]) removeAt(i int) {
	l.ownKeys(0)
	l.keys = l.keys.remove(l.n, i)
	copy(l.vals[i:l.n-1], l.vals[i+1:l.n])
	l.n--
	var zero V
	l.vals[l.n] = zero // drop the reference for the GC
}

// appendFrom copies entries [from, to) of src to the end of l; l must have room. src is left
// unchanged (the caller truncates or drops it).
func (l *leaf[V]) appendFrom(src *leaf[V], from, to int) {
	so := src.keys.offs()
	l.ownKeys(int(so[to] - so[from]))
	l.keys = l.keys.appendFrom(l.n, src.keys, from, to)
	copy(l.vals[l.n:], src.vals[from:to])
	l.n += to - from
}

// shiftOut drops the first k entries.
func (l *leaf[V]) shiftOut(k int) {
	l.ownKeys(0)
	l.keys = l.keys.shiftOut(l.n, k)
	n := l.n - k
	copy(l.vals[:n], l.vals[k:l.n])
	clear(l.vals[n:l.n])
	l.n = n
}

// truncate keeps the first k entries.
func (l *leaf[V]) truncate(k int) {
	if l.shared {
		l.keys = l.keys.clone(k, 0)
		l.shared = false
	} else {
		l.keys = l.keys.truncate(l.n, k)
	}
	clear(l.vals[k:l.n])
	l.n = k
}

// sep returns separator i as a view into the node's block.
func (n *inner[V]) sep(i int) string { return n.seps.at(i) }

// childIndex returns the index of the child whose range holds key: the number of separators
// <= key.
func (n *inner[V]) childIndex(key string) int { return n.seps.upper(n.n-1, key) }

func (n *inner[V]) inner(i int) *inner[V] { return (*inner[V])(n.kids[i]) }
func (n *inner[V]) leaf(i int) *leaf[V]   { return (*leaf[V])(n.kids[i]) }

// clone returns a copy of n owned by id that shares n's separators.
func (n *inner[V]) clone(id uint64) *inner[V] {
	c := &inner[V]{owner: id, n: n.n, lvl: n.lvl, shared: true, seps: n.seps}
	copy(c.kids[:n.n], n.kids[:n.n])
	return c
}

// ownSeps gives n a separator block of its own, with room for extra more bytes, before its
// separators change.
func (n *inner[V]) ownSeps(extra int) {
	if n.shared {
		n.seps = n.seps.clone(n.n-1, extra)
		n.shared = false
	}
}

// setSep sets separator i to sep (copied).
func (n *inner[V]) setSep(i int, sep string) {
	n.ownSeps(len(sep))
	n.seps = n.seps.replace(n.n-1, i, sep)
}

// insertKid puts sep (copied) at separator position i and kid at child position i+1; n must
// have room.
func (n *inner[V]) insertKid(i int, sep string, kid unsafe.Pointer) {
	n.ownSeps(len(sep))
	n.seps = n.seps.insert(n.n-1, i, sep)
	copy(n.kids[i+2:n.n+1], n.kids[i+1:n.n])
	n.kids[i+1] = kid
	n.n++
}

// removeKid drops separator i and child i+1.
func (n *inner[V]) removeKid(i int) {
	n.ownSeps(0)
	n.seps = n.seps.remove(n.n-1, i)
	copy(n.kids[i+1:], n.kids[i+2:n.n])
	n.n--
	n.kids[n.n] = nil
}

// pushFront puts kid in front of n's children, sep (copied) in front of its separators; n must
// have room.
func (n *inner[V]) pushFront(sep string, kid unsafe.Pointer) {
	n.ownSeps(len(sep))
	n.seps = n.seps.insert(n.n-1, 0, sep)
	copy(n.kids[1:n.n+1], n.kids[:n.n])
	n.kids[0] = kid
	n.n++
}

// pushBack appends sep (copied) and kid; n must have room.
func (n *inner[V]) pushBack(sep string, kid unsafe.Pointer) {
	n.ownSeps(len(sep))
	n.seps = n.seps.insert(n.n-1, n.n-1, sep)
	n.kids[n.n] = kid
	n.n++
}

// popFront drops the first child and separator.
func (n *inner[V]) popFront() {
	n.ownSeps(0)
	n.seps = n.seps.shiftOut(n.n-1, 1)
	copy(n.kids[:], n.kids[1:n.n])
	n.n--
	n.kids[n.n] = nil
}

// popBack drops the last child and separator.
func (n *inner[V]) popBack() {
	if n.shared {
		n.seps, n.shared = n.seps.clone(n.n-2, 0), false
	} else {
		n.seps = n.seps.truncate(n.n-1, n.n-2)
	}
	n.n--
	n.kids[n.n] = nil
}

// merge appends sep (copied) and all of r's separators and children to n; n must have room.
func (n *inner[V]) merge(sep string, r *inner[V]) {
	ro := r.seps.offs()
	n.ownSeps(len(sep) + int(ro[r.n-1]-ro[0]))
	n.seps = n.seps.insert(n.n-1, n.n-1, sep)
	n.seps = n.seps.appendFrom(n.n, r.seps, 0, r.n-1)
	copy(n.kids[n.n:], r.kids[:r.n])
	n.n += r.n
}
