package etcdstore

import (
	"time"

	"github.com/inmemdb/inmem/core"
)

// state is what one commit attempt read of the store, at its current
// version, and what it plans to change. Plans (the functions commit runs)
// inspect it with stored and live and change it with put and remove; the
// commit then writes every change in one etcd transaction guarded by the
// version key's revision, so nothing read here can have changed.
type state struct {
	version uint64    // the store's version when read
	vrev    int64     // the version key's mod revision (0: the store is empty)
	now     time.Time // the store clock's reading for this attempt: the commit's timestamp
	slots   map[string]*slot
	runs    map[string]int64 // run index key -> count of keys stored in its namespace
	changed int              // slots with a change
	expire  bool             // the commit removes expired values (RemoveExpired)
}

// slot is one key's stored record and its planned change.
type slot struct {
	key    core.Key
	enc    string               // its data key
	old    *core.VersionedValue // stored, expired or not; nil when absent
	modrev int64                // the data key's mod revision (0: absent)
	op     core.ChangeOp        // 0: unchanged
	value  core.Value           // ChangePut
	ttl    time.Duration        // ChangePut
}

func (st *state) slot(k core.Key, l layout) *slot {
	return st.slots[l.dataKey(k)]
}

// stored returns what is stored under the slot now, expired or not.
func (sl *slot) stored() (core.VersionedValue, bool) {
	if sl == nil || sl.old == nil {
		return core.VersionedValue{}, false
	}
	return *sl.old, true
}

// live returns the live value of the slot at now.
func (sl *slot) live(now time.Time) (core.VersionedValue, bool) {
	vv, ok := sl.stored()
	if !ok || vv.Expired(now) {
		return core.VersionedValue{}, false
	}
	return vv, true
}

func (st *state) put(sl *slot, value core.Value, ttl time.Duration) {
	if sl.op == 0 {
		st.changed++
	}
	sl.op, sl.value, sl.ttl = core.ChangePut, value, ttl
}

// remove plans the removal of what is stored under the slot (op
// ChangeDelete or ChangeExpire); nothing stored: no change.
func (st *state) remove(sl *slot, op core.ChangeOp) {
	if sl.old == nil {
		if sl.op != 0 {
			st.changed--
			sl.op = 0
		}
		return
	}
	if sl.op == 0 {
		st.changed++
	}
	sl.op = op
}
