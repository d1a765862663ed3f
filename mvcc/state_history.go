package mvcc

import (
	"fmt"

	"github.com/inmemdb/inmem/core"
)

// at returns the state right after version v committed, if v is current or
// retained in the history window.
func (r *root) at(v uint64) (*state, bool) {
	if v >= r.cur.version {
		return r.cur, true
	}
	st, ok := r.past.Get(v)
	if !ok {
		return nil, false
	}
	return st.rewind(v), true
}

// rewind returns the state at version v from st, the state that published v
// as part of a group: st itself when v is its version, else st with the
// group's later commits undone, newest first. The cost is the size of those
// commits (times log n), paid by the read that asks for v; group commits are
// small. The result is exact, indices included.
func (st *state) rewind(v uint64) *state {
	if v >= st.version {
		return st
	}
	rec := st.commit(v)
	if rec == nil {
		return st
	}
	d := newDraft(st, rec.time())
	for i := len(st.group) - 1; st.group[i].version > v; i-- {
		d.undo(st.group[i])
	}
	return d.finishAt(v, rec)
}

// commitAt returns the commit record of version v if it is retained with
// its changes (a recovered version's record holds only its time), and the
// state that holds it (where a packed record reads its put values).
func (r *root) commitAt(v uint64) (*commitRec, *state, bool) {
	if v > r.cur.version || v == 0 {
		return nil, nil, false
	}
	st := r.cur
	rec := st.commit(v)
	if rec == nil {
		var ok bool
		if st, ok = r.past.Get(v); !ok {
			return nil, nil, false
		}
		rec = st.commit(v)
	}
	return rec, st, rec != nil && !rec.unknown
}

// oldest returns the oldest version the window can answer exactly.
func (r *root) oldest() uint64 {
	if oldest, ok := r.past.Oldest(); ok {
		return oldest
	}
	return r.cur.version
}

func compacted(v uint64, r *root) error {
	return fmt.Errorf("%w: version %d is older than the oldest kept, %d", core.ErrCompacted, v, r.oldest())
}

// push adds rec's version, published by st, to the window, and lets the
// oldest versions go while the window holds more than limit versions or,
// with a byte budget (> 0), more than budget bytes (down to one version).
func (r *root) push(st *state, rec *commitRec, limit int, budget int64) {
	r.pastBytes += rec.bytes
	n := r.past.Len() + 1
	lo, _ := r.past.Oldest()
	if r.past.Len() == 0 {
		lo = rec.version
	}
	for n > 1 && (n > limit || (budget > 0 && r.pastBytes > budget)) {
		// lo leaves: the values replaced by lo+1 are no longer needed.
		lo++
		n--
		next := rec
		if lo != rec.version {
			if ps, ok := r.past.Get(lo); ok {
				next = ps.commit(lo)
			}
		}
		if next != nil {
			r.pastBytes -= next.bytes
		}
	}
	if n == 1 {
		r.pastBytes = 0
	}
	r.past = r.past.Push(rec.version, st, n)
}
