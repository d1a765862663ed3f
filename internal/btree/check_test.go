package btree

import (
	"fmt"
	"os"
	"reflect"
	"sync"
	"testing"
	"unsafe"
)

// retired holds every owner id an Edit gave up on publishing a Map (see onRetire): the ids of
// frozen nodes. Any other id belongs to a live edit.
var retired sync.Map

func TestMain(m *testing.M) {
	onRetire = func(id uint64) { retired.Store(id, struct{}{}) }
	os.Exit(m.Run())
}

// check verifies the invariants of a published Map: sorted keys, separator bounds, fill
// bounds, uniform depth, entry count, and that every node is frozen (owned by no live edit).
func (m *Map[V]) check() error {
	if m == nil {
		return nil
	}
	return m.t.check(true)
}

// check verifies an edit's current tree: the Map invariants less the ownership one.
func (e *Edit[V]) check() error { return e.t.check(false) }

type checker struct {
	blocks    map[*byte]bool // the blocks seen: no two nodes of one tree share one
	published bool
	h         int
	count     int
	prev      string
	seen      bool
}

func (t *tree[V]) check(published bool) error {
	c := &checker{published: published, h: t.h, blocks: map[*byte]bool{}}
	switch {
	case t.h == 0:
		if t.root != nil || t.n != 0 {
			return fmt.Errorf("empty tree with root %p and count %d", t.root, t.n)
		}
		return nil
	case t.h == 1:
		if t.root == nil {
			return fmt.Errorf("height 1 without a root")
		}
		if t.lf().n() == 0 {
			return fmt.Errorf("empty root leaf")
		}
		if err := checkLeaf(c, t.lf(), true, "", false, "", false); err != nil {
			return err
		}
	default:
		if t.root == nil {
			return fmt.Errorf("height %d without a root", t.h)
		}
		if t.in().n() < 2 {
			return fmt.Errorf("inner root with %d children", t.in().n())
		}
		if err := checkInner(c, t.in(), t.h-1, true, "", false, "", false); err != nil {
			return err
		}
	}
	if c.count != t.n {
		return fmt.Errorf("count %d, leaves hold %d", t.n, c.count)
	}
	return nil
}

func (c *checker) owner(id uint64, what string) error {
	if !c.published {
		return nil
	}
	if _, ok := retired.Load(id); !ok {
		return fmt.Errorf("%s owned by live edit %d is reachable from a published map", what, id)
	}
	return nil
}

// checkLeaf checks l, whose keys must lie in [lo, hi) (each bound only when its has flag is
// set), and that its keys continue the ascending order of all keys seen so far.
func checkLeaf[V any](c *checker, l *leaf[V], root bool, lo string, hasLo bool, hi string, hasHi bool) error {
	if err := c.owner(l.w.owner(), "leaf"); err != nil {
		return err
	}
	if l.n() > leafMax || (!root && l.n() < leafMin) {
		return fmt.Errorf("leaf with %d entries (fill %d..%d)", l.n(), leafMin, leafMax)
	}
	if err := c.block(l.keys, l.n(), leafHeader); err != nil {
		return fmt.Errorf("leaf: %w", err)
	}
	for i := 0; i < l.n(); i++ {
		k := l.key(i).str()
		if c.seen && k <= c.prev {
			return fmt.Errorf("key %q after %q", k, c.prev)
		}
		if hasLo && k < lo {
			return fmt.Errorf("key %q below its separator %q", k, lo)
		}
		if hasHi && k >= hi {
			return fmt.Errorf("key %q not below its separator %q", k, hi)
		}
		c.prev, c.seen = k, true
	}
	if err := vacated(l.vals[:], l.n()); err != nil {
		return fmt.Errorf("leaf: %w", err)
	}
	c.count += l.n()
	return nil
}

// vacated checks that the slots of slots past the first n hold zero values: a slot an entry
// left (a delete, a split, a spill, a rebalance) must not keep its value or child reachable,
// or the collector keeps alive what the map no longer holds (a deleted record's value, a
// dropped subtree) for as long as the node lives.
func vacated[T any](slots []T, n int) error {
	for i := n; i < len(slots); i++ {
		if !reflect.ValueOf(&slots[i]).Elem().IsZero() {
			return fmt.Errorf("vacated slot %d of %d (holding %d) still holds a reference", i, len(slots), n)
		}
	}
	return nil
}

func checkInner[V any](c *checker, n *inner[V], lvl int, root bool, lo string, hasLo bool, hi string, hasHi bool) error {
	if err := c.owner(n.w.owner(), "inner node"); err != nil {
		return err
	}
	if n.n() > innerMax || (!root && n.n() < innerMin) {
		return fmt.Errorf("inner node with %d children (fill %d..%d)", n.n(), innerMin, innerMax)
	}
	if err := c.block(n.seps, n.n()-1, innerHeader); err != nil {
		return fmt.Errorf("inner node: %w", err)
	}
	for i := 0; i+1 < n.n(); i++ {
		s := n.sep(i).str()
		if i > 0 && s <= n.sep(i-1).str() {
			return fmt.Errorf("separator %q after %q", s, n.sep(i-1).str())
		}
		if (hasLo && s < lo) || (hasHi && s >= hi) {
			return fmt.Errorf("separator %q outside its parent's range", s)
		}
	}
	if err := vacated(n.kids[:], n.n()); err != nil {
		return fmt.Errorf("inner node: %w", err)
	}
	for i := 0; i < n.n(); i++ {
		if n.kids[i] == nil {
			return fmt.Errorf("nil child %d of %d", i, n.n())
		}
		clo, chasLo, chi, chasHi := lo, hasLo, hi, hasHi
		if i > 0 {
			clo, chasLo = n.sep(i-1).str(), true
		}
		if i+1 < n.n() {
			chi, chasHi = n.sep(i).str(), true
		}
		var err error
		if lvl == 1 {
			err = checkLeaf(c, n.leaf(i), false, clo, chasLo, chi, chasHi)
		} else {
			err = checkInner(c, n.inner(i), lvl-1, false, clo, chasLo, chi, chasHi)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// block checks a node's block of n strings: the header of its kind (h bytes), offsets that
// start after the header and the prefix, never decrease and end at the block's length, and no
// other node of the tree holding it.
func (c *checker) block(b block, n, h int) error {
	if len(b) < h {
		return fmt.Errorf("a %d-byte block", len(b))
	}
	if int(b.hdr()) != h {
		return fmt.Errorf("a block with a %d-byte header, not %d", b.hdr(), h)
	}
	o := b.offs()
	if o[0] < uint32(h) || int(o[n]) != len(b) {
		return fmt.Errorf("offsets %d..%d over a %d-byte block", o[0], o[n], len(b))
	}
	for i := 0; i < n; i++ {
		if o[i] > o[i+1] {
			return fmt.Errorf("offsets decrease at %d", i)
		}
	}
	p := unsafe.SliceData(b)
	if c.blocks[p] {
		return fmt.Errorf("a block shared by two nodes of one tree")
	}
	c.blocks[p] = true
	return nil
}
