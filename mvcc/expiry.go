package mvcc

import (
	"time"

	"github.com/inmemdb/inmem/core"
)

// FindExpired returns the entries that have expired at now, in expiry order
// (ties in key order), at most limit of them (limit <= 0: all). It reads the
// TTL index of the current version: O(log n + returned). The entries are the
// caller's. Lock-free; safe for concurrent use.
func (s *Store) FindExpired(now time.Time, limit int) []core.Entry {
	st := s.root.Load().cur
	var out []core.Entry
	for _, r := range st.ttl.Expired(now) {
		out = append(out, core.Entry{Key: copyKey(r), Value: r.vv})
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

// RemoveResult reports what RemoveExpired did; it is core.Removal, the type
// cleaner.Target expects.
type RemoveResult = core.Removal

// RemoveExpired removes, in one commit with one version, each given entry
// whose key is still stored at exactly the entry's version and has expired by
// the store's clock. An entry whose key was written again, deleted, or is not
// expired is skipped and left alone: a removal never takes a value written
// after the expired one. Entries with invalid keys are skipped. It is the
// conditional batch a cleaner uses (see package cleaner). Safe for concurrent
// use.
func (s *Store) RemoveExpired(entries []core.Entry) (RemoveResult, error) {
	var res RemoveResult
	encs := make([]string, len(entries))
	for i, e := range entries {
		if e.Key.Type.Valid() {
			encs[i] = encodeKey(e.Key)
		}
	}
	st, err := s.commit(func(cur *state, version uint64, now time.Time) (*state, error) {
		res = RemoveResult{}
		var d draft
		d.init(cur, version)
		for i, e := range entries {
			r := d.st.get(encs[i])
			if encs[i] == "" || r == nil || r.vv.Version != e.Value.Version || !r.vv.Expired(now) {
				res.Skipped++
				continue
			}
			d.remove(r)
			res.Removed++
		}
		return d.finish(), nil
	})
	if err != nil {
		return RemoveResult{}, err
	}
	if res.Removed > 0 {
		res.Version = st.version
	}
	return res, nil
}
