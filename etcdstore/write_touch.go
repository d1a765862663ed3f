package etcdstore

import (
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Touch refreshes the TTL of key's live value without changing the value:
// in a commit of its own with a new version, the value gets the commit's
// timestamp and the new ttl, so it expires ttl after now (0: never). An
// absent or expired key gives core.ErrNotFound and assigns no version; a
// negative ttl gives core.ErrInvalidTTL. Watchers see a core.ChangePut with
// the same value. Safe for concurrent use.
func (s *Store) Touch(key core.Key, ttl time.Duration) (uint64, error) {
	if err := checkWrite(key, ttl); err != nil {
		return 0, err
	}
	return s.commit(&request{what: "Touch", keys: []core.Key{key}, plan: func(st *state) error {
		sl := st.slot(key, s.l)
		vv, ok := sl.live(st.now)
		if !ok {
			return fmt.Errorf("%w: %s", core.ErrNotFound, key)
		}
		st.put(sl, vv.Value, ttl)
		return nil
	}})
}
