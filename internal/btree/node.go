package btree

import (
	"strings"
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
	w    word // owner, entry count, shared
	keys block
	vals [leafMax]V
}

// inner has n children; separator i (in the block seps) is the lower bound of child i+1
// (every key in child i+1 is >= it, every key in child i is below it). Children are *inner[V]
// or, on the level just above the leaves, *leaf[V]; the tree's height says which. shared is
// the leaf's flag for the separators: a copy made to change a child pointer shares them.
type inner[V any] struct {
	w    word // owner, child count, shared
	seps block
	kids [innerMax]unsafe.Pointer
}

// word packs a node's owner id, its count (n: a leaf's entries, an inner node's children) and
// its shared flag into one uint64, so that a node is no larger than its keys, values and
// children need: a leaf of the store's 56-byte records takes the 480-byte size class instead of
// the 512-byte one, a 16-way inner node the 160-byte class instead of the 176-byte one, on
// every copy a put makes. The owner keeps the low ownerBits bits of the edit's id, which the
// edit compares with its own id cut the same way (see owns); ids come from one 64-bit counter,
// so two live edits get the same cut id only after 2^56 ids.
type word uint64

const (
	sharedBit  = 1
	countShift = 1
	countMask  = 1<<7 - 1 // counts up to 127: leafMax and innerMax must stay below
	ownerShift = 8
	ownerBits  = 64 - ownerShift
)

// A count must fit the word: this fails to compile when leafMax or innerMax outgrows countMask.
const _ = uint(countMask - max(leafMax, innerMax))

func mkWord(owner uint64, n int, shared bool) word {
	w := word(owner<<ownerShift) | word(n)<<countShift
	if shared {
		w |= sharedBit
	}
	return w
}

// owns reports whether the node was made by the edit with id.
func (w word) owns(id uint64) bool { return uint64(w)>>ownerShift == id<<ownerShift>>ownerShift }

// owner returns the owner id, cut to ownerBits bits.
func (w word) owner() uint64 { return uint64(w) >> ownerShift }

func (w word) count() int      { return int(uint64(w)>>countShift) & countMask }
func (w word) shared() bool    { return w&sharedBit != 0 }
func (w *word) setCount(n int) { *w = *w&^(countMask<<countShift) | word(n)<<countShift }
func (w *word) setShared(s bool) {
	*w &^= sharedBit
	if s {
		*w |= sharedBit
	}
}

// n returns the node's count.
func (l *leaf[V]) n() int  { return l.w.count() }
func (n *inner[V]) n() int { return n.w.count() }

// key returns key i as a piece of views into the leaf's block (no copy).
func (l *leaf[V]) key(i int) piece { return l.keys.piece(i) }

// search returns the position of the first key >= key and whether it equals key.
func (l *leaf[V]) search(key string) (int, bool) { return l.keys.search(l.n(), key) }

// upper returns the position of the first key > key.
func (l *leaf[V]) upper(key string) int { return l.keys.upper(l.n(), key) }

// clone returns a copy of l owned by id that shares l's block.
func (l *leaf[V]) clone(id uint64) *leaf[V] {
	c := &leaf[V]{w: mkWord(id, l.n(), true), keys: l.keys}
	copy(c.vals[:l.n()], l.vals[:l.n()])
	return c
}

// insertAt puts key (copied) and v at position i; the leaf must have room. A block of the
// leaf's own takes the key's suffix in place when the key starts with the block's prefix;
// otherwise (a shared block, a key outside the prefix) the leaf gets a new block.
func (l *leaf[V]) insertAt(i int, key string, v V) {
	if p := l.keys.prefix(); !l.w.shared() && strings.HasPrefix(key, p) {
		l.keys = l.keys.insert(l.n(), i, piece{key[len(p):], ""})
	} else {
		var ps [leafMax + 1]piece
		for j := range i {
			ps[j] = l.keys.piece(j)
		}
		ps[i] = piece{key, ""}
		for j := i; j < l.n(); j++ {
			ps[j+1] = l.keys.piece(j)
		}
		l.keys = blockOfPieces(ps[:l.n()+1], 0, leafHeader)
		l.w.setShared(false)
	}
	copy(l.vals[i+1:l.n()+1], l.vals[i:l.n()])
	l.vals[i] = v
	l.w.setCount(l.n() + 1)
}

// removeAt drops entry i.
func (l *leaf[V]) removeAt(i int) {
	if l.w.shared() {
		var ps [leafMax]piece
		for j := range i {
			ps[j] = l.keys.piece(j)
		}
		for j := i + 1; j < l.n(); j++ {
			ps[j-1] = l.keys.piece(j)
		}
		l.keys = blockOfPieces(ps[:l.n()-1], 0, leafHeader)
		l.w.setShared(false)
	} else {
		l.keys = l.keys.remove(l.n(), i)
	}
	copy(l.vals[i:l.n()-1], l.vals[i+1:l.n()])
	l.w.setCount(l.n() - 1)
	var zero V
	l.vals[l.n()] = zero // drop the reference for the GC
}

// run is a list of entries in key order gathered from up to two leaves and one new entry, as
// pieces (views into the leaves' blocks) and values, to be dealt out again over two leaves
// with new blocks: splits, spills and rebalancing.
type run[V any] struct {
	keys [2*leafMax + 1]piece
	vals [2*leafMax + 1]V
	n    int
}

// add appends entries [from, to) of l.
func (r *run[V]) add(l *leaf[V], from, to int) {
	for i := from; i < to; i++ {
		r.keys[r.n], r.vals[r.n] = l.keys.piece(i), l.vals[i]
		r.n++
	}
}

