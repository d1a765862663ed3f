package indices

import (
	"iter"

	"github.com/inmemdb/inmem/internal/btree"
)

// set is a persistent sorted set of byte strings, a B+tree of keys without
// values, changed through GroupsEdit. The zero set is empty and ready to use;
// a set never changes, so it is safe for concurrent use.
type set struct {
	m btree.Map[struct{}]
}

// Len returns the number of members. O(1).
func (s set) Len() int { return s.m.Len() }

// Has reports whether member is in s. member is not retained. O(log n).
func (s set) Has(member string) bool {
	_, ok := s.m.Get(member)
	return ok
}

// Prefix yields, in byte order, the members that start with prefix. Seeking
// costs O(log n), each member O(1) amortized. The strings yielded are copies
// the caller owns.
func (s set) Prefix(prefix string) iter.Seq[string] {
	return func(yield func(string) bool) {
		c := s.m.Cursor()
		for ok := c.SeekGE(prefix); ok && c.HasPrefix(prefix); ok = c.Next() {
			if !yield(c.Key()) {
				return
			}
		}
	}
}

// All yields every member in byte order.
func (s set) All() iter.Seq[string] { return s.Prefix("") }
