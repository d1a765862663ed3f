package mvcc

import (
	"slices"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/indices"
	"github.com/inmemdb/inmem/internal/btree"
)

// collector gathers the live entries of a scan and turns them into entries
// the caller owns. By default it decodes each entry as it comes: the key
// into its result and the user key into one arena, both sized once when the
// scan counts its range first (scanPrefix). A transaction's scan, which
// merges its own writes by encoded key, sets keepEnc: then the collector
// keeps the encoded keys and decodes at the end (entries).
type collector struct {
	judge   judge
	keepEnc bool
	out     []core.Entry // decoded entries
	arena   []byte       // the user keys of out, back to back
	kd      keyDecoder
	buf     []byte    // the key at hand, put together by the cursor
	keys    []byte    // keepEnc: the encoded keys of the entries, back to back
	ends    []int     // keepEnc: where each entry's key ends in keys
	vals    []*stored // keepEnc: pointers into the published state's leaves: immutable
	newest  uint64    // the highest version among the entries seen, expired ones included
	stored  int       // entries seen, expired ones included
}

// add collects the entry under enc, which it copies or decodes: enc may be a
// view of the caller's buffer.
func (c *collector) add(enc string, r *stored) bool {
	c.newest = max(c.newest, r.version)
	c.stored++
	if c.judge.expired(r) {
		return true
	}
	if c.keepEnc {
		c.keys = append(c.keys, enc...)
		c.ends = append(c.ends, len(c.keys))
		c.vals = append(c.vals, r)
		return true
	}
	c.out = append(c.out, core.Entry{Key: c.kd.keyIn(enc, &c.arena), Value: r.public()})
	return true
}

// addAt is add for the entry cur is on.
func (c *collector) addAt(cur *btree.Cursor[stored]) {
	r := cur.Value()
	if c.keepEnc || !c.judge.expired(r) {
		c.buf = cur.AppendKey(c.buf[:0])
	}
	c.add(view(c.buf), r)
}

// enc returns the encoded key of entry i (keepEnc), a view into the
// collector's arena: valid once the collection is complete.
func (c *collector) enc(i int) string {
	lo := 0
	if i > 0 {
		lo = c.ends[i-1]
	}
	return view(c.keys[lo:c.ends[i]])
}

// entries returns the collected entries, nil when there are none.
func (c *collector) entries() []core.Entry {
	if !c.keepEnc {
		if len(c.out) == 0 {
			return nil
		}
		return c.out
	}
	if len(c.vals) == 0 {
		return nil
	}
	out := make([]core.Entry, len(c.vals))
	n := 0
	for i := range c.vals {
		enc := c.enc(i)
		n += len(enc) - nsLen(enc) - 1
	}
	arena := make([]byte, 0, n)
	var kd keyDecoder
	for i := range c.vals {
		out[i] = core.Entry{Key: kd.keyIn(c.enc(i), &arena), Value: c.vals[i].public()}
	}
	return out
}

// scanPrefix collects the records under the encoded prefix, which holds a
// whole namespace (every scan's prefix is a key's or a namespace's
// encoding), so every key under it has the same namespace. It counts the
// range first (a second cursor walks it, in cache once the first has sought
// it), so that the collector's buffers are sized once instead of doubled
// again and again.
func (st *state) scanPrefix(prefix string, c *collector) {
	cur := st.data.Cursor()
	ok := cur.SeekGE(prefix)
	rest := *cur
	n, size := countPrefix(&rest, prefix)
	c.reserve(n, size, nsLen(prefix))
	for ; ok && cur.HasPrefix(prefix); ok = cur.Next() {
		c.addAt(cur)
	}
}

// countPrefix returns how many keys from cur's position on start with
// prefix and how many bytes they hold, moving cur past them.
func countPrefix(cur *btree.Cursor[stored], prefix string) (n, size int) {
	for ok := cur.Valid(); ok && cur.HasPrefix(prefix); ok = cur.Next() {
		n++
		size += cur.KeyLen()
	}
	return n, size
}

// reserve makes room for n more entries whose keys hold size bytes, of
// which nsLen (and the type byte after it) are each key's namespace.
func (c *collector) reserve(n, size, nsLen int) {
	if c.keepEnc {
		c.keys = slices.Grow(c.keys, size)
		c.ends = slices.Grow(c.ends, n)
		c.vals = slices.Grow(c.vals, n)
		return
	}
	c.out = slices.Grow(c.out, n)
	c.arena = slices.Grow(c.arena, max(size-n*(nsLen+1), 0))
}

// scanRun collects the records of run: one range of the data per namespace
// of the run in the run index.
func (st *state) scanRun(run core.RunID, c *collector) {
	for ns := range st.runs.Namespaces(indices.RunGroup(run)) {
		st.scanPrefix(ns, c)
	}
}

// scanType collects the records of type t: one range of the data per
// namespace holding keys of t in the type index.
func (st *state) scanType(t core.TypeTag, c *collector) {
	sc := getScratch()
	defer sc.release()
	for ns := range st.types.Namespaces(indices.TypeGroup(t)) {
		sc.b = append(append(sc.b[:0], ns...), byte(t))
		st.scanPrefix(view(sc.b), c)
	}
}

// versioned runs scan on the state at maxVersion and returns its entries,
// expiry judged by the store's clock. Beyond the history window it scans the
// current state and answers only when that is exact: no record in the result
// changed after maxVersion and nothing was removed after it.
func (s *Store) versioned(maxVersion uint64, scan func(*state, *collector)) ([]core.Entry, error) {
	if s.isClosed.Load() {
		return nil, errClosed
	}
	r := s.root.Load()
	c := collector{judge: liveJudge(s.cfg.clock)}
	st, exact := r.at(maxVersion)
	if !exact {
		st = r.cur
	}
	scan(st, &c)
	if !exact && (c.newest > maxVersion || r.cur.lastRemoval > maxVersion) {
		return nil, compacted(maxVersion, r)
	}
	return c.entries(), nil
}

// ScanPrefix returns the live entries whose keys match prefix (same
// namespace, same type, user key starting with prefix's user key) as of
// maxVersion, in key order; see GetVersioned for which versions are exact.
// The entries are the caller's. O(log n + k); lock-free; safe for concurrent
// use.
func (s *Store) ScanPrefix(prefix core.Key, maxVersion uint64) ([]core.Entry, error) {
	if err := checkKey(prefix); err != nil {
		return nil, err
	}
	enc := encodeKey(prefix)
	return s.versioned(maxVersion, func(st *state, c *collector) { st.scanPrefix(enc, c) })
}

// ScanByRun returns the live entries of every namespace with run id run as of
// maxVersion, in key order: what an agent run's replay reads. It seeks the run
// index and reads one contiguous range per namespace of the run, so it costs
// O(log n + k) whatever the size of the rest of the store. Lock-free; safe for
// concurrent use.
func (s *Store) ScanByRun(run core.RunID, maxVersion uint64) ([]core.Entry, error) {
	return s.versioned(maxVersion, func(st *state, c *collector) { st.scanRun(run, c) })
}

// ScanByType returns the live entries of type t as of maxVersion, in key
// order. It reads one contiguous range per namespace that holds keys of t:
// O(m log n + k) for m such namespaces. An invalid t gives ErrInvalidKey.
// Lock-free; safe for concurrent use.
func (s *Store) ScanByType(t core.TypeTag, maxVersion uint64) ([]core.Entry, error) {
	if !t.Valid() {
		return nil, checkKey(core.Key{Type: t})
	}
	return s.versioned(maxVersion, func(st *state, c *collector) { st.scanType(t, c) })
}
