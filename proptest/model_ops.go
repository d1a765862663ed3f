package proptest

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
)

// The Model's side of the store operations beyond core.Storage: Append,
// DeletePrefix, Touch and Expire.

// Append stores value under the next event key of ns, core.EventKey(ns,
// last+1), where last is the highest 8-byte event sequence ns's log has
// ever stored, in any version (removed since or not; 0 for a log that never
// held one): sequences only grow. It returns the key and the version. ErrInvalidTTL changes nothing, and so does an
// error wrapping ErrTooLarge when the log is at sequence MaxUint64. Safe for
// concurrent use.
func (m *Model) Append(ns core.Namespace, value core.Value, ttl time.Duration) (core.Key, uint64, error) {
	if err := checkTTL(ttl); err != nil {
		return core.Key{}, 0, err
	}
	// The value is checked as any write's before the log's tail is read, and
	// again against the key it takes.
	if err := m.checkVector(core.EventKey(ns, 0), value); err != nil {
		return core.Key{}, 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var key core.Key
	v, err := m.commit(func(next modelState, version uint64, now time.Time) (bool, error) {
		last := max(lastSeq(next, ns, nil), m.usedSeq(ns, m.version()))
		if last == math.MaxUint64 {
			return false, fmt.Errorf("%w: the event log of %s is at sequence %d", core.ErrTooLarge, ns, last)
		}
		key = core.EventKey(ns, last+1)
		if err := m.checkVector(key, value); err != nil {
			return false, err
		}
		next[keyOf(key)] = core.Entry{Key: key, Value: core.VersionedValue{Value: value, Version: version, Timestamp: now, TTL: ttl}}
		return true, nil
	})
	if err != nil {
		return core.Key{}, 0, err
	}
	return ownKey(key), v, nil
}

// usedSeq returns the highest sequence ns's log stored in any version up to
// v: the number Append goes on after, whatever was removed since. The
// caller holds m.mu.
func (m *Model) usedSeq(ns core.Namespace, v uint64) uint64 {
	var last uint64
	for _, st := range m.states[:v+1] {
		last = max(last, lastSeq(st, ns, nil))
	}
	return last
}

// lastSeq returns the highest sequence of an event key of ns with an 8-byte
// user key stored in st and not hidden by skip, or 0.
func lastSeq(st modelState, ns core.Namespace, skip func(mkey) bool) uint64 {
	var last uint64
	for k := range st {
		if k.ns == ns && k.t == core.TypeEvent && len(k.uk) == 8 && (skip == nil || !skip(k)) {
			last = max(last, binary.BigEndian.Uint64([]byte(k.uk)))
		}
	}
	return last
}

// DeletePrefix removes every stored key p matches, expired ones included, in
// one commit, and returns how many of them were live and the version; when
// nothing stored matches, (0, 0, nil) and no version. An invalid p gives an
// error wrapping ErrInvalidKey. Safe for concurrent use.
func (m *Model) DeletePrefix(p core.Prefix) (int, uint64, error) {
	if !p.Valid() {
		return 0, 0, fmt.Errorf("%w: prefix %s", core.ErrInvalidKey, p)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	live, removed := 0, 0
	v, err := m.commit(func(next modelState, _ uint64, now time.Time) (bool, error) {
		for k, e := range next {
			if !p.Match(e.Key) {
				continue
			}
			if !expired(e.Value, now) {
				live++
			}
			removed++
			delete(next, k)
		}
		return removed > 0, nil
	})
	if err != nil || removed == 0 {
		return 0, 0, err
	}
	return live, v, nil
}

// Touch gives key's live value the commit's timestamp and ttl, in one
// commit, and returns the version: ErrNotFound when absent or expired (no
// version), ErrInvalidKey, ErrInvalidTTL. Safe for concurrent use.
func (m *Model) Touch(key core.Key, ttl time.Duration) (uint64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	if err := checkTTL(ttl); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.commit(func(next modelState, version uint64, now time.Time) (bool, error) {
		vv, err := liveIn(next, key, now)
		if err != nil {
			return false, err
		}
		e := next[keyOf(key)]
		e.Value = core.VersionedValue{Value: vv.Value, Version: version, Timestamp: now, TTL: ttl}
		next[keyOf(key)] = e
		return true, nil
	})
}

// Expire removes, in one commit, up to limit (limit <= 0: all) stored values
// that have expired by the Model's clock, the earliest expiry first (ties in
// key order), and reports how many and the version. Safe for concurrent use.
func (m *Model) Expire(limit int) (core.Removal, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var res core.Removal
	v, _ := m.commit(func(next modelState, _ uint64, now time.Time) (bool, error) {
		var due []core.Entry
		for _, e := range next {
			if expired(e.Value, now) {
				due = append(due, e)
			}
		}
		slices.SortFunc(due, expiryOrder)
		if limit > 0 && len(due) > limit {
			due = due[:limit]
		}
		for _, e := range due {
			delete(next, keyOf(e.Key))
		}
		res.Removed = len(due)
		return len(due) > 0, nil
	})
	if res.Removed > 0 {
		res.Version = v
	}
	return res, nil
}
