package mvcc

import (
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/wal"
)

// Put stores value under key with the given TTL (0: never expires) and returns
// the version assigned to the write. The key's user key and the value are
// copied or immutable, so the caller may reuse its slices. O(log n); safe for
// concurrent use.
//
// It fails with an error wrapping one of these sentinels of package core,
// changing nothing: ErrInvalidKey (an unknown type tag), ErrInvalidTTL (a
// negative TTL), ErrInvalidValue (arrays and maps nested deeper than
// core.MaxValueDepth, or a vector a WithVectorIndex index refuses),
// ErrTooLarge (over WithMaxKeySize or WithMaxValueSize, or a key and value
// larger than one entry of the log or a backup holds), ErrClosed after
// Close, ErrReadOnly on a store opened WithReadOnly, ErrVersionExhausted when
// no version is left. On a store made by Open, a failed write of the log
// gives that error (wrapping the file system's, such as syscall.ENOSPC), and
// the store refuses every later write with it.
func (s *Store) Put(key core.Key, value core.Value, ttl time.Duration) (uint64, error) {
	sc := getScratch()
	defer sc.release()
	enc, size, err := s.checkWriteView(sc, key, value, ttl)
	if err != nil {
		return 0, err
	}
	return s.commitPut(putOp{enc: enc, value: value, ttl: ttl, size: size})
}

// CompareAndSwap stores value under key only if the key's current version is
// expected, where 0 means the key must be absent (or expired). It returns the
// new version, or an error wrapping ErrVersionMismatch that names the version
// found, and changes nothing then. A single-key fast path: no transaction is
// built. It fails as Put does otherwise (ErrInvalidKey, ErrInvalidTTL,
// ErrInvalidValue, ErrTooLarge, ErrClosed, ErrReadOnly, ErrVersionExhausted,
// a log write's error). Safe for concurrent use.
func (s *Store) CompareAndSwap(key core.Key, expected uint64, value core.Value, ttl time.Duration) (uint64, error) {
	sc := getScratch()
	defer sc.release()
	enc, size, err := s.checkWriteView(sc, key, value, ttl)
	if err != nil {
		return 0, err
	}
	return s.commitPut(putOp{enc: enc, value: value, ttl: ttl, size: size, cas: true, expected: expected})
}

// checkWrite validates a write and returns the key's encoding and the
// value's Size.
func (s *Store) checkWrite(key core.Key, value core.Value, ttl time.Duration) (string, int, error) {
	if err := checkWriteArgs(key, ttl); err != nil {
		return "", 0, err
	}
	enc := encodeKey(key)
	size, err := s.checkSize(enc, value)
	if err != nil {
		return "", 0, err
	}
	return enc, size, nil
}

// checkWriteView is checkWrite with the encoding written into sc: the
// string returned is a view of sc, valid until sc is released.
func (s *Store) checkWriteView(sc *scratch, key core.Key, value core.Value, ttl time.Duration) (string, int, error) {
	if err := checkWriteArgs(key, ttl); err != nil {
		return "", 0, err
	}
	sc.b = key.AppendEncode(sc.b[:0])
	enc := view(sc.b)
	size, err := s.checkSize(enc, value)
	if err != nil {
		return "", 0, err
	}
	return enc, size, nil
}

func checkWriteArgs(key core.Key, ttl time.Duration) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return checkTTL(ttl)
}

// checkVersion reports whether the live version of enc in the draft (0 if
// absent or expired) is expected.
func checkVersion(d *draft, enc string, expected uint64) error {
	var found uint64
	if r, ok := d.live(enc); ok {
		found = r.version
	}
	if found != expected {
		return fmt.Errorf("%w: key %s is at version %d, not %d", core.ErrVersionMismatch, keyOf(enc), found, expected)
	}
	return nil
}

// Delete removes key and returns the value it had. A key that is absent or
// expired gives ErrNotFound and assigns no version. It fails with an error
// wrapping ErrInvalidKey for an unknown type tag, and, changing nothing,
// ErrClosed after Close, ErrReadOnly on a store opened WithReadOnly,
// ErrVersionExhausted when no version is left, or a failed log write's
// error on a store made by Open (which then refuses every later write).
// O(log n); safe for concurrent use.
func (s *Store) Delete(key core.Key) (core.VersionedValue, error) {
	var removed core.VersionedValue
	err := s.remove(key, func(d *draft, enc string) error {
		r, ok := d.live(enc)
		if !ok {
			return notFound(key)
		}
		removed = r.public()
		return nil
	})
	return removed, err
}

// CompareAndDelete removes key only if its current version is expected (a
// version of a live value: an absent or expired key gives ErrNotFound). A
// mismatch gives an error wrapping ErrVersionMismatch and changes nothing.
// It fails as Delete does otherwise (ErrInvalidKey, ErrClosed, ErrReadOnly,
// ErrVersionExhausted, a log write's error). Safe for concurrent use.
func (s *Store) CompareAndDelete(key core.Key, expected uint64) error {
	return s.remove(key, func(d *draft, enc string) error {
		if _, ok := d.live(enc); !ok {
			return notFound(key)
		}
		return checkVersion(d, enc, expected)
	})
}

// remove deletes the live value of key when check allows it.
func (s *Store) remove(key core.Key, check func(d *draft, enc string) error) error {
	if err := checkKey(key); err != nil {
		return err
	}
	enc := encodeKey(key)
	_, err := s.commit(func(d *draft) error {
		if err := check(d, enc); err != nil {
			return err
		}
		d.remove(enc, core.ChangeDelete)
		return nil
	})
	return err
}

// checkKey refuses a key with an unknown type tag.
func checkKey(k core.Key) error { return k.Validate() }

// checkTTL refuses a negative TTL.
func checkTTL(ttl time.Duration) error { return core.ValidateTTL(ttl) }

// checkSize is the one rule for what every store accepts, New's and Open's
// alike, checked before a write is queued: a value nested at most
// core.MaxValueDepth deep (else ErrInvalidValue), a key and value that
// together fit one entry of the log and backup formats (wal.MaxEntrySize:
// else ErrTooLarge), and the configured limits: WithMaxKeySize on the key's
// encoding, WithMaxValueSize on the value's data (core.Measure's Data), both
// ErrTooLarge. A vector a vector index cannot hold is refused too
// (checkVector). The value is walked once, and not past MaxValueDepth; the
// walk also gives the value's Size, which it returns for the store's byte
// counts (draft.putKey), so that a put walks its value no more than before.
func (s *Store) checkSize(enc string, value core.Value) (int, error) {
	if s.cfg.maxKey > 0 && len(enc) > s.cfg.maxKey {
		return 0, fmt.Errorf("%w: key %s is %d bytes encoded, over the limit of %d", core.ErrTooLarge, keyOf(enc), len(enc), s.cfg.maxKey)
	}
	m, err := value.Measure()
	if err != nil {
		return 0, fmt.Errorf("mvcc: value of key %s: %w", keyOf(enc), err)
	}
	if n := len(enc) + m.Encoded; n > wal.MaxEntrySize {
		return 0, fmt.Errorf("%w: key %s and its value are %d bytes encoded, over the %d one entry of the log or a backup holds", core.ErrTooLarge, keyOf(enc), n, wal.MaxEntrySize)
	}
	if s.cfg.maxValue > 0 && m.Data > s.cfg.maxValue {
		return 0, fmt.Errorf("%w: value of key %s holds %d bytes of data, over the limit of %d", core.ErrTooLarge, keyOf(enc), m.Data, s.cfg.maxValue)
	}
	return m.Size, checkVector(s.cfg.vectors, enc, value)
}
