package mvcc

import (
	"strings"
	"time"
	"unsafe"

	"github.com/benbjohnson/immutable"
	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/indices"
)

// record is one stored value: immutable once published.
type record struct {
	enc string   // the encoded key: the data map's key
	key core.Key // UserKey is a view into enc's bytes: never hand it out
	vv  core.VersionedValue
}

// newRecord builds a record for key (already validated) from its encoding.
func newRecord(key core.Key, enc string, value core.Value, ttl time.Duration) *record {
	uk := unsafe.Slice(unsafe.StringData(enc[len(enc)-len(key.UserKey):]), len(key.UserKey))
	key.UserKey = uk
	return &record{enc: enc, key: key, vv: core.VersionedValue{Value: value, TTL: ttl}}
}

// nsLen is the length of the encoded namespace at the front of r.enc.
func (r *record) nsLen() int { return len(r.enc) - len(r.key.UserKey) - 1 }

// state is one version of the store: data and indices, immutable.
type state struct {
	version     uint64
	data        *immutable.SortedMap[string, *record]
	runs        indices.Groups
	types       indices.Groups
	ttl         indices.TTL[*record]
	lastRemoval uint64 // the newest version that removed a key (delete or expiry)
}

// root is what the store's atomic pointer points at: the current state and
// the window of past states. States never point back at roots, so a retained
// past state does not keep older history alive, and a snapshot (which holds a
// state) keeps no history alive.
type root struct {
	cur  *state
	past indices.History[*state]
}

func emptyState(version uint64) *state {
	return &state{version: version, data: immutable.NewSortedMap[string, *record](indices.Bytewise{})}
}

// get returns the record stored under enc, or nil.
func (st *state) get(enc string) *record {
	r, _ := st.data.Get(enc)
	return r
}

// rangeRecords calls fn for each record whose encoded key starts with prefix,
// in key order, until fn returns false.
func (st *state) rangeRecords(prefix string, fn func(*record) bool) {
	it := st.data.Iterator()
	it.Seek(prefix)
	for !it.Done() {
		k, r, _ := it.Next()
		if !strings.HasPrefix(k, prefix) || !fn(r) {
			return
		}
	}
}

// hasPrefix reports whether any key starts with prefix.
func (st *state) hasPrefix(prefix string) bool {
	it := st.data.Iterator()
	it.Seek(prefix)
	if it.Done() {
		return false
	}
	k, _, _ := it.Next()
	return strings.HasPrefix(k, prefix)
}
