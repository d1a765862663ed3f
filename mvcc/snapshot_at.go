package mvcc

import (
	"fmt"

	"github.com/inmemdb/inmem/core"
)

// SnapshotAt returns the exact state right after version v committed, with
// expiry judged at v's commit time: what Snapshot() would have returned then.
// It fails with an error wrapping ErrCompacted when v is older than the
// retained history (see WithHistory, WithHistoryBytes) and with one wrapping
// ErrNotFound when v is above the current version. A version in the middle
// of a group commit is rebuilt from the group's commit records, at a cost in
// proportion to the later commits of its group.
//
// With Scan's After and Limit it pages through one consistent version: a page
// token is (version, last key). Safe for concurrent use.
func (s *Store) SnapshotAt(v uint64) (*Snapshot, error) {
	if s.isClosed.Load() {
		return nil, errClosed
	}
	r := s.root.Load()
	if v > r.cur.version {
		return nil, fmt.Errorf("%w: version %d is above the current version %d", core.ErrNotFound, v, r.cur.version)
	}
	st, ok := r.at(v)
	if !ok {
		return nil, compacted(v, r)
	}
	now := s.Now()
	if rec := st.commit(v); rec != nil {
		now = rec.time()
	}
	return &Snapshot{st: st, now: now, from: s}, nil
}
