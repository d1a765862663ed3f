package mvcc

import (
	"github.com/inmemdb/inmem/indices"
	"github.com/inmemdb/inmem/internal/btree"
)

// state is one published version of the store: data and indices, immutable.
//
// The data maps each encoded key (core.Key.Encode) to its value, held inline
// in the tree's leaves in the lean form of stored. The key itself is not
// stored decoded: what a read hands out is decoded from the encoding (see
// state_keys.go).
type state struct {
	version     uint64
	data        btree.Map[stored]
	runs        indices.Groups
	types       indices.Groups
	ttl         indices.TTL[struct{}]
	lastRemoval uint64     // the newest version that removed a key (delete or expiry)
	bytes       int64      // what the stored entries hold (entryBytes), expired ones included
	vecs        []vecIndex // the vector indexes (WithVectorIndex), at this version
	seqs        seqMarks   // the event logs' high-water marks (state_seqs.go)
	// group holds the commit records of the versions this state published at
	// once: versions version-len(group)+1 … version, in order. A state built
	// for a single version (a materialized past version) holds its own.
	group []*commitRec
	one   [1]*commitRec // group's storage for a group of one
	// first is the storage of group[0]: the record of a single put lives in
	// its state, not in an allocation of its own.
	first commitRec
	// keys holds the encoded keys of the group's changes that the writers
	// passed as views of their own buffers (single puts), when they fit:
	// the key of a single put lives in its state too.
	keys [stateKeys]byte
}

// stateKeys is the room for keys in a state: what fills its allocation up
// to its size class, 448 bytes (TestStateSize holds it there).
const stateKeys = 80

// root is what the store's atomic pointer points at: the current state and
// the window of past versions. States never point back at roots, so a
// retained state does not keep older history alive, and a snapshot (which
// holds a state) keeps no history alive.
//
// The window maps each retained version to the state that published it: for
// a version in the middle of a group commit that is a later state, and the
// version is recovered from the group's commit records (see pastState).
type root struct {
	cur  *state
	past indices.History[*state]
	// pastBytes is what only the window holds: the bytes of the values that
	// the commits after its oldest version replaced or removed.
	pastBytes int64
}

func emptyState(version uint64, vectors []*vectorSpec) *state {
	return &state{version: version, vecs: emptyIndexes(vectors)}
}

// get returns the value stored under enc (expired or not) and true, or false.
func (st *state) get(enc string) (stored, bool) { return st.data.Get(enc) }

// commit returns the commit record of version v held by st, or nil.
func (st *state) commit(v uint64) *commitRec {
	first := st.version + 1 - uint64(len(st.group))
	if v < first || v > st.version {
		return nil
	}
	return st.group[v-first]
}

// rangeRecords calls fn for each stored entry whose encoded key starts with
// prefix, in key order, until fn returns false. The enc passed to fn is a
// view of a buffer the next call reuses: fn copies what it keeps.
func (st *state) rangeRecords(prefix string, fn func(enc string, r *stored) bool) {
	rangePrefix(st.data.Cursor(), prefix, fn)
}

// rangePrefix walks c over the keys starting with prefix, passing each to
// fn as a view of one reused buffer.
func rangePrefix(c *btree.Cursor[stored], prefix string, fn func(enc string, r *stored) bool) {
	var buf [128]byte
	b := buf[:0]
	for ok := c.SeekGE(prefix); ok && c.HasPrefix(prefix); ok = c.Next() {
		b = c.AppendKey(b[:0])
		if !fn(view(b), c.Value()) {
			return
		}
	}
}
