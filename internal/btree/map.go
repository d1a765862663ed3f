package btree

// Map is an immutable sorted map from string keys (bytewise order) to V. The zero Map and a
// nil *Map are empty. A Map never changes once made, so it is safe for concurrent use by any
// number of goroutines; build new versions with [Map.Edit].
type Map[V any] struct {
	t tree[V]
}

// Len returns the number of entries. Safe for concurrent use.
func (m *Map[V]) Len() int {
	if m == nil {
		return 0
	}
	return m.t.n
}

// Get returns the value stored under key and whether there is one. key may be a temporary
// view over a reused buffer: Get does not retain it. Safe for concurrent use.
func (m *Map[V]) Get(key string) (V, bool) {
	if m != nil {
		if p, ok := m.t.get(key); ok {
			return *p, true
		}
	}
	var zero V
	return zero, false
}

// Edit returns a transient holding m's contents. Changes made through it never change m. Safe
// for concurrent use (on m); the Edit itself is not.
func (m *Map[V]) Edit() *Edit[V] {
	e := &Edit[V]{id: nextID()}
	if m != nil {
		e.t = m.t
	}
	return e
}

// Cursor returns a cursor over m, not positioned: call a Seek method, First or Last first.
// Small enough to inline, so a cursor that does not escape the caller is not allocated on the
// heap. Each cursor is for one goroutine; any number of cursors may walk m at once.
func (m *Map[V]) Cursor() *Cursor[V] {
	c := &Cursor[V]{}
	if m != nil {
		c.t = m.t
	}
	return c
}
