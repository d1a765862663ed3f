package mvcc

import (
	"slices"
	"strings"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/indices"
	"github.com/inmemdb/inmem/internal/btree"
)

// draft is the next state under construction: a transient edit of the data
// (each shared node copied once, then changed in place) and the indices,
// with the commit records of the versions it assigns. Nothing reachable from
// a published state is modified. A draft belongs to the commit leader.
type draft struct {
	data        btree.Edit[stored] // reused: reset onto each group's state
	runs        indices.GroupsEdit // reused: reset onto each group's state
	types       indices.GroupsEdit
	ttl         indices.TTL[struct{}]
	lastRemoval uint64
	bytes       int64
	seqs        seqMarks  // the event logs' high-water marks
	baseRemoval uint64    // lastRemoval of the state the draft started from
	version     uint64    // the newest version assigned in the draft
	now         time.Time // the commit time of the draft's versions
	group       []*commitRec
	rec         *commitRec // the commit being built, nil between operations
	expect      int        // how many changes the operation being applied expects (expectChanges)
	b           []byte     // scratch for index members
	keys        []byte     // the group's keys passed as views of writers' buffers (putView)
	groupBuf    [4]*commitRec
	first       commitRec // the group's first record, until finish moves it into the state
	vecs        []vecEdit // the vector indexes: reused, reset onto each group's state
}

func newDraft(st *state, now time.Time) *draft {
	d := new(draft)
	d.reset(st, now)
	return d
}

// reset makes d a fresh draft on top of st, keeping its scratch buffers:
// the commit leader reuses one draft for every group.
func (d *draft) reset(st *state, now time.Time) {
	vecs := d.vecs
	*d = draft{
		ttl:         st.ttl,
		lastRemoval: st.lastRemoval,
		bytes:       st.bytes,
		baseRemoval: st.lastRemoval,
		version:     st.version,
		now:         now,
		b:           d.b[:0],
		keys:        d.keys[:0],
	}
	if cap(d.keys) > maxDraftKeys {
		d.keys = nil // a large group passed: do not keep its arena
	}
	d.seqs = st.seqs
	d.data.Reset(&st.data)
	d.runs.Reset(st.runs)
	d.types.Reset(st.types)
	d.group = d.groupBuf[:0]
	d.resetIndexes(st, vecs)
}

// get returns the value stored under enc in the draft, expired or not.
func (d *draft) get(enc string) (stored, bool) { return d.data.Get(enc) }

// live returns the value under enc unless it is absent or expired at the
// draft's commit time.
func (d *draft) live(enc string) (stored, bool) {
	r, ok := d.data.Get(enc)
	if !ok || !visible(&r, d.now) {
		return stored{}, false
	}
	return r, true
}

// next is the version the operation being applied gets if it changes
// anything.
func (d *draft) next() uint64 { return d.version + 1 }

// put stores value under enc at the next version, recording the change.
// enc must be the caller's own string (it is kept in the commit record).
func (d *draft) put(enc string, value core.Value, ttl time.Duration) {
	d.putKey(enc, true, value, ttl, -1)
}

// putSized is put for a value whose Size is known (the write's check
// measured it): the draft's byte count need not walk it again.
func (d *draft) putSized(enc string, value core.Value, ttl time.Duration, size int) {
	d.putKey(enc, true, value, ttl, size)
}

// putView is put for an enc that is a view of the caller's scratch buffer:
// the commit record keeps a copy in the draft's key arena until the draft
// finishes, which moves the group's copies into the state (see keepKeys).
func (d *draft) putView(enc string, value core.Value, ttl time.Duration, size int) {
	d.putKey(enc, false, value, ttl, size)
}

// maxDraftKeys is the largest key arena a draft keeps from one group to the
// next.
const maxDraftKeys = 64 << 10

// putKey is put when owned, putView otherwise; size is value.Size(), or -1
// when not known yet.
func (d *draft) putKey(enc string, owned bool, value core.Value, ttl time.Duration, size int) {
	r := newStored(value, d.next(), d.now, ttl)
	prev, had := d.store(enc, r, size)
	if !owned {
		start := len(d.keys)
		d.keys = append(d.keys, enc...)
		enc = view(d.keys[start:])
	}
	d.record(change{enc: enc, op: core.ChangePut, val: value, ttl: r.ttl, prev: prev, hadPrev: had, scratch: !owned})
}

// remove deletes enc (which must be stored) at the next version, recording
// the change as op (ChangeDelete or ChangeExpire).
func (d *draft) remove(enc string, op core.ChangeOp) {
	if prev, had := d.del(enc); had {
		d.record(change{enc: enc, op: op, prev: prev, hadPrev: true})
		d.seqRemoved(enc)
	}
}

