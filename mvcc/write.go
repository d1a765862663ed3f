package mvcc

import (
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Put stores value under key with the given TTL (0: never expires) and returns
// the version assigned to the write. The key's user key and the value are
// copied or immutable, so the caller may reuse its slices. It fails with
// ErrInvalidKey (unknown type tag), ErrInvalidTTL (negative TTL) or
// ErrVersionExhausted, changing nothing. O(log n); safe for concurrent use.
func (s *Store) Put(key core.Key, value core.Value, ttl time.Duration) (uint64, error) {
	return s.put(key, value, ttl, false, 0)
}

// CompareAndSwap stores value under key only if the key's current version is
// expected, where 0 means the key must be absent (or expired). It returns the
// new version, or an error wrapping ErrVersionMismatch that names the version
// found, and changes nothing then. A single-key fast path: no transaction is
// built. Safe for concurrent use.
func (s *Store) CompareAndSwap(key core.Key, expected uint64, value core.Value, ttl time.Duration) (uint64, error) {
	return s.put(key, value, ttl, true, expected)
}

func (s *Store) put(key core.Key, value core.Value, ttl time.Duration, cas bool, expected uint64) (uint64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	if err := checkTTL(ttl); err != nil {
		return 0, err
	}
	enc := encodeKey(key)
	rec := newRecord(key, enc, value, ttl)
	st, err := s.commit(func(cur *state, version uint64, now time.Time) (*state, error) {
		old := cur.get(enc)
		if cas {
			if err := checkVersion(key, old, now, expected); err != nil {
				return nil, err
			}
		}
		// rec is not yet published: it is ours to stamp on every attempt.
		rec.vv.Version, rec.vv.Timestamp = version, now
		var d draft
		d.init(cur, version)
		d.set(rec, old)
		return d.finish(), nil
	})
	if err != nil {
		return 0, err
	}
	return st.version, nil
}

// checkVersion reports whether the live version of the key (0 if absent or
// expired) is expected.
func checkVersion(key core.Key, old *record, now time.Time, expected uint64) error {
	var found uint64
	if r := live(old, now); r != nil {
		found = r.vv.Version
	}
	if found != expected {
		return fmt.Errorf("%w: key %s is at version %d, not %d", core.ErrVersionMismatch, key, found, expected)
	}
	return nil
}

// Delete removes key and returns the value it had. A key that is absent or
// expired gives ErrNotFound and assigns no version. O(log n); safe for
// concurrent use.
func (s *Store) Delete(key core.Key) (core.VersionedValue, error) {
	var removed core.VersionedValue
	err := s.remove(key, func(old *record, _ time.Time) error {
		if old == nil {
			return notFound(key)
		}
		removed = old.vv
		return nil
	})
	return removed, err
}

// CompareAndDelete removes key only if its current version is expected (a
// version of a live value: an absent or expired key gives ErrNotFound). A
// mismatch gives an error wrapping ErrVersionMismatch and changes nothing.
// Safe for concurrent use.
func (s *Store) CompareAndDelete(key core.Key, expected uint64) error {
	return s.remove(key, func(old *record, now time.Time) error {
		if old == nil {
			return notFound(key)
		}
		return checkVersion(key, old, now, expected)
	})
}

// remove deletes the live value of key when check (given that value, or nil)
// allows it.
func (s *Store) remove(key core.Key, check func(old *record, now time.Time) error) error {
	if err := checkKey(key); err != nil {
		return err
	}
	sc := getScratch()
	defer sc.release()
	sc.b = key.AppendEncode(sc.b[:0])
	enc := view(sc.b)
	_, err := s.commit(func(cur *state, version uint64, now time.Time) (*state, error) {
		old := live(cur.get(enc), now)
		if err := check(old, now); err != nil {
			return nil, err
		}
		var d draft
		d.init(cur, version)
		d.remove(old)
		return d.finish(), nil
	})
	return err
}
