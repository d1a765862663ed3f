package mvcc

import (
	"time"

	"github.com/inmemdb/inmem/core"
)

// FindExpired returns the entries that have expired at now, in expiry order
// (ties in key order), at most limit of them (limit <= 0: all). It reads the
// TTL index of the current version: O(log n + returned·log n). The entries
// are the caller's. Lock-free; safe for concurrent use.
func (s *Store) FindExpired(now time.Time, limit int) []core.Entry {
	st := s.root.Load().cur
	var out []core.Entry
	var kd keyDecoder
	for enc := range st.ttl.Expired(now) {
		r, ok := st.get(enc)
		if !ok {
			continue
		}
		out = append(out, core.Entry{Key: kd.key(enc), Value: r.public()})
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

// RemoveExpired removes, in one commit with one version, each given entry
// whose key is still stored at exactly the entry's version and has expired by
// the store's clock. An entry whose key was written again, deleted, or is not
// expired is skipped and left alone: a removal never takes a value written
// after the expired one. Entries with invalid keys are skipped. It is the
// conditional batch a cleaner uses (see package cleaner). It fails, changing
// nothing, with ErrClosed after Close, ErrReadOnly on a store opened
// WithReadOnly, ErrVersionExhausted when no version is left, or a failed log
// write's error on a store made by Open (which then refuses every later
// write). Safe for concurrent use.
func (s *Store) RemoveExpired(entries []core.Entry) (core.Removal, error) {
	encs := make([]string, len(entries))
	for i, e := range entries {
		if e.Key.Type.Valid() {
			encs[i] = encodeKey(e.Key)
		}
	}
	var res core.Removal
	v, err := s.commit(func(d *draft) error {
		res = core.Removal{}
		for i, e := range entries {
			r, ok := d.get(encs[i])
			if encs[i] == "" || !ok || r.version != e.Value.Version || visible(&r, d.now) {
				res.Skipped++
				continue
			}
			d.remove(encs[i], core.ChangeExpire)
			res.Removed++
		}
		return nil
	})
	if err != nil {
		return core.Removal{}, err
	}
	if res.Removed > 0 {
		res.Version = v
	}
	return res, nil
}

// Expire removes, in one commit with one version, up to limit values (limit
// <= 0: all) that have expired by the store's clock, read from the TTL index
// inside the commit itself: nothing found can be written again before it is
// removed, so nothing is skipped. It is what a cleaner pass calls when its
// target offers it. It fails as RemoveExpired does (ErrClosed, ErrReadOnly,
// ErrVersionExhausted, a log write's error). Safe for concurrent use.
func (s *Store) Expire(limit int) (core.Removal, error) {
	var res core.Removal
	var encs []string
	v, err := s.commit(func(d *draft) error {
		res, encs = core.Removal{}, encs[:0]
		for enc := range d.ttl.Expired(d.now) {
			encs = append(encs, enc)
			if limit > 0 && len(encs) >= limit {
				break
			}
		}
		for _, enc := range encs {
			d.remove(enc, core.ChangeExpire)
			res.Removed++
		}
		return nil
	})
	if err != nil {
		return core.Removal{}, err
	}
	if res.Removed > 0 {
		res.Version = v
	}
	return res, nil
}