func (d *draft) record(c change) {
	if d.rec == nil {
		d.rec = &d.first
		if len(d.group) > 0 {
			d.rec = new(commitRec)
		}
		*d.rec = newCommitRec(d.next(), d.now)
		d.rec.changes = d.rec.one[:0]
		if d.expect > 1 {
			d.rec.changes = make([]change, 0, d.expect)
		}
	}
	if c.removed() {
		d.lastRemoval = d.rec.version
	}
	if c.hadPrev {
		d.rec.bytes += entryBytes(c.enc, &c.prev)
	}
	d.rec.changes = append(d.rec.changes, c)
}

// expectChanges tells the draft that the operation being applied will make
// about n changes, so that its commit record is sized once instead of grown.
// It assigns no version: an operation that ends up changing nothing commits
// nothing.
func (d *draft) expectChanges(n int) { d.expect = n }

// set stores r under enc and keeps the indices exact; it returns what was
// stored before.
func (d *draft) set(enc string, r stored) (prev stored, had bool) {
	return d.store(enc, r, -1)
}

// store is set for a value whose Size is known (size >= 0), or not (-1).
func (d *draft) store(enc string, r stored, size int) (prev stored, had bool) {
	prev, had, near := d.data.SetNear(enc, r)
	if size < 0 {
		size = r.val.Size()
	}
	d.bytes += entryBytesOf(enc, size)
	if had {
		d.bytes -= entryBytes(enc, &prev)
	}
	if !had {
		d.addGroups(enc, near)
	} else if at, ok := prev.expiresAt(); ok {
		d.ttl = d.ttl.Remove(at, enc)
	}
	if at, ok := r.expiresAt(); ok {
		d.ttl = d.ttl.Add(at, enc, struct{}{})
	}
	if len(d.vecs) > 0 {
		d.indexSet(enc, &r, &prev, had)
	}
	return prev, had
}

// del removes enc and keeps the indices exact; it returns what was stored.
func (d *draft) del(enc string) (stored, bool) {
	prev, had := d.data.Delete(enc)
	if !had {
		return prev, false
	}
	d.bytes -= entryBytes(enc, &prev)
	if at, ok := prev.expiresAt(); ok {
		d.ttl = d.ttl.Remove(at, enc)
	}
	d.dropGroups(enc)
	if len(d.vecs) > 0 {
		d.indexDel(enc, &prev)
	}
	return prev, true
}

// addGroups records the namespace of enc, a new key, in the run and type
// indices if it is not there yet: an O(log n) lookup each, a change only for
// a namespace's first key (of the type). near is how long a prefix of enc
// another stored key is known to share (btree's SetNear): a neighbour in the
// same namespace (and type) proves the index holds it already, which spares
// the lookups for most new keys.
func (d *draft) addGroups(enc string, near int) {
	n := nsLen(enc)
	if near > n { // a key of the same namespace and type is stored
		return
	}
	encNS := enc[:n]
	b := d.b[:0]
	if near < n {
		b = indices.RunMember(b, runOf(encNS), encNS)
		if !d.runs.Has(b) {
			d.runs.Add(b)
		}
	}
	b = indices.TypeMember(b[:0], core.TypeTag(enc[n]), encNS)
	if !d.types.Has(b) {
		d.types.Add(b)
	}
	d.b = b
}

// dropGroups removes enc's namespace from the run and type indices when the
// data holds no other key of it (of the type).
func (d *draft) dropGroups(enc string) {
	n := nsLen(enc)
	if d.hasPrefix(enc[:n+1]) {
		return
	}
	encNS := enc[:n]
	b := indices.TypeMember(d.b[:0], core.TypeTag(enc[n]), encNS)
	d.types.Remove(b)
	if !d.hasPrefix(encNS) {
		b = indices.RunMember(b[:0], runOf(encNS), encNS)
		d.runs.Remove(b)
	}
	d.b = b
}

// hasPrefix reports whether any key in the draft starts with prefix.
func (d *draft) hasPrefix(prefix string) bool {
	c := d.data.Cursor()
	return c.SeekGE(prefix) && c.HasPrefix(prefix)
}

// rangeRecords calls fn for each entry of the draft whose encoded key starts
// with prefix, in key order, until fn returns false. fn must not change the
// draft.
func (d *draft) rangeRecords(prefix string, fn func(enc string, r *stored) bool) {
	rangePrefix(d.data.Cursor(), prefix, fn)
}

