package mvcc

import (
	"iter"
	"strings"

	"github.com/inmemdb/inmem/core"
)

// Namespaces yields, in key order, each namespace that holds at least one
// live key p matches, once: what LangGraph's list_namespaces asks of a
// store. An invalid p yields nothing; stopping early is fine. Each
// namespace's strings are the caller's.
//
// It seeks from one namespace to the next (the data is sorted by namespace
// first): one O(log n) seek per namespace listed, whatever each holds, plus
// the expired keys it passes over before a namespace's first live one. So it
// costs O(m·log n) for m namespaces, not O(n). Safe for concurrent use.
func (sn *Snapshot) Namespaces(p core.Prefix) iter.Seq[core.Namespace] {
	return func(yield func(core.Namespace) bool) {
		if !p.Valid() {
			return
		}
		st, now := sn.state(), sn.Time()
		prefix := string(p.AppendEncode(nil))
		c := st.data.Cursor()
		var buf []byte
		for ok := c.SeekGE(prefix); ok; {
			if !c.HasPrefix(prefix) {
				return
			}
			if !visible(c.Value(), now) {
				ok = c.Next()
				continue
			}
			buf = c.AppendKey(buf[:0])
			k := view(buf)
			encNS := k[:nsLen(k)]
			if !yield(decodeNS(strings.Clone(encNS))) {
				return
			}
			end := prefixEnd(encNS) // past every key of the namespace
			if end == "" {
				return
			}
			ok = c.SeekGE(end)
		}
	}
}

// Namespaces is s.Snapshot().Namespaces(p): the namespaces holding live keys
// under p now, in key order. Safe for concurrent use.
func (s *Store) Namespaces(p core.Prefix) iter.Seq[core.Namespace] {
	return s.Snapshot().Namespaces(p)
}
