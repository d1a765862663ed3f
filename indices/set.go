package indices

import (
	"iter"
	"strings"

	"github.com/benbjohnson/immutable"
)

// set is a persistent sorted set of byte strings. The zero set is empty and
// ready to use. Add and Remove return a new set and leave s unchanged; a set is
// safe for concurrent use.
type set struct {
	m *immutable.SortedMap[string, struct{}]
}

func (s set) sorted() *immutable.SortedMap[string, struct{}] {
	if s.m == nil {
		return immutable.NewSortedMap[string, struct{}](bytewise{})
	}
	return s.m
}

// Len returns the number of members. O(1).
func (s set) Len() int {
	if s.m == nil {
		return 0
	}
	return s.m.Len()
}

// Has reports whether member is in s. O(log n).
func (s set) Has(member string) bool {
	if s.m == nil {
		return false
	}
	_, ok := s.m.Get(member)
	return ok
}

// Add returns s with member added. O(log n).
func (s set) Add(member string) set {
	return set{m: s.sorted().Set(member, struct{}{})}
}

// Remove returns s without member. O(log n).
func (s set) Remove(member string) set {
	if s.m == nil {
		return s
	}
	return set{m: s.m.Delete(member)}
}

// Prefix yields, in byte order, the members that start with prefix. Seeking
// costs O(log n), each member O(1) amortized.
func (s set) Prefix(prefix string) iter.Seq[string] {
	return func(yield func(string) bool) {
		if s.m == nil {
			return
		}
		it := s.m.Iterator()
		it.Seek(prefix)
		for !it.Done() {
			k, _, _ := it.Next()
			if !strings.HasPrefix(k, prefix) || !yield(k) {
				return
			}
		}
	}
}

// All yields every member in byte order.
func (s set) All() iter.Seq[string] { return s.Prefix("") }