// end closes the operation being applied: its commit record, if it changed
// anything, joins the group with the next version, which it returns; an
// operation that changed nothing returns the draft's version and assigns
// none. The changes are put in key order.
func (d *draft) end() uint64 {
	d.expect = 0
	if d.rec == nil {
		return d.version
	}
	rec := d.rec
	d.rec = nil
	if !slices.IsSortedFunc(rec.changes, cmpChange) {
		slices.SortFunc(rec.changes, cmpChange)
	}
	rec.lastRemoval = d.lastRemoval
	d.version = rec.version
	d.group = append(d.group, rec)
	return rec.version
}

func cmpChange(a, b change) int { return strings.Compare(a.enc, b.enc) }

// abort undoes the operation being applied, leaving the draft as it was
// before the operation began.
func (d *draft) abort() {
	d.expect = 0
	if d.rec == nil {
		return
	}
	d.undo(d.rec)
	d.rec = nil
	d.lastRemoval = d.baseRemoval
	if n := len(d.group); n > 0 {
		d.lastRemoval = d.group[n-1].lastRemoval
	}
}

// undo reverts rec's changes, newest first, and the sequence marks they
// raised.
func (d *draft) undo(rec *commitRec) {
	changes := rec.changes
	if rec.packed != nil {
		changes = rec.packed.unpack(rec)
	}
	for i := len(changes) - 1; i >= 0; i-- {
		c := &changes[i]
		if c.hadPrev {
			d.set(c.enc, c.prev)
		} else {
			d.del(c.enc)
		}
	}
	if rec.seqsSaved {
		d.seqs = rec.seqsBefore
	}
}

// finish freezes the draft into the state at its version, with the commit
// records of the versions it assigned. The group's records are moved out of
// the draft: the first into the state's own storage, the pointers out of
// the draft's buffer.
func (d *draft) finish() *state {
	st := d.freeze(d.version, d.lastRemoval)
	for _, rec := range d.group {
		if len(rec.changes) >= packMin {
			rec.pack(st)
		}
	}
	d.keepKeys(st)
	for _, rec := range d.group {
		rec.bytes += rec.ownBytes()
	}
	switch len(d.group) {
	case 0:
	case 1:
		st.one[0] = st.takeFirst(d)
		st.group = st.one[:]
	default:
		st.group = slices.Clone(d.group)
		st.group[0] = st.takeFirst(d)
	}
	clear(d.groupBuf[:])
	d.group = nil
	return st
}

// finishAt freezes the draft into the state of version v whose one commit
// record is rec (none when rec is nil), instead of the draft's own version
// and records, which the draft must not have: a version inside a group,
// rewound from the group's state by undoing the later commits, or a state
// rebuilt by recovery, whose record holds only its commit time. The state's
// newest removal is rec's (v without a record).
func (d *draft) finishAt(v uint64, rec *commitRec) *state {
	lastRemoval := v
	if rec != nil {
		lastRemoval = rec.lastRemoval
	}
	st := d.freeze(v, lastRemoval)
	if rec != nil {
		st.one[0] = rec
		st.group = st.one[:]
	}
	clear(d.groupBuf[:])
	d.group = nil
	return st
}

// freeze publishes the draft's data and indices into a new state of version
// v.
func (d *draft) freeze(v, lastRemoval uint64) *state {
	st := &state{
		version:     v,
		runs:        d.runs.Groups(),
		types:       d.types.Groups(),
		ttl:         d.ttl,
		lastRemoval: lastRemoval,
		bytes:       d.bytes,
		seqs:        d.seqs,
	}
	d.data.Publish(&st.data)
	d.publishIndexes(st)
	return st
}

// takeFirst moves the draft's first record into st.first and returns it.
// Changes held in the record's own storage move with it.
func (st *state) takeFirst(d *draft) *commitRec {
	st.first = d.first
	if n := len(d.first.changes); n == 0 || &d.first.changes[0] == &d.first.one[0] {
		st.first.changes = st.first.one[:n]
	}
	d.first = commitRec{}
	return &st.first
}

// keepKeys moves the keys of the group's changes that are views of the
// draft's key arena into memory the state owns: the state's own room for a
// group whose keys fit there, else one allocation for the whole group.
func (d *draft) keepKeys(st *state) {
	n := 0
	for _, rec := range d.group {
		for i := range rec.changes {
			if c := &rec.changes[i]; c.scratch {
				n += len(c.enc)
			}
		}
	}
	if n == 0 {
		return
	}
	var buf []byte
	if n <= len(st.keys) {
		buf = st.keys[:0]
	} else {
		buf = make([]byte, 0, n)
	}
	for _, rec := range d.group {
		for i := range rec.changes {
			if c := &rec.changes[i]; c.scratch {
				start := len(buf)
				buf = append(buf, c.enc...)
				c.enc, c.scratch = view(buf[start:]), false
			}
		}
	}
}
