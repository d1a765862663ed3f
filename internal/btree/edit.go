package btree

import "unsafe"

// Edit is a transient: a batch of changes on top of a [Map]. The first time it touches a node
// shared with a published Map it copies it; the copy carries the edit's owner id and later
// changes to it happen in place. The zero Edit is an empty edit ready to use. Not safe for
// concurrent use: one goroutine at a time, and no reader while it changes.
type Edit[V any] struct {
	t       tree[V]
	id      uint64
	scratch block // where fill builds a leaf's block before it overwrites the old one
}

// step is one inner level of a root-to-leaf path: the node and the child index taken.
type step[V any] struct {
	n *inner[V]
	i int
}

// Len returns the number of entries.
func (e *Edit[V]) Len() int { return e.t.n }

// Get returns the value stored under key and whether there is one. key is not retained.
func (e *Edit[V]) Get(key string) (V, bool) {
	if p, ok := e.t.get(key); ok {
		return *p, true
	}
	var zero V
	return zero, false
}

// Cursor returns a cursor over the edit's current contents, not positioned. It is valid until
// the edit's next change (Set, SetNear, Delete); Map does not invalidate it.
func (e *Edit[V]) Cursor() *Cursor[V] { return &Cursor[V]{t: e.t} }

// Map freezes and returns the current contents as an immutable Map. The edit stays usable: it
// takes a fresh owner id, so any later change copies nodes again and can never reach a node of
// the returned Map.
func (e *Edit[V]) Map() *Map[V] {
	m := &Map[V]{t: e.t}
	if plantBug != bugNoFreeze {
		if e.id != 0 && onRetire != nil {
			onRetire(e.id)
		}
		e.id = nextID()
	}
	return m
}

func (e *Edit[V]) ownLeaf(l *leaf[V]) *leaf[V] {
	if l.w.owns(e.id) {
		return l
	}
	return l.clone(e.id)
}

func (e *Edit[V]) ownInner(n *inner[V]) *inner[V] {
	if n.w.owns(e.id) {
		return n
	}
	return n.clone(e.id)
}

// Set stores v under key and returns the value it replaced, if any. key is copied in, so the
// caller may pass a view over a reused buffer.
func (e *Edit[V]) Set(key string, v V) (old V, replaced bool) {
	old, replaced, _ = e.SetNear(key, v)
	return old, replaced
}

// SetNear is Set that also returns near, a lower bound on the longest prefix key shares with
// another key of the map (before the change): when near > 0, some other key starts with
// key[:near]. It compares key with its neighbours in its leaf only, so it costs two short
// comparisons; 0 says nothing. A caller that keeps a set of key prefixes (namespaces, say)
// checks its set only when near is shorter than the prefix.
func (e *Edit[V]) SetNear(key string, v V) (old V, replaced bool, near int) {
	if e.id == 0 {
		e.id = nextID()
	}
	t := &e.t
	if t.h == 0 {
		l := &leaf[V]{w: mkWord(e.id, 1, false), keys: blockOfPieces([]piece{{key, ""}}, 0, leafHeader)}
		l.vals[0] = v
		t.root, t.h, t.n = unsafe.Pointer(l), 1, 1
		return old, false, near
	}
	// Descend, taking ownership of every node on the path: Set always changes the leaf.
	var path [maxInner]step[V]
	var l *leaf[V]
	if t.h == 1 {
		t.root = unsafe.Pointer(e.ownLeaf(t.lf()))
		l = t.lf()
	} else {
		t.root = unsafe.Pointer(e.ownInner(t.in()))
		n := t.in()
		for d := 0; ; d++ {
			i := n.childIndex(key)
			path[d] = step[V]{n, i}
			if d == t.h-2 {
				l = e.ownLeaf(n.leaf(i))
				n.kids[i] = unsafe.Pointer(l)
				break
			}
			c := e.ownInner(n.inner(i))
			n.kids[i] = unsafe.Pointer(c)
			n = c
		}
	}
	pos, found := l.search(key)
	if pos > 0 {
		near = l.key(pos - 1).commonPrefixKey(key)
	}
	next := pos
	if found {
		next++
	}
	if next < l.n() {
		near = max(near, l.key(next).commonPrefixKey(key))
	}
	if found {
		old = l.vals[pos]
		l.vals[pos] = v
		return old, true, near
	}
	t.n++
	if l.n() < leafMax {
		l.insertAt(pos, key, v)
		return old, false, near
	}
	// The leaf is full: gather its entries and the new one, then deal them out again.
	var r run[V]
	r.add(l, 0, pos)
	r.addOne(key, v)
	r.add(l, pos, l.n())
	if t.h > 1 && e.spillLeft(path[t.h-2], l, &r) {
		return old, false, near
	}
	// Split: the upper entries move to a new right sibling. The new entry stays on the left
	// when it falls among the lower leafMin, so both halves hold at least leafMin entries.
	left := leafMin
	if pos <= leafMin {
		left++
	}
	right := &leaf[V]{w: mkWord(e.id, 0, false)}
	e.fill(right, &r, left, r.n)
	e.fill(l, &r, 0, left)
	e.grow(&path, sepBetween(l.key(l.n()-1), right.key(0)), unsafe.Pointer(right))
	return old, false, near
}

