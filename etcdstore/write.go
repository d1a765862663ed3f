package etcdstore

import (
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Put stores value under key with the ttl (0: never expires) and returns the
// version assigned to the write. An invalid key (core.ErrInvalidKey), a
// negative ttl (core.ErrInvalidTTL), a value core's codec refuses
// (core.ErrInvalidValue) or one too large for etcd (core.ErrTooLarge)
// changes nothing. Concurrent writers of one Store share etcd transactions
// (group commit); each gets a version of its own. Safe for concurrent use.
func (s *Store) Put(key core.Key, value core.Value, ttl time.Duration) (uint64, error) {
	if err := checkWrite(key, ttl); err != nil {
		return 0, err
	}
	return s.commit(&request{what: "Put", keys: []core.Key{key}, plan: func(st *state) error {
		st.put(st.slot(key, s.l), value, ttl)
		return nil
	}})
}

// CompareAndSwap stores value under key only if the key's live version is
// expected (0: the key must be absent or expired), and returns the new
// version; otherwise core.ErrVersionMismatch and nothing changes. Safe for
// concurrent use.
func (s *Store) CompareAndSwap(key core.Key, expected uint64, value core.Value, ttl time.Duration) (uint64, error) {
	if err := checkWrite(key, ttl); err != nil {
		return 0, err
	}
	return s.commit(&request{what: "CompareAndSwap", keys: []core.Key{key}, plan: func(st *state) error {
		sl := st.slot(key, s.l)
		var found uint64
		if vv, ok := sl.live(st.now); ok {
			found = vv.Version
		}
		if found != expected {
			return fmt.Errorf("%w: %s is at %d, not %d", core.ErrVersionMismatch, key, found, expected)
		}
		st.put(sl, value, ttl)
		return nil
	}})
}

// Delete removes key and returns the value it had; core.ErrNotFound when it
// is absent or expired (then nothing changes). Safe for concurrent use.
func (s *Store) Delete(key core.Key) (core.VersionedValue, error) {
	return s.remove("Delete", key, nil)
}

// CompareAndDelete removes key only if its live version is expected:
// core.ErrNotFound when it is absent or expired, core.ErrVersionMismatch
// when another version is live. Safe for concurrent use.
func (s *Store) CompareAndDelete(key core.Key, expected uint64) error {
	_, err := s.remove("CompareAndDelete", key, &expected)
	return err
}

func (s *Store) remove(what string, key core.Key, expected *uint64) (core.VersionedValue, error) {
	if err := checkKey(key); err != nil {
		return core.VersionedValue{}, err
	}
	var removed core.VersionedValue
	_, err := s.commit(&request{what: what, keys: []core.Key{key}, plan: func(st *state) error {
		sl := st.slot(key, s.l)
		vv, ok := sl.live(st.now)
		if !ok {
			return fmt.Errorf("%w: %s", core.ErrNotFound, key)
		}
		if expected != nil && vv.Version != *expected {
			return fmt.Errorf("%w: %s is at %d, not %d", core.ErrVersionMismatch, key, vv.Version, *expected)
		}
		st.remove(sl, core.ChangeDelete)
		removed = vv
		return nil
	}})
	if err != nil {
		return core.VersionedValue{}, err
	}
	return removed, nil
}

// checkWrite rejects a write's bad input before anything is read (a value
// the codec refuses is refused before anything is written).
func checkWrite(key core.Key, ttl time.Duration) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return checkTTL(ttl)
}
