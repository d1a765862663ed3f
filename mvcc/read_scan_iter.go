package mvcc

import (
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/indices"
)

// Scan yields the live entries of the snapshot whose keys p matches, in key
// order (descending with Reverse), lazily: it walks the tree as the caller
// pulls, builds no slice and copies no entry the caller does not reach. Each
// key carries its own copy of the user key; the values are immutable. It is
// one seek and one contiguous walk, whatever the level of p. An invalid p (a
// KeyPrefix with an unknown type tag) or cursor yields nothing. Stopping
// early is fine. Safe for concurrent use.
func (sn *Snapshot) Scan(p core.Prefix, opts ...ScanOption) iter.Seq2[core.Key, core.VersionedValue] {
	o := buildScanOptions(opts)
	if p.Err() != nil || o.err != nil {
		return emptySeq
	}
	st, now := sn.state(), sn.Time()
	prefix := string(p.AppendEncode(nil))
	return func(yield func(core.Key, core.VersionedValue) bool) {
		w := walker{st: st, now: now, o: &o, yield: yield}
		w.walk(prefix)
	}
}

// ScanRun yields the live entries of run in the snapshot, in key order (or
// descending), lazily, with the options of Scan: one range per namespace of
// the run, found in the run index. Safe for concurrent use.
func (sn *Snapshot) ScanRun(run core.RunID, opts ...ScanOption) iter.Seq2[core.Key, core.VersionedValue] {
	o := buildScanOptions(opts)
	if o.err != nil {
		return emptySeq
	}
	st, now := sn.state(), sn.Time()
	return func(yield func(core.Key, core.VersionedValue) bool) {
		nss := slices.Collect(st.runs.Namespaces(indices.RunGroup(run)))
		w := walker{st: st, now: now, o: &o, yield: yield}
		w.walkAll(nss)
	}
}

// ScanType yields the live entries of type t in the snapshot, in key order
// (or descending), lazily, with the options of Scan; Within limits it to one
// tenant, app, agent or run. It reads one range per namespace holding keys of
// t, found in the type index: with Within, only the namespaces under the
// prefix, which are one contiguous run of that index. An invalid t yields
// nothing. Safe for concurrent use.
func (sn *Snapshot) ScanType(t core.TypeTag, opts ...ScanOption) iter.Seq2[core.Key, core.VersionedValue] {
	o := buildScanOptions(opts)
	if o.err != nil || !t.Valid() {
		return emptySeq
	}
	st, now := sn.state(), sn.Time()
	return func(yield func(core.Key, core.VersionedValue) bool) {
		w := walker{st: st, now: now, o: &o, yield: yield}
		w.walkAll(typeRanges(st, t, string(o.within)))
	}
}

// typeRanges returns the encoded prefixes of the ranges holding keys of type
// t under the encoded prefix within, in key order.
func typeRanges(st *state, t core.TypeTag, within string) []string {
	var out []string
	group := indices.TypeGroup(t)
	for ns := range st.types.Namespaces(group) {
		r := ns + string([]byte{byte(t)})
		switch {
		case len(within) <= len(ns):
			if !strings.HasPrefix(ns, within) {
				continue
			}
		case !strings.HasPrefix(within, r):
			continue
		default:
			r = within // a key-level prefix of this very type
		}
		out = append(out, r)
	}
	return out
}

// Scan yields the live entries whose keys p matches, on a snapshot taken
// now: see Snapshot.Scan. Safe for concurrent use.
func (s *Store) Scan(p core.Prefix, opts ...ScanOption) iter.Seq2[core.Key, core.VersionedValue] {
	return s.Snapshot().Scan(p, opts...)
}

func emptySeq(func(core.Key, core.VersionedValue) bool) {}

// walker yields the live entries of one or more ranges of a state.
type walker struct {
	st    *state
	now   time.Time
	o     *scanOptions
	yield func(core.Key, core.VersionedValue) bool
	kd    keyDecoder
	buf   []byte // the key at hand, put together by the cursor
	n     int
}

// walkAll walks the ranges of the sorted prefixes, in the scan's direction.
func (w *walker) walkAll(prefixes []string) {
	if w.o.reverse {
		slices.Reverse(prefixes)
	}
	for _, p := range prefixes {
		if !w.walk(p) {
			return
		}
	}
}

// walk yields the entries under prefix; false when the scan is over.
func (w *walker) walk(prefix string) bool {
	if w.st.data.Len() == 0 {
		return true
	}
	c := w.st.data.Cursor()
	var ok bool
	end := prefixEnd(prefix)
	o := w.o
	switch {
	case !o.reverse && o.hasAfter && o.after >= prefix:
		ok = c.SeekGT(o.after)
	case !o.reverse:
		ok = c.SeekGE(prefix)
	case o.hasAfter && (end == "" || o.after < end):
		ok = c.SeekLT(o.after)
	case end == "":
		ok = c.Last()
	default:
		ok = c.SeekLT(end)
	}
	for ; ok; ok = w.step(c) {
		if !c.HasPrefix(prefix) {
			return true
		}
		r := c.Value()
		if !visible(r, w.now) {
			continue
		}
		w.buf = c.AppendKey(w.buf[:0])
		if !w.yield(w.kd.key(view(w.buf)), r.public()) {
			return false
		}
		if w.n++; o.limit > 0 && w.n >= o.limit {
			return false
		}
	}
	return true
}

func (w *walker) step(c interface {
	Next() bool
	Prev() bool
}) bool {
	if w.o.reverse {
		return c.Prev()
	}
	return c.Next()
}