// spillLeft makes room in the full leaf l, child s.i of s.n, by moving its first entries into
// its left sibling until that one is full: r holds l's entries and the new one. It reports
// false, changing nothing, when l has no left sibling or the sibling is full. Spilling before
// splitting keeps leaves fuller: an ascending run of inserts fills each leaf instead of leaving
// it half full.
func (e *Edit[V]) spillLeft(s step[V], l *leaf[V], r *run[V]) bool {
	if s.i == 0 || s.n.leaf(s.i-1).n() >= leafMax {
		return false
	}
	left := e.ownLeaf(s.n.leaf(s.i - 1))
	s.n.kids[s.i-1] = unsafe.Pointer(left)
	// All of left's entries, then l's and the new one; left takes the first leafMax.
	var all run[V]
	all.add(left, 0, left.n())
	copy(all.keys[all.n:], r.keys[:r.n])
	copy(all.vals[all.n:], r.vals[:r.n])
	all.n += r.n
	e.fill(left, &all, 0, leafMax)
	e.fill(l, &all, leafMax, all.n)
	s.n.setSep(s.i-1, sepBetween(left.key(left.n()-1), l.key(0)))
	return true
}

// grow inserts kid, the new right sibling of the node the path's last step leads to, with
// lower bound sep (copied), splitting inner nodes upward as needed and adding a root level
// when the root splits.
func (e *Edit[V]) grow(path *[maxInner]step[V], sep piece, kid unsafe.Pointer) {
	t := &e.t
	for d := t.h - 2; d >= 0; d-- {
		n, i := path[d].n, path[d].i
		if n.n() < innerMax {
			n.insertKid(i, sep, kid)
			return
		}
		sep, kid = e.splitInner(n, i, sep, kid)
	}
	// The root split: a new root over the old one and kid.
	r := &inner[V]{w: mkWord(e.id, 2, false), seps: blockOfPieces([]piece{sep}, 0, innerHeader)}
	r.kids[0] = t.root
	r.kids[1] = kid
	t.root = unsafe.Pointer(r)
	t.h++
}

// splitInner inserts sep/kid after child i of the full node n by splitting n: n keeps the
// lower half of the children, a new right node the upper half; it returns the separator that
// moves up (a view into a block no edit changes any more) and the new node.
func (e *Edit[V]) splitInner(n *inner[V], i int, sep piece, kid unsafe.Pointer) (piece, unsafe.Pointer) {
	var r kidRun
	for j := range n.n() {
		if j > 0 {
			r.seps[r.n-1] = n.sep(j - 1)
		}
		r.kids[r.n] = n.kids[j]
		r.n++
		if j == i {
			r.seps[r.n-1] = sep
			r.kids[r.n] = kid
			r.n++
		}
	}
	const left = (innerMax + 1) / 2 // children kept by n
	right := &inner[V]{w: mkWord(e.id, 0, false)}
	right.fill(&r, left, r.n)
	up := r.seps[left-1]
	n.fill(&r, 0, left)
	return up, unsafe.Pointer(right)
}
