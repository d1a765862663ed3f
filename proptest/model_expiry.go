package proptest

import (
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
)

// FindExpired returns the stored entries that have expired at now, ordered by
// expiry time and then key, at most limit of them (limit <= 0: all). Safe for
// concurrent use.
func (m *Model) FindExpired(now time.Time, limit int) []core.Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []core.Entry
	for _, e := range m.current() {
		if expired(e.Value, now) {
			out = append(out, ownEntry(e))
		}
	}
	slices.SortFunc(out, expiryOrder)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func expiry(e core.Entry) time.Time { return e.Value.Timestamp.Add(e.Value.TTL) }

// RemoveExpired removes, in one commit with one version, every given entry
// whose key is still stored at exactly the entry's version and is expired by
// the Model's clock; the others (written again, deleted, not expired, invalid
// key, or listed twice) are skipped. It mirrors mvcc.Store.RemoveExpired.
// Safe for concurrent use.
func (m *Model) RemoveExpired(entries []core.Entry) (core.Removal, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var res core.Removal
	v, _ := m.commit(func(next modelState, _ uint64, now time.Time) (bool, error) {
		for _, e := range entries {
			stored, ok := next[keyOf(e.Key)]
			if !e.Key.Type.Valid() || !ok || stored.Value.Version != e.Value.Version || !expired(stored.Value, now) {
				res.Skipped++
				continue
			}
			delete(next, keyOf(e.Key))
			res.Removed++
		}
		return res.Removed > 0, nil
	})
	if res.Removed > 0 {
		res.Version = v
	}
	return res, nil
}

// Stored returns every entry stored at the current version, expired ones not
// yet removed included, in key order: what a store's indices must index.
// Safe for concurrent use.
func (m *Model) Stored() []core.Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []core.Entry
	for _, e := range m.current() {
		out = append(out, ownEntry(e))
	}
	sortEntries(out)
	return out
}

// storedVersion returns the version of the value stored under k at the
// current version, expired or not, or 0 when none is.
func (m *Model) storedVersion(k core.Key) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.current()[keyOf(k)].Value.Version
}

// newestStored returns the highest version among the entries stored now
// (expired ones included) whose key keep accepts, or 0.
func (m *Model) newestStored(keep func(core.Key) bool) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var v uint64
	for _, e := range m.current() {
		if keep(e.Key) {
			v = max(v, e.Value.Version)
		}
	}
	return v
}
