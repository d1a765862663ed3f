package proptest

import (
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
)

var _ core.Storage = (*Model)(nil)

// Get returns the current value of key, or ErrNotFound when it is absent or
// expired, or ErrInvalidKey. Safe for concurrent use.
func (m *Model) Get(key core.Key) (core.VersionedValue, error) {
	return m.GetVersioned(key, core.Latest)
}

// GetVersioned returns what Get returned right after version maxVersion
// committed, expiry judged against now; above the current version it reads
// the current one. Safe for concurrent use.
func (m *Model) GetVersioned(key core.Key, maxVersion uint64) (core.VersionedValue, error) {
	if err := checkKey(key); err != nil {
		return core.VersionedValue{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return liveIn(m.at(maxVersion), key, m.Now())
}

// Put stores value under key with the ttl (0: never expires) and returns the
// new version. ErrInvalidKey or ErrInvalidTTL change nothing. Safe for
// concurrent use.
func (m *Model) Put(key core.Key, value core.Value, ttl time.Duration) (uint64, error) {
	return m.put(key, value, ttl, nil)
}

// CompareAndSwap stores value under key only if the key's live version (0
// when absent or expired) is expected; otherwise ErrVersionMismatch. Safe for
// concurrent use.
func (m *Model) CompareAndSwap(key core.Key, expected uint64, value core.Value, ttl time.Duration) (uint64, error) {
	return m.put(key, value, ttl, &expected)
}

func (m *Model) put(key core.Key, value core.Value, ttl time.Duration, expected *uint64) (uint64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	if err := checkTTL(ttl); err != nil {
		return 0, err
	}
	if err := m.checkVector(key, value); err != nil {
		return 0, err
	}
	key = ownKey(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.commit(func(next modelState, version uint64, now time.Time) (bool, error) {
		if expected != nil {
			var found uint64
			if vv, err := liveIn(next, key, now); err == nil {
				found = vv.Version
			}
			if found != *expected {
				return false, fmt.Errorf("%w: %s is at %d, not %d", core.ErrVersionMismatch, key, found, *expected)
			}
		}
		next[keyOf(key)] = core.Entry{Key: key, Value: core.VersionedValue{Value: value, Version: version, Timestamp: now, TTL: ttl}}
		return true, nil
	})
}

// Delete removes key and returns the value it had; ErrNotFound when it is
// absent or expired (then nothing changes). Safe for concurrent use.
func (m *Model) Delete(key core.Key) (core.VersionedValue, error) {
	return m.remove(key, nil)
}

// CompareAndDelete removes key only if its live version is expected:
// ErrNotFound when absent or expired, ErrVersionMismatch when another
// version is live. Safe for concurrent use.
func (m *Model) CompareAndDelete(key core.Key, expected uint64) error {
	_, err := m.remove(key, &expected)
	return err
}

func (m *Model) remove(key core.Key, expected *uint64) (core.VersionedValue, error) {
	if err := checkKey(key); err != nil {
		return core.VersionedValue{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var removed core.VersionedValue
	_, err := m.commit(func(next modelState, _ uint64, now time.Time) (bool, error) {
		vv, err := liveIn(next, key, now)
		if err != nil {
			return false, err
		}
		if expected != nil && vv.Version != *expected {
			return false, fmt.Errorf("%w: %s is at %d, not %d", core.ErrVersionMismatch, key, vv.Version, *expected)
		}
		delete(next, keyOf(key))
		removed = vv
		return true, nil
	})
	return removed, err
}

// ScanPrefix returns the live entries matching prefix (core.Key.HasPrefix) as
// of maxVersion, in key order. Safe for concurrent use.
func (m *Model) ScanPrefix(prefix core.Key, maxVersion uint64) ([]core.Entry, error) {
	if err := checkKey(prefix); err != nil {
		return nil, err
	}
	return m.scan(maxVersion, func(k core.Key) bool { return k.HasPrefix(prefix) }), nil
}

// ScanByRun returns the live entries of run as of maxVersion, in key order.
// Safe for concurrent use.
func (m *Model) ScanByRun(run core.RunID, maxVersion uint64) ([]core.Entry, error) {
	return m.scan(maxVersion, func(k core.Key) bool { return k.Namespace.RunID == run }), nil
}

// ScanByType returns the live entries of type t as of maxVersion, in key
// order, or ErrInvalidKey for an invalid t. Safe for concurrent use.
func (m *Model) ScanByType(t core.TypeTag, maxVersion uint64) ([]core.Entry, error) {
	if err := checkKey(core.Key{Type: t}); err != nil {
		return nil, err
	}
	return m.scan(maxVersion, func(k core.Key) bool { return k.Type == t }), nil
}

func (m *Model) scan(maxVersion uint64, keep func(core.Key) bool) []core.Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return selectLive(m.at(maxVersion), m.Now(), keep)
}
