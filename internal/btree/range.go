package btree

import "iter"

// Range returns an iterator over the entries with lo <= key < hi in ascending order, or in
// descending order when reverse is set. lo "" is the smallest key; hi "" means no upper bound.
// The keys yielded are copies the caller owns; the values are pointers into the leaves, to read
// only. Safe for concurrent use.
func (m *Map[V]) Range(lo, hi string, reverse bool) iter.Seq2[string, *V] {
	var t tree[V]
	if m != nil {
		t = m.t
	}
	return rangeSeq(t, lo, hi, reverse)
}

// Range is [Map.Range] over the edit's current contents. The iterator, its keys and values are
// valid until the edit's next change.
func (e *Edit[V]) Range(lo, hi string, reverse bool) iter.Seq2[string, *V] {
	return rangeSeq(e.t, lo, hi, reverse)
}

func rangeSeq[V any](t tree[V], lo, hi string, reverse bool) iter.Seq2[string, *V] {
	return func(yield func(string, *V) bool) {
		c := Cursor[V]{t: t}
		if reverse {
			ok := false
			if hi == "" {
				ok = c.Last()
			} else {
				ok = c.SeekLT(hi)
			}
			for ; ok; ok = c.Prev() {
				if c.Compare(lo) < 0 || !yield(c.Key(), c.Value()) {
					return
				}
			}
			return
		}
		for ok := c.SeekGE(lo); ok; ok = c.Next() {
			if (hi != "" && c.Compare(hi) >= 0) || !yield(c.Key(), c.Value()) {
				return
			}
		}
	}
}
