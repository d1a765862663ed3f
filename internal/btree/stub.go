// Package btree is a placeholder with the persistent B+tree's API, backed by
// a copy-on-write sorted slice, until the real tree lands.
package btree

import (
	"sort"
	"strings"
)

type entry[V any] struct {
	k string
	v V
}

// Map is an immutable sorted map.
type Map[V any] struct{ es []entry[V] }

// Len returns the number of entries.
func (m *Map[V]) Len() int {
	if m == nil {
		return 0
	}
	return len(m.es)
}

func find[V any](es []entry[V], key string) (int, bool) {
	i := sort.Search(len(es), func(i int) bool { return es[i].k >= key })
	return i, i < len(es) && es[i].k == key
}

// Get returns the value of key.
func (m *Map[V]) Get(key string) (V, bool) {
	var zero V
	if m == nil {
		return zero, false
	}
	i, ok := find(m.es, key)
	if !ok {
		return zero, false
	}
	return m.es[i].v, true
}

// Edit starts a transient on m.
func (m *Map[V]) Edit() *Edit[V] {
	e := &Edit[V]{}
	if m != nil {
		e.es = m.es
	}
	return e
}

// Cursor returns a cursor on m.
func (m *Map[V]) Cursor() *Cursor[V] {
	c := &Cursor[V]{i: -1}
	if m != nil {
		c.es = m.es
	}
	return c
}

// Edit is a transient.
type Edit[V any] struct {
	es    []entry[V]
	owned bool
}

func (e *Edit[V]) own() {
	if !e.owned {
		e.es = append([]entry[V](nil), e.es...)
		e.owned = true
	}
}

// Len returns the number of entries.
func (e *Edit[V]) Len() int { return len(e.es) }

// Get returns the value of key.
func (e *Edit[V]) Get(key string) (V, bool) {
	var zero V
	i, ok := find(e.es, key)
	if !ok {
		return zero, false
	}
	return e.es[i].v, true
}

// Set stores v under key.
func (e *Edit[V]) Set(key string, v V) (old V, replaced bool) {
	e.own()
	i, ok := find(e.es, key)
	if ok {
		old = e.es[i].v
		e.es[i].v = v
		return old, true
	}
	e.es = append(e.es, entry[V]{})
	copy(e.es[i+1:], e.es[i:])
	e.es[i] = entry[V]{k: strings.Clone(key), v: v}
	return old, false
}

// Delete removes key.
func (e *Edit[V]) Delete(key string) (old V, deleted bool) {
	i, ok := find(e.es, key)
	if !ok {
		return old, false
	}
	e.own()
	old = e.es[i].v
	e.es = append(e.es[:i], e.es[i+1:]...)
	return old, true
}

// Cursor returns a cursor on the edit's current state.
func (e *Edit[V]) Cursor() *Cursor[V] { return &Cursor[V]{es: e.es, i: -1} }

// Map freezes the edit's contents.
func (e *Edit[V]) Map() *Map[V] {
	e.owned = false
	return &Map[V]{es: e.es}
}

// Cursor walks a map.
type Cursor[V any] struct {
	es []entry[V]
	i  int
}

func (c *Cursor[V]) set(i int) bool {
	if i < 0 || i >= len(c.es) {
		c.i = -1
		return false
	}
	c.i = i
	return true
}

// SeekGE positions at the first key >= key.
func (c *Cursor[V]) SeekGE(key string) bool { i, _ := find(c.es, key); return c.set(i) }

// SeekGT positions at the first key > key.
func (c *Cursor[V]) SeekGT(key string) bool {
	i, ok := find(c.es, key)
	if ok {
		i++
	}
	return c.set(i)
}

// SeekLT positions at the last key < key.
func (c *Cursor[V]) SeekLT(key string) bool { i, _ := find(c.es, key); return c.set(i - 1) }

// SeekLE positions at the last key <= key.
func (c *Cursor[V]) SeekLE(key string) bool {
	i, ok := find(c.es, key)
	if ok {
		return c.set(i)
	}
	return c.set(i - 1)
}

// First positions at the first key.
func (c *Cursor[V]) First() bool { return c.set(0) }

// Last positions at the last key.
func (c *Cursor[V]) Last() bool { return c.set(len(c.es) - 1) }

// Next moves forward.
func (c *Cursor[V]) Next() bool {
	if c.i < 0 {
		return false
	}
	return c.set(c.i + 1)
}

// Prev moves back.
func (c *Cursor[V]) Prev() bool {
	if c.i < 0 {
		return false
	}
	return c.set(c.i - 1)
}

// Valid reports whether the cursor is at an entry.
func (c *Cursor[V]) Valid() bool { return c.i >= 0 }

// Key returns the current key.
func (c *Cursor[V]) Key() string { return c.es[c.i].k }

// Value returns the current value.
func (c *Cursor[V]) Value() *V { return &c.es[c.i].v }
