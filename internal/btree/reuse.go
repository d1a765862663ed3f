package btree

// Reset makes e an edit of m (nil: of the empty map), as [Map.Edit] would return, without
// allocating a new Edit: a caller that builds one version after another keeps one Edit and
// resets it each time. e takes a fresh owner id, so nothing it changes from now on can be a
// node of m or of any Map published before. Whatever e held and did not publish is dropped.
// Safe for concurrent use on m; e itself is not.
func (e *Edit[V]) Reset(m *Map[V]) {
	*e = Edit[V]{id: nextID()}
	if m != nil {
		e.t = m.t
	}
}

// Publish freezes the current contents into *dst, as [Edit.Map] does, without allocating a
// new Map: dst may be a field of the caller's own struct. The edit stays usable: it takes a
// fresh owner id, so any later change copies nodes again and can never reach a node of the
// published Map. dst must not be in use by a reader while Publish writes it (publish the
// struct that holds it afterwards). Not safe for concurrent use.
func (e *Edit[V]) Publish(dst *Map[V]) {
	*dst = Map[V]{t: e.t}
	if plantBug != bugNoFreeze {
		if e.id != 0 && onRetire != nil {
			onRetire(e.id)
		}
		e.id = nextID()
	}
}
