package indices

import "github.com/inmemdb/inmem/internal/btree"

// GroupsEdit is a batch of changes to a Groups (a transient): the first
// change to a part of the index shared with a published Groups copies it
// once, later changes to that part happen in place, and Groups publishes the
// result. A commit that adds many namespaces therefore copies each part of
// the index once instead of once per namespace. The zero GroupsEdit is an
// edit of the empty index. Not safe for concurrent use: one goroutine, and no
// reader of the edit while it changes; the Groups it publishes are safe for
// concurrent use.
type GroupsEdit struct {
	e btree.Edit[struct{}]
}

// Reset makes e an edit of g, dropping whatever e held and did not publish.
// g is not changed, now or by later changes through e.
func (e *GroupsEdit) Reset(g Groups) { e.e.Reset(&g.set.m) }

// Has reports whether member (see RunMember, TypeMember) is present.
func (e *GroupsEdit) Has(member []byte) bool {
	_, ok := e.e.Get(bytesView(member))
	return ok
}

// Add adds member (copied).
func (e *GroupsEdit) Add(member []byte) { e.e.Set(bytesView(member), struct{}{}) }

// Remove removes member, if present.
func (e *GroupsEdit) Remove(member []byte) { e.e.Delete(bytesView(member)) }

// Groups freezes and returns the current contents. The edit stays usable;
// later changes never reach the returned Groups.
func (e *GroupsEdit) Groups() Groups {
	var g Groups
	e.e.Publish(&g.set.m)
	return g
}
