package btree

import "unsafe"

// Diff calls fn for each key in [lo, hi) whose entry differs between a and b, in ascending key
// order or, with reverse, descending: the key, a's value (nil when a has no entry under it) and
// b's (nil when b has none). hi "" means no upper bound. A key present in both differs when eq
// says its two values differ. fn returning false stops the walk. nil maps are empty.
//
// Two maps derived from one another share every node that neither changed since they parted
// (an Edit copies only the nodes it changes). Diff walks both maps side by side and, wherever
// both stand on one key inside one and the same node, steps over the rest of that subtree
// without reading it: identical nodes hold identical entries. It therefore reads O(d × height)
// nodes for d differing entries, plus at most one leaf of entries on each side of a
// difference, whatever the size of the maps. Maps with nothing in common are compared entry
// by entry.
//
// The keys passed to fn are views into frozen leaves, which fn may keep; the values point
// into the leaves, to read only. Safe for concurrent use.
func Diff[V any](a, b *Map[V], lo, hi string, reverse bool, eq func(x, y *V) bool, fn func(key string, x, y *V) bool) {
	var w differ[V]
	if a != nil {
		w.a.t = a.t
	}
	if b != nil {
		w.b.t = b.t
	}
	w.lo, w.hi, w.rev = lo, hi, reverse
	w.run(eq, fn)
}

// differ is the state of one Diff: a cursor on each map and the walk's bounds and direction.
type differ[V any] struct {
	a, b   Cursor[V]
	lo, hi string
	rev    bool
}

// start positions c at the first key of the range in the walk's direction.
func (w *differ[V]) start(c *Cursor[V]) bool {
	switch {
	case !w.rev:
		return c.SeekGE(w.lo)
	case w.hi == "":
		return c.Last()
	default:
		return c.SeekLT(w.hi)
	}
}

// in reports whether key, reached by moving in the walk's direction, is still in the range.
func (w *differ[V]) in(key string) bool {
	if w.rev {
		return key >= w.lo
	}
	return w.hi == "" || key < w.hi
}

// first reports whether key x comes before key y in the walk's direction.
func (w *differ[V]) first(x, y string) bool {
	if w.rev {
		return x > y
	}
	return x < y
}

// step moves c one entry in the walk's direction.
func (w *differ[V]) step(c *Cursor[V]) bool {
	if w.rev {
		return c.Prev()
	}
	return c.Next()
}

func (w *differ[V]) run(eq func(x, y *V) bool, fn func(key string, x, y *V) bool) {
	okA, okB := w.start(&w.a), w.start(&w.b)
	for {
		okA = okA && w.in(w.a.Key())
		okB = okB && w.in(w.b.Key())
		switch {
		case okA && okB:
			ka, kb := w.a.Key(), w.b.Key()
			switch {
			case ka == kb:
				if w.a.lf == w.b.lf {
					// The same leaf: at least the rest of it, and perhaps a larger subtree, is
					// shared.
					okA, okB = w.skipShared()
					continue
				}
				if x, y := w.a.Value(), w.b.Value(); !eq(x, y) && !fn(ka, x, y) {
					return
				}
				okA, okB = w.step(&w.a), w.step(&w.b)
			case w.first(ka, kb):
				if !fn(ka, w.a.Value(), nil) {
					return
				}
				okA = w.step(&w.a)
			default:
				if !fn(kb, nil, w.b.Value()) {
					return
				}
				okB = w.step(&w.b)
			}
		case okA:
			if !fn(w.a.Key(), w.a.Value(), nil) {
				return
			}
			okA = w.step(&w.a)
		case okB:
			if !fn(w.b.Key(), nil, w.b.Value()) {
				return
			}
			okB = w.step(&w.b)
		default:
			return
		}
	}
}

// skipShared moves both cursors, which stand on the same key in the same leaf, past the
// largest subtree both maps share from that position on: the rest of the leaf, or of its
// highest ancestor that is one node in both maps. Within one node the same key has the same
// position, so whatever follows it in that node is the same on both sides. Then, as long as
// the subtrees the two cursors move on to are one node too, it steps over those as well
// without descending into them: after a change, the siblings along its path cost a pointer
// comparison each. It returns whether each cursor is still on an entry.
func (w *differ[V]) skipShared() (bool, bool) {
	a, b := &w.a, &w.b
	lvl, top := 0, min(a.t.h, b.t.h)-1 // 0 is the leaf; top the highest level both maps have
	for lvl < top && a.node(lvl+1) == b.node(lvl+1) {
		lvl++
	}
	for {
		da, db := a.next(lvl, w.rev), b.next(lvl, w.rev)
		if da < 0 || db < 0 {
			return a.enter(da, w.rev), b.enter(db, w.rev)
		}
		// The subtrees the cursors moved on to, at levels height-2-depth.
		la, lb := a.t.h-2-da, b.t.h-2-db
		if la != lb || a.path[da].child() != b.path[db].child() {
			return a.enter(da, w.rev), b.enter(db, w.rev)
		}
		lvl = la
	}
}

// node returns the node at level lvl (1: the parent of the leaves; the tree's height less one:
// the root) on the cursor's path, for identity comparisons. 1 <= lvl < height.
func (c *Cursor[V]) node(lvl int) *inner[V] { return c.path[c.t.h-1-lvl].n }

// child returns the child the step takes, for identity comparisons.
func (s *step[V]) child() unsafe.Pointer { return s.n.kids[s.i] }

// next moves the step of the cursor's path that leads into the subtree at level lvl holding
// its position (lvl 0: its leaf) on to that subtree's next sibling in the walk's direction,
// climbing past parents that have none, and returns the depth of the step it moved; -1 when
// the subtree was the map's last. The cursor stands on no entry until enter.
func (c *Cursor[V]) next(lvl int, reverse bool) int {
	for d := c.t.h - 2 - lvl; d >= 0; d-- {
		s := &c.path[d]
		if reverse && s.i > 0 {
			s.i--
			return d
		}
		if !reverse && s.i+1 < s.n.n() {
			s.i++
			return d
		}
	}
	return -1
}

// enter places the cursor on the first entry (the last, with reverse) of the subtree the path
// step at depth d leads to; with d -1, on none (false).
func (c *Cursor[V]) enter(d int, reverse bool) bool {
	if d < 0 {
		c.lf = nil
		return false
	}
	return c.edge(d+1, reverse)
}
