package btree

import "unsafe"

// Delete removes key and returns the value it held, if any. Deleting an absent key changes
// nothing and copies no node. key is not retained.
func (e *Edit[V]) Delete(key string) (old V, deleted bool) {
	t := &e.t
	if t.h == 0 {
		return old, false
	}
	// Find the entry without copying anything, remembering the path.
	var path [maxInner]step[V]
	var l *leaf[V]
	if t.h == 1 {
		l = t.lf()
	} else {
		n := t.in()
		for d := 0; ; d++ {
			i := n.childIndex(key)
			path[d] = step[V]{n, i}
			if d == t.h-2 {
				l = n.leaf(i)
				break
			}
			n = n.inner(i)
		}
	}
	pos, found := l.search(key)
	if !found {
		return old, false
	}
	if e.id == 0 {
		e.id = nextID()
	}
	// Take ownership of the path top-down.
	if t.h == 1 {
		t.root = unsafe.Pointer(e.ownLeaf(l))
		l = t.lf()
	} else {
		t.root = unsafe.Pointer(e.ownInner(t.in()))
		path[0].n = t.in()
		for d := 1; d < t.h-1; d++ {
			p := path[d-1]
			c := e.ownInner(path[d].n)
			p.n.kids[p.i] = unsafe.Pointer(c)
			path[d].n = c
		}
		p := path[t.h-2]
		l = e.ownLeaf(l)
		p.n.kids[p.i] = unsafe.Pointer(l)
	}
	old = l.vals[pos]
	l.removeAt(pos)
	t.n--
	if t.h == 1 {
		if l.n() == 0 {
			t.root, t.h = nil, 0
		}
		return old, true
	}
	if l.n() >= leafMin {
		return old, true
	}
	p := path[t.h-2]
	e.fixLeaf(p.n, p.i)
	for d := t.h - 2; d > 0 && path[d].n.n() < innerMin; d-- {
		p := path[d-1]
		e.fixInner(p.n, p.i)
	}
	if t.in().n() == 1 { // the root lost its last sibling pair: drop a level
		t.root = t.in().kids[0]
		t.h--
	}
	return old, true
}

// fixLeaf restores the fill of p's child leaf i (owned, one entry short) by borrowing an
// entry from a sibling that can spare one, or else by merging with a sibling. p is owned.
func (e *Edit[V]) fixLeaf(p *inner[V], i int) {
	l := p.leaf(i)
	if i > 0 {
		if s := p.leaf(i - 1); s.n() > leafMin {
			// l takes the left sibling's last entry.
			s = e.ownLeaf(s)
			p.kids[i-1] = unsafe.Pointer(s)
			var r run[V]
			r.add(s, 0, s.n())
			r.add(l, 0, l.n())
			e.fill(l, &r, s.n()-1, r.n)
			e.fill(s, &r, 0, s.n()-1)
			p.setSep(i-1, sepBetween(s.key(s.n()-1), l.key(0)))
			return
		}
	}
	if i+1 < p.n() {
		if s := p.leaf(i + 1); s.n() > leafMin {
			// l takes the right sibling's first entry.
			s = e.ownLeaf(s)
			p.kids[i+1] = unsafe.Pointer(s)
			var r run[V]
			r.add(l, 0, l.n())
			r.add(s, 0, s.n())
			k := l.n() + 1
			e.fill(l, &r, 0, k) // first: it takes s's first entry
			e.fill(s, &r, k, r.n)
			if plantBug != bugStaleSeparator {
				p.setSep(i, sepBetween(l.key(l.n()-1), s.key(0)))
			}
			return
		}
	}
	if i > 0 { // merge l into its left sibling
		s := e.ownLeaf(p.leaf(i - 1))
		p.kids[i-1] = unsafe.Pointer(s)
		var r run[V]
		r.add(s, 0, s.n())
		r.add(l, 0, l.n())
		e.fill(s, &r, 0, r.n)
		p.removeKid(i - 1)
		return
	}
	// merge the right sibling into l
	s := p.leaf(i + 1)
	var r run[V]
	r.add(l, 0, l.n())
	r.add(s, 0, s.n())
	e.fill(l, &r, 0, r.n)
	p.removeKid(i)
}

// fixInner restores the fill of p's inner child i (owned, one child short) like fixLeaf:
// borrow a child through the parent's separator, or merge. The children of both nodes and the
// separator between them are gathered and dealt out again; the separator at the new boundary
// moves up into p.
func (e *Edit[V]) fixInner(p *inner[V], i int) {
	c := p.inner(i)
	if i > 0 {
		if s := p.inner(i - 1); s.n() > innerMin {
			// c takes the left sibling's last child.
			s = e.ownInner(s)
			p.kids[i-1] = unsafe.Pointer(s)
			var r kidRun
			addKids(&r, piece{}, s)
			addKids(&r, p.sep(i-1), c)
			k := s.n() - 1
			c.fill(&r, k, r.n)
			s.fill(&r, 0, k)
			p.setSep(i-1, r.seps[k-1])
			return
		}
	}
	if i+1 < p.n() {
		if s := p.inner(i + 1); s.n() > innerMin {
			// c takes the right sibling's first child.
			s = e.ownInner(s)
			p.kids[i+1] = unsafe.Pointer(s)
			var r kidRun
			addKids(&r, piece{}, c)
			addKids(&r, p.sep(i), s)
			k := c.n() + 1
			s.fill(&r, k, r.n)
			c.fill(&r, 0, k)
			p.setSep(i, r.seps[k-1])
			return
		}
	}
	if i > 0 { // merge c into its left sibling
		s := e.ownInner(p.inner(i - 1))
		p.kids[i-1] = unsafe.Pointer(s)
		var r kidRun
		addKids(&r, piece{}, s)
		addKids(&r, p.sep(i-1), c)
		s.fill(&r, 0, r.n)
		p.removeKid(i - 1)
		return
	}
	var r kidRun
	addKids(&r, piece{}, c)
	addKids(&r, p.sep(i), p.inner(i+1))
	c.fill(&r, 0, r.n)
	p.removeKid(i)
}
