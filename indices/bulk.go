package indices

import (
	"slices"
	"strings"
	"time"

	"github.com/benbjohnson/immutable"
)

// mergeRatio is where adding k members to a sorted map of n members by one
// path copy each (about k·log n node copies) starts to cost more than
// rebuilding the map in a fresh builder, which fills its nodes in place
// (about n+k inserts). BenchmarkSetAddAll puts the break-even near n = 4·k
// to 5·k (at n = k the rebuild is about 3 times faster, at n = 10·k about
// 1.5 times slower, at n = 100·k ten times slower); the rebuild is used
// while n < mergeRatio·k.
const mergeRatio = 4

// setSorted returns m with keys[i] set to vals[i], keys being sorted and
// unique; m is unchanged. It rebuilds when the batch is large against m.
func setSorted[V any](m *immutable.SortedMap[string, V], keys []string, vals []V) *immutable.SortedMap[string, V] {
	if m != nil && m.Len() >= mergeRatio*len(keys) {
		return setPath(m, keys, vals)
	}
	return setMerge(m, keys, vals)
}

// setPath sets the keys one by one: a path copy each.
func setPath[V any](m *immutable.SortedMap[string, V], keys []string, vals []V) *immutable.SortedMap[string, V] {
	for i, k := range keys {
		m = m.Set(k, vals[i])
	}
	return m
}

// setMerge merges m (nil: empty) and the sorted keys into a fresh builder.
func setMerge[V any](m *immutable.SortedMap[string, V], keys []string, vals []V) *immutable.SortedMap[string, V] {
	b := immutable.NewSortedMapBuilder[string, V](bytewise{})
	i := 0
	if m != nil {
		for it := m.Iterator(); !it.Done(); {
			k, v, _ := it.Next()
			for ; i < len(keys) && keys[i] < k; i++ {
				b.Set(keys[i], vals[i])
			}
			if i < len(keys) && keys[i] == k {
				continue // replaced by the batch, set below
			}
			b.Set(k, v)
		}
	}
	for ; i < len(keys); i++ {
		b.Set(keys[i], vals[i])
	}
	return b.Map()
}

// ttlEntry is one key to add to a TTL index with AddAll: the encoded key
// EncKey expiring at ExpiresAt, carrying Value. It is a plain value, safe
// for concurrent reads.
type ttlEntry[V any] struct {
	ExpiresAt time.Time
	EncKey    string
	Value     V
}

// AddAll returns x with every entry added, as if by Add in the order given
// (for one key and expiry the last entry wins), with one path copy per entry
// or, when they are many against x, by one rebuild. x and entries are
// unchanged; safe for concurrent use.
func (x TTL[V]) AddAll(entries []ttlEntry[V]) TTL[V] {
	if len(entries) == 0 {
		return x
	}
	type item struct {
		member string
		value  V
	}
	items := make([]item, len(entries))
	for i, e := range entries {
		items[i] = item{member(e.ExpiresAt, e.EncKey), e.Value}
	}
	slices.SortStableFunc(items, func(a, b item) int { return strings.Compare(a.member, b.member) })
	keys := make([]string, 0, len(items))
	vals := make([]V, 0, len(items))
	for i, it := range items {
		if i+1 < len(items) && items[i+1].member == it.member {
			continue // a later entry for the same member wins
		}
		keys = append(keys, it.member)
		vals = append(vals, it.value)
	}
	return TTL[V]{m: setSorted(x.m, keys, vals)}
}