// addOne appends key and v.
func (r *run[V]) addOne(key string, v V) {
	r.keys[r.n], r.vals[r.n] = piece{key, ""}, v
	r.n++
}

// fill makes entries [from, to) of r the entries of l, which must be owned. When l has a
// block of its own with the room, the new block is written into e's scratch buffer and then
// over the old one, in place: any piece of r that points into l's block is dead once fill
// returns, so a caller filling two leaves fills last the one whose block the other's entries
// come from. Otherwise l gets a new block, with some room for the inserts a batch may add.
func (e *Edit[V]) fill(l *leaf[V], r *run[V], from, to int) {
	ps := r.keys[from:to]
	plen, size := layout(ps)
	if need := leafHeader + size; !l.w.shared() && cap(l.keys) >= need {
		if cap(e.scratch) < need {
			e.scratch = make(block, 0, need+blockSlack)
		}
		e.scratch = build(e.scratch, ps, plen, leafHeader)
		l.keys = append(l.keys[:0], e.scratch...)
	} else {
		l.keys = build(make(block, leafHeader, need), ps, plen, leafHeader)
		l.w.setShared(false)
	}
	n := to - from
	copy(l.vals[:n], r.vals[from:to])
	clear(l.vals[n:max(n, l.n())])
	l.w.setCount(n)
}

// sep returns separator i as a piece of views into the node's block.
func (n *inner[V]) sep(i int) piece { return n.seps.piece(i) }

// childIndex returns the index of the child whose range holds key: the number of separators
// <= key.
func (n *inner[V]) childIndex(key string) int { return n.seps.upper(n.n()-1, key) }

func (n *inner[V]) inner(i int) *inner[V] { return (*inner[V])(n.kids[i]) }
func (n *inner[V]) leaf(i int) *leaf[V]   { return (*leaf[V])(n.kids[i]) }

// clone returns a copy of n owned by id that shares n's separators.
func (n *inner[V]) clone(id uint64) *inner[V] {
	c := &inner[V]{w: mkWord(id, n.n(), true), seps: n.seps}
	copy(c.kids[:n.n()], n.kids[:n.n()])
	return c
}

// setSep sets separator i to sep (copied).
func (n *inner[V]) setSep(i int, sep piece) {
	p := n.seps.prefix()
	if !n.w.shared() && sep.hasPrefix(p) {
		n.seps = n.seps.remove(n.n()-1, i).insert(n.n()-2, i, sep.tail(len(p)))
		return
	}
	var ps [innerMax - 1]piece
	for j := range n.n() - 1 {
		ps[j] = n.seps.piece(j)
	}
	ps[i] = sep
	n.seps = blockOfPieces(ps[:n.n()-1], 0, innerHeader)
	n.w.setShared(false)
}

// insertKid puts sep (copied) at separator position i and kid at child position i+1; n must
// have room.
func (n *inner[V]) insertKid(i int, sep piece, kid unsafe.Pointer) {
	if p := n.seps.prefix(); !n.w.shared() && sep.hasPrefix(p) {
		n.seps = n.seps.insert(n.n()-1, i, sep.tail(len(p)))
	} else {
		var ps [innerMax - 1]piece
		for j := range i {
			ps[j] = n.seps.piece(j)
		}
		ps[i] = sep
		for j := i; j < n.n()-1; j++ {
			ps[j+1] = n.seps.piece(j)
		}
		n.seps = blockOfPieces(ps[:n.n()], 0, innerHeader)
		n.w.setShared(false)
	}
	copy(n.kids[i+2:n.n()+1], n.kids[i+1:n.n()])
	n.kids[i+1] = kid
	n.w.setCount(n.n() + 1)
}

// removeKid drops separator i and child i+1.
func (n *inner[V]) removeKid(i int) {
	if n.w.shared() {
		var ps [innerMax - 1]piece
		for j := range i {
			ps[j] = n.seps.piece(j)
		}
		for j := i + 1; j < n.n()-1; j++ {
			ps[j-1] = n.seps.piece(j)
		}
		n.seps = blockOfPieces(ps[:n.n()-2], 0, innerHeader)
		n.w.setShared(false)
	} else {
		n.seps = n.seps.remove(n.n()-1, i)
	}
	copy(n.kids[i+1:], n.kids[i+2:n.n()])
	n.w.setCount(n.n() - 1)
	n.kids[n.n()] = nil
}

// kidRun is the children of up to two inner nodes with the separators between them (the one
// that parted the two nodes in their parent included) and perhaps one new child, gathered to
// be dealt out again over two nodes with new blocks: splits and rebalancing. Separator i lies
// between child i and child i+1.
type kidRun struct {
	seps [2 * innerMax]piece
	kids [2*innerMax + 1]unsafe.Pointer
	n    int // children
}

// add appends n's children and separators, after sep when the run holds children already.
func addKids[V any](r *kidRun, sep piece, n *inner[V]) {
	if r.n > 0 {
		r.seps[r.n-1] = sep
	}
	for i := range n.n() {
		if i > 0 {
			r.seps[r.n-1] = n.seps.piece(i - 1)
		}
		r.kids[r.n] = n.kids[i]
		r.n++
	}
}

// fill makes children [from, to) of r, with the separators between them, the children of n,
// in a new separator block of n's own; n's old block is dropped, not changed.
func (n *inner[V]) fill(r *kidRun, from, to int) {
	n.seps = blockOfPieces(r.seps[from:to-1], 0, innerHeader)
	n.w.setShared(false)
	k := to - from
	copy(n.kids[:k], r.kids[from:to])
	clear(n.kids[k:max(k, n.n())])
	n.w.setCount(k)
}
