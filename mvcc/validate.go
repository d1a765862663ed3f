package mvcc

import (
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
)

func checkKey(key core.Key) error {
	if !key.Type.Valid() {
		return fmt.Errorf("%w: unknown type tag %d in key %s", core.ErrInvalidKey, uint8(key.Type), key)
	}
	return nil
}

func checkTTL(ttl time.Duration) error {
	if ttl < 0 {
		return fmt.Errorf("%w: %v is negative", core.ErrInvalidTTL, ttl)
	}
	return nil
}

// live returns r unless it is nil or expired at now.
func live(r *record, now time.Time) *record {
	if r == nil || r.vv.Expired(now) {
		return nil
	}
	return r
}

func notFound(key core.Key) error {
	return fmt.Errorf("%w: %s", core.ErrNotFound, key)
}
