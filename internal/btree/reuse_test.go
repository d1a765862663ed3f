package btree

import (
	"fmt"
	"testing"
)

// reuseKeys is enough keys for a tree of three levels.
const reuseKeys = 3000

func reuseKey(i int) string { return fmt.Sprintf("key/%06d", i) }

// requireContents fails unless m holds exactly key i -> want(i) for i < n, in order.
func requireContents(t *testing.T, what string, m *Map[int], n int, want func(int) int) {
	t.Helper()
	if m.Len() != n {
		t.Fatalf("%s: Len %d, want %d", what, m.Len(), n)
	}
	c := m.Cursor()
	i := 0
	for ok := c.First(); ok; ok = c.Next() {
		if c.Key() != reuseKey(i) || *c.Value() != want(i) {
			t.Fatalf("%s: entry %d is %q=%d, want %q=%d", what, i, c.Key(), *c.Value(), reuseKey(i), want(i))
		}
		i++
	}
	if i != n {
		t.Fatalf("%s: walked %d entries, want %d", what, i, n)
	}
	for i := range n {
		if v, ok := m.Get(reuseKey(i)); !ok || v != want(i) {
			t.Fatalf("%s: Get(%q) = %d, %v; want %d", what, reuseKey(i), v, ok, want(i))
		}
	}
}

// TestPublishFreezes: a Map published into a caller's variable keeps its contents while the
// edit goes on overwriting, inserting and deleting, and a second Publish into the same
// variable replaces it with the new contents.
func TestPublishFreezes(t *testing.T) {
	var e Edit[int]
	for i := range reuseKeys {
		e.Set(reuseKey(i), i)
	}
	var first, dst Map[int]
	e.Publish(&first)
	e.Publish(&dst) // publishing again without a change
	for i := range reuseKeys {
		e.Set(reuseKey(i), -i) // every leaf of first, in place if it were still owned
	}
	for i := reuseKeys; i < reuseKeys+500; i++ {
		e.Set(reuseKey(i), -i)
	}
	requireContents(t, "published map after the edit went on", &first, reuseKeys, func(i int) int { return i })
	requireContents(t, "map published twice", &dst, reuseKeys, func(i int) int { return i })
	e.Publish(&dst)
	for i := range reuseKeys + 500 {
		e.Delete(reuseKey(i))
	}
	requireContents(t, "second publish into the same map", &dst, reuseKeys+500, func(i int) int { return -i })
	requireContents(t, "first map after deletes", &first, reuseKeys, func(i int) int { return i })
	if e.Len() != 0 {
		t.Fatalf("edit holds %d entries after deleting all", e.Len())
	}
}

// TestResetLeavesSourceAlone: an edit reset onto a Map starts from its contents and never
// changes it, whatever the edit held before (published or not); Reset(nil) starts empty.
func TestResetLeavesSourceAlone(t *testing.T) {
	src := (*Map[int])(nil).Edit()
	for i := range reuseKeys {
		src.Set(reuseKey(i), i)
	}
	m := src.Map()

	var e Edit[int]
	e.Set(reuseKey(0), 99) // unpublished contents, dropped by Reset
	for round := range 3 {
		e.Reset(m)
		requireContents(t, fmt.Sprintf("round %d: reset edit", round), e.Map(), reuseKeys, func(i int) int { return i })
		for i := range reuseKeys {
			e.Set(reuseKey(i), round*reuseKeys+i+1)
		}
		for i := 0; i < reuseKeys; i += 3 {
			e.Delete(reuseKey(i))
		}
		requireContents(t, fmt.Sprintf("round %d: source", round), m, reuseKeys, func(i int) int { return i })
	}

	// Reset onto a map this very edit published, then change it.
	var mine Map[int]
	e.Publish(&mine)
	n := mine.Len()
	e.Reset(&mine)
	for k, v := range mine.Range("", "", false) {
		e.Set(k, -*v)
	}
	if mine.Len() != n {
		t.Fatalf("own published map: Len %d, want %d", mine.Len(), n)
	}
	for k, v := range mine.Range("", "", false) {
		if *v <= 0 {
			t.Fatalf("own published map changed at %q: %d", k, *v)
		}
	}

	e.Reset(nil)
	if e.Len() != 0 {
		t.Fatalf("Reset(nil): Len %d", e.Len())
	}
	e.Set("a", 1)
	if v, ok := e.Get("a"); !ok || v != 1 || e.Len() != 1 {
		t.Fatalf("after Reset(nil): Get = %d, %v; Len %d", v, ok, e.Len())
	}
}

// TestReuseAllocatesNothing: Reset and Publish themselves allocate nothing, which is their
// point. The test hook that records retired owner ids allocates, so it is off meanwhile.
func TestReuseAllocatesNothing(t *testing.T) {
	hook := onRetire
	onRetire = nil
	defer func() { onRetire = hook }()
	src := (*Map[int])(nil).Edit()
	for i := range reuseKeys {
		src.Set(reuseKey(i), i)
	}
	m := src.Map()
	var e Edit[int]
	var dst Map[int]
	if n := testing.AllocsPerRun(100, func() {
		e.Reset(m)
		e.Publish(&dst)
	}); n != 0 {
		t.Fatalf("Reset and Publish allocate %v times", n)
	}
	requireContents(t, "published after reset", &dst, reuseKeys, func(i int) int { return i })
}
