package mvcc

import (
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
)

func checkKey(k core.Key) error { return k.Validate() }

func checkTTL(ttl time.Duration) error { return core.ValidateTTL(ttl) }

// checkSize refuses a key or value over the configured limits.
func (s *Store) checkSize(enc string, value core.Value) error {
	if s.cfg.maxKey > 0 && len(enc) > s.cfg.maxKey {
		return fmt.Errorf("%w: key of %d encoded bytes, limit %d", core.ErrTooLarge, len(enc), s.cfg.maxKey)
	}
	if s.cfg.maxValue > 0 {
		if n := valueSize(value); n > s.cfg.maxValue {
			return fmt.Errorf("%w: value of %d bytes, limit %d", core.ErrTooLarge, n, s.cfg.maxValue)
		}
	}
	return nil
}

// visible is the one rule that decides whether a stored value is seen by a
// read judged at now: a value is visible until its expiry (Timestamp+TTL),
// exclusive. It agrees with core.VersionedValue.Expired, to the nanosecond,
// without building a time.Time.
func visible(r *stored, now time.Time) bool {
	sec, nsec, ok := r.deadline()
	if !ok {
		return true
	}
	nowSec, nowNsec := now.Unix()+unixToInternal, int32(now.Nanosecond())
	return sec > nowSec || (sec == nowSec && nsec > nowNsec)
}

func notFound(key core.Key) error {
	return fmt.Errorf("%w: %s", core.ErrNotFound, key)
}
