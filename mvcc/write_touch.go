package mvcc

import (
	"time"

	"github.com/inmemdb/inmem/core"
)

// Touch refreshes the TTL of key's live value without changing the value:
// in one commit with a new version, the value gets the commit's timestamp and
// the new ttl, so it expires ttl after now (0: never). Agents keep scratch
// notes alive while they use them. An absent or expired key gives
// ErrNotFound and assigns no version; an unknown type tag gives
// ErrInvalidKey, a negative ttl ErrInvalidTTL; and, changing nothing,
// ErrClosed after Close, ErrReadOnly on a store opened WithReadOnly,
// ErrVersionExhausted when no version is left, or a failed log write's error
// on a store made by Open (which then refuses every later write). Watchers
// see a ChangePut with the same value. Safe for concurrent use.
func (s *Store) Touch(key core.Key, ttl time.Duration) (uint64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	if err := checkTTL(ttl); err != nil {
		return 0, err
	}
	enc := encodeKey(key)
	return s.commit(func(d *draft) error {
		r, ok := d.live(enc)
		if !ok {
			return notFound(key)
		}
		d.put(enc, r.val, ttl)
		return nil
	})
}
