package btree

import (
	"strconv"
	"testing"
	"unsafe"
)

func TestNilAndEmpty(t *testing.T) {
	var maps = []*Map[int]{nil, {}, (&Edit[int]{}).Map()}
	for _, m := range maps {
		if m.Len() != 0 {
			t.Fatalf("Len %d", m.Len())
		}
		if v, ok := m.Get("x"); ok || v != 0 {
			t.Fatalf("Get on empty: %v %v", v, ok)
		}
		for range m.Range("", "", false) {
			t.Fatal("Range on empty yielded")
		}
		for range m.Range("a", "b", true) {
			t.Fatal("reverse Range on empty yielded")
		}
		c := m.Cursor()
		if c.Valid() || c.Next() || c.Prev() || c.Key() != "" || c.Value() != nil {
			t.Fatal("unpositioned cursor is valid")
		}
		for _, move := range []func() bool{c.First, c.Last} {
			if move() || c.Valid() {
				t.Fatal("cursor on empty map found an entry")
			}
		}
		for _, seek := range []func(string) bool{c.SeekGE, c.SeekGT, c.SeekLE, c.SeekLT} {
			if seek("k") || c.Valid() {
				t.Fatal("seek on empty map found an entry")
			}
		}
		e := m.Edit()
		if _, ok := e.Delete("x"); ok {
			t.Fatal("Delete on empty")
		}
		if err := m.check(); err != nil {
			t.Fatal(err)
		}
	}
	var e Edit[int] // the zero Edit works
	e.Set("", 1)
	if v, ok := e.Get(""); !ok || v != 1 {
		t.Fatalf("empty key: %v %v", v, ok)
	}
	if _, ok := e.Delete(""); !ok || e.Len() != 0 {
		t.Fatal("delete of the empty key")
	}
	if err := e.Map().check(); err != nil {
		t.Fatal(err)
	}
}

// TestInvalidCursorStaysInvalid: after running off either end, Next and Prev report false.
func TestInvalidCursorStaysInvalid(t *testing.T) {
	e := (&Map[int]{}).Edit()
	for i := 0; i < 2000; i++ {
		e.Set(strconv.Itoa(i), i)
	}
	c := e.Map().Cursor()
	if !c.Last() || c.Next() || c.Valid() || c.Prev() {
		t.Fatal("cursor moved after running off the end")
	}
	if !c.First() || c.Prev() || c.Valid() || c.Next() {
		t.Fatal("cursor moved after running off the start")
	}
}

// TestKeysAreCopied: Set copies its key, so overwriting the caller's buffer afterwards changes
// nothing (separators included).
func TestKeysAreCopied(t *testing.T) {
	buf := make([]byte, 0, 64)
	e := (*Map[int])(nil).Edit()
	for i := 0; i < 5000; i++ {
		buf = strconv.AppendInt(append(buf[:0], "key/"...), int64(i), 10)
		e.Set(unsafe.String(unsafe.SliceData(buf), len(buf)), i)
	}
	for i := range buf[:cap(buf)] {
		buf[:cap(buf)][i] = 'z'
	}
	m := e.Map()
	if err := m.check(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5000; i++ {
		if v, ok := m.Get("key/" + strconv.Itoa(i)); !ok || v != i {
			t.Fatalf("key %d: %v %v", i, v, ok)
		}
	}
}

// TestCopyOnce: an edit copies a shared node the first time it changes it and then changes
// the copy in place; an absent Delete copies nothing; the source map never changes.
func TestCopyOnce(t *testing.T) {
	e := (*Map[int])(nil).Edit()
	for i := 0; i < 3000; i++ {
		e.Set(strconv.Itoa(i), i)
	}
	m := e.Map()
	e2 := m.Edit()
	if _, ok := e2.Delete("absent"); ok || e2.t.in() != m.t.in() {
		t.Fatal("a Delete of an absent key copied the root")
	}
	e2.Set("1000", -1)
	root := e2.t.in()
	if root == m.t.in() || !root.w.owns(e2.id) {
		t.Fatal("the first Set did not copy the shared root")
	}
	e2.Set("1001", -2)
	if e2.t.in() != root {
		t.Fatal("the second Set copied the owned root again")
	}
	if v, _ := m.Get("1000"); v != 1000 {
		t.Fatal("the source map changed")
	}
	if err := m.check(); err != nil {
		t.Fatal(err)
	}
	m2 := e2.Map()
	e2.Set("1002", -3)
	if e2.t.in() == root {
		t.Fatal("a Set after Map changed the published root in place")
	}
	if v, _ := m2.Get("1002"); v != 1002 {
		t.Fatal("the published map changed")
	}
}

// TestCursorDoesNotAllocate: a cursor that stays in its function lives on the stack, and
// stepping allocates nothing.
func TestCursorDoesNotAllocate(t *testing.T) {
	e := (*Map[int])(nil).Edit()
	for i := 0; i < 5000; i++ {
		e.Set(strconv.Itoa(i), i)
	}
	m := e.Map()
	sum := 0
	allocs := testing.AllocsPerRun(20, func() {
		c := m.Cursor()
		for ok := c.SeekGE("2"); ok; ok = c.Next() {
			sum += *c.Value()
		}
		for ok := c.Last(); ok; ok = c.Prev() {
			sum -= *c.Value()
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per walk", allocs)
	}
}

// TestMaxInnerLevels: a tree with maxInner+1 levels, every non-root node at its minimum fill,
// would hold more entries than fit in memory, so the fixed path arrays cannot overflow.
func TestMaxInnerLevels(t *testing.T) {
	entries := 2.0 * leafMin // root with two children
	for l := 1; l < maxInner; l++ {
		entries *= innerMin
	}
	if entries < 1<<40 {
		t.Fatalf("a tree of %d inner levels may hold only %g entries", maxInner, entries)
	}
}

// TestNodeSizes checks that the nodes of a tree of the store's 56-byte records fill their
// size classes (see word): a leaf 480 bytes, a 16-way inner node 160. A field added to a
// node, or a count or flag taken out of its word, moves each copy a put makes to the next
// class.
func TestNodeSizes(t *testing.T) {
	// The store's record: a value (a word and an interface), a version, a time in two parts
	// and a TTL.
	type record [7]uint64
	if s := unsafe.Sizeof(record{}); s != 56 {
		t.Fatalf("the test record is %d bytes, not the store's 56", s)
	}
	if s := unsafe.Sizeof(leaf[record]{}); s != 480 {
		t.Errorf("a leaf of 56-byte records is %d bytes, want 480", s)
	}
	if innerMax == 16 {
		if s := unsafe.Sizeof(inner[record]{}); s != 160 {
			t.Errorf("a 16-way inner node is %d bytes, want 160", s)
		}
	}
}
