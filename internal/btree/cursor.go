package btree

// Cursor walks a Map, or an Edit's current state, in key order in both directions. A cursor
// is positioned by a Seek method, First or Last; Next and Prev move it. Once a move finds no
// entry the cursor is invalid until it is positioned again. Stepping allocates nothing; the
// root-to-leaf path lives in a fixed array inside the cursor. A Cursor is for one goroutine;
// any number of cursors may walk one Map at once.
type Cursor[V any] struct {
	t    tree[V]
	path [maxInner]step[V]
	lf   *leaf[V] // nil when invalid
	pos  int
}

// Valid reports whether the cursor is on an entry.
func (c *Cursor[V]) Valid() bool { return c.lf != nil }

// Key returns a copy of the current key, which the caller owns, or "" when invalid. A leaf
// keeps its keys' shared prefix once, so a key is put together on request: AppendKey, HasPrefix
// and Compare read it without allocating.
func (c *Cursor[V]) Key() string {
	if c.lf == nil {
		return ""
	}
	return c.lf.key(c.pos).str()
}

// AppendKey appends the current key to dst and returns the extended slice; dst unchanged when
// the cursor is invalid.
func (c *Cursor[V]) AppendKey(dst []byte) []byte {
	if c.lf == nil {
		return dst
	}
	return c.lf.key(c.pos).appendFrom(dst, 0)
}

// KeyLen returns the length of the current key, or 0 when invalid.
func (c *Cursor[V]) KeyLen() int {
	if c.lf == nil {
		return 0
	}
	return c.lf.key(c.pos).len()
}

// HasPrefix reports whether the cursor is on a key that starts with prefix.
func (c *Cursor[V]) HasPrefix(prefix string) bool {
	return c.lf != nil && c.lf.key(c.pos).hasPrefix(prefix)
}

// Compare compares the current key with key: -1, 0 or +1 as it sorts before, equal to or after
// key. The cursor must be valid.
func (c *Cursor[V]) Compare(key string) int { return c.lf.key(c.pos).cmp(key) }

// Value returns a pointer to the current value, or nil when invalid. It points into the leaf:
// read it, never write through it.
func (c *Cursor[V]) Value() *V {
	if c.lf == nil {
		return nil
	}
	return &c.lf.vals[c.pos]
}

// descend walks from the root to the leaf whose range holds key, recording the path.
func (c *Cursor[V]) descend(key string) *leaf[V] {
	t := &c.t
	if t.h == 0 {
		c.lf = nil
		return nil
	}
	if t.h == 1 {
		return t.lf()
	}
	n := t.in()
	for d := 0; ; d++ {
		i := n.childIndex(key)
		c.path[d] = step[V]{n, i}
		if d == t.h-2 {
			return n.leaf(i)
		}
		n = n.inner(i)
	}
}

// edge places the cursor at the first (or, with last, the final) entry of the subtree at
// level d of the current path: level 0 is the root, level d > 0 is the child that path step
// d-1 points at (a leaf when d is the tree's height less one).
func (c *Cursor[V]) edge(d int, last bool) bool {
	t := &c.t
	switch t.h {
	case 0:
		c.lf = nil
		return false
	case 1:
		c.lf = t.lf()
	default:
		var lf *leaf[V]
		n := t.in()
		if d > 0 {
			p := c.path[d-1]
			if d == t.h-1 {
				lf = p.n.leaf(p.i)
			} else {
				n = p.n.inner(p.i)
			}
		}
		for ; lf == nil; d++ {
			i := 0
			if last {
				i = n.n() - 1
			}
			c.path[d] = step[V]{n, i}
			if d == t.h-2 {
				lf = n.leaf(i)
			} else {
				n = n.inner(i)
			}
		}
		c.lf = lf
	}
	c.pos = 0
	if last {
		c.pos = c.lf.n() - 1
	}
	return true
}

// First moves to the smallest key; false when the map is empty.
func (c *Cursor[V]) First() bool { return c.edge(0, false) }

// Last moves to the largest key; false when the map is empty.
func (c *Cursor[V]) Last() bool { return c.edge(0, true) }

// SeekGE moves to the first key >= key; false when there is none. key is not retained.
func (c *Cursor[V]) SeekGE(key string) bool {
	l := c.descend(key)
	if l == nil {
		return false
	}
	c.lf = l
	c.pos, _ = l.search(key)
	return c.fixForward()
}

// SeekGT moves to the first key > key; false when there is none. key is not retained.
func (c *Cursor[V]) SeekGT(key string) bool {
	l := c.descend(key)
	if l == nil {
		return false
	}
	c.lf = l
	c.pos = l.upper(key)
	return c.fixForward()
}

// SeekLT moves to the last key < key; false when there is none. key is not retained.
func (c *Cursor[V]) SeekLT(key string) bool {
	l := c.descend(key)
	if l == nil {
		return false
	}
	c.lf = l
	c.pos, _ = l.search(key)
	c.pos--
	return c.fixBackward()
}

// SeekLE moves to the last key <= key; false when there is none. key is not retained.
func (c *Cursor[V]) SeekLE(key string) bool {
	l := c.descend(key)
	if l == nil {
		return false
	}
	c.lf = l
	c.pos = l.upper(key) - 1
	return c.fixBackward()
}

// Next moves to the next key; false (and invalid) when there is none or the cursor is
// invalid.
func (c *Cursor[V]) Next() bool {
	if c.lf == nil {
		return false
	}
	c.pos++
	return c.fixForward()
}

// Prev moves to the previous key; false (and invalid) when there is none or the cursor is
// invalid.
func (c *Cursor[V]) Prev() bool {
	if c.lf == nil {
		return false
	}
	c.pos--
	return c.fixBackward()
}

// fixForward moves a position one past the end of its leaf to the next leaf's first entry.
func (c *Cursor[V]) fixForward() bool {
	if c.pos < c.lf.n() {
		return true
	}
	for d := c.t.h - 2; d >= 0; d-- {
		if s := &c.path[d]; s.i+1 < s.n.n() {
			s.i++
			return c.edge(d+1, false)
		}
	}
	c.lf = nil
	return false
}

// fixBackward moves a position of -1 to the previous leaf's last entry.
func (c *Cursor[V]) fixBackward() bool {
	if c.pos >= 0 {
		return true
	}
	for d := c.t.h - 2; d >= 0; d-- {
		if s := &c.path[d]; s.i > 0 {
			s.i--
			return c.edge(d+1, true)
		}
	}
	c.lf = nil
	return false
}
