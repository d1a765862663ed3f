package etcdstore

import (
	"slices"
	"strings"
	"time"

	"github.com/inmemdb/inmem/core"
)

// state is what one attempt of a batch of writes read of the store, at its
// current version, and what the batch's plans change. Plans (the functions
// requests carry) inspect it with slot, stored and live and change it with
// put and remove; the batch then writes every change in one etcd
// transaction guarded by the version key's revision, so nothing read here
// can have changed. The requests of a batch read and change disjoint keys
// (see span), so each plan sees the store as it was before the batch.
type state struct {
	version uint64    // the store's version when read
	vrev    int64     // the version key's mod revision (0: the store is empty)
	rev     int64     // the etcd revision of the read
	now     time.Time // the store clock's reading for this attempt: the commits' timestamp
	slots   map[string]*slot
	counts  map[string]int64   // run and type index key -> keys stored (absent: 0)
	tails   map[string]uint64  // an event log's data prefix -> its high-water mark: the highest 8-byte sequence it ever stored (none: 0)
	marked  map[string]bool    // an event log's data prefix -> its mark index holds keys (tails' logs only)
	scans   map[string][]*slot // a scanned data prefix -> its records, in key order
	cur     *request           // the request whose plan runs: what it changes is its own
}

// slot is one key's stored record and its planned change.
type slot struct {
	key    core.Key
	enc    string               // its data key
	old    *core.VersionedValue // stored, expired or not; nil when absent
	modrev int64                // the data key's mod revision (0: absent)
	by     *request             // the request that changes it; nil: unchanged
	op     core.ChangeOp        // by's change
	value  core.Value           // ChangePut
	ttl    time.Duration        // ChangePut
}

// slot returns the slot of a key the running request declared.
func (st *state) slot(k core.Key, l layout) *slot {
	return st.slots[l.dataKey(k)]
}

// absent returns a slot for a key the running request knows is not stored
// (the next key of an event log), creating it.
func (st *state) absent(k core.Key, l layout) *slot {
	enc := l.dataKey(k)
	sl := st.slots[enc]
	if sl == nil {
		sl = &slot{key: k, enc: enc}
		st.slots[enc] = sl
	}
	return sl
}

// stored returns what is stored under the slot now, expired or not.
func (sl *slot) stored() (core.VersionedValue, bool) {
	if sl == nil || sl.old == nil {
		return core.VersionedValue{}, false
	}
	return *sl.old, true
}

// oldExpiry returns the instant what is stored under the slot expires at;
// false when nothing is stored or it never expires.
func (sl *slot) oldExpiry() (instant, bool) {
	if sl.old == nil {
		return instant{}, false
	}
	return expiryOf(*sl.old)
}

// live returns the live value of the slot at now.
func (sl *slot) live(now time.Time) (core.VersionedValue, bool) {
	vv, ok := sl.stored()
	if !ok || vv.Expired(now) {
		return core.VersionedValue{}, false
	}
	return vv, true
}

// put plans a write of value under the slot by the running request.
func (st *state) put(sl *slot, value core.Value, ttl time.Duration) {
	sl.by, sl.op, sl.value, sl.ttl = st.cur, core.ChangePut, value, ttl
}

// remove plans the removal of what is stored under the slot (op
// ChangeDelete or ChangeExpire) by the running request; nothing stored: no
// change.
func (st *state) remove(sl *slot, op core.ChangeOp) {
	if sl.old == nil {
		sl.by, sl.op = nil, 0
		return
	}
	sl.by, sl.op = st.cur, op
}

// undo drops every change of rq (its plan failed, or it waits for the next
// batch).
func (st *state) undo(rq *request) {
	for _, sl := range st.slots {
		if sl.by == rq {
			sl.by, sl.op = nil, 0
		}
	}
	if rq.bumped {
		st.tails[rq.tail], rq.bumped = rq.tailPrev, false
	}
}

// bumpTail sets the highest sequence of the event log under the data prefix
// p to seq, for the running request (undo restores it).
func (st *state) bumpTail(p string, seq uint64) {
	rq := st.cur
	if !rq.bumped {
		rq.tailPrev, rq.bumped = st.tails[p], true
	}
	st.tails[p] = seq
}

// changes returns the slots rq changes, in data key order.
func (st *state) changes(rq *request) []*slot {
	var out []*slot
	for _, sl := range st.slots {
		if sl.by == rq {
			out = append(out, sl)
		}
	}
	slices.SortFunc(out, func(a, b *slot) int { return strings.Compare(a.enc, b.enc) })
	return out
}
