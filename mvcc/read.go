package mvcc

import (
	"fmt"

	"github.com/inmemdb/inmem/core"
)

// Get returns the current value of key, or ErrNotFound when the key is absent
// or expired by the store's clock, or ErrInvalidKey. O(log n), lock-free, no
// allocation beyond the returned value; safe for concurrent use.
func (s *Store) Get(key core.Key) (core.VersionedValue, error) {
	if err := s.checkRead(key); err != nil {
		return core.VersionedValue{}, err
	}
	st := s.root.Load().cur
	j := liveJudge(s.cfg.clock)
	return getLive(st, key, &j)
}

// getLive looks key up in st and judges its expiry with j.
func getLive(st *state, key core.Key, j *judge) (core.VersionedValue, error) {
	got, ok := lookup(st, key)
	if !ok || j.expired(&got) {
		return core.VersionedValue{}, core.ErrNotFound
	}
	return got.public(), nil
}

// GetVersioned returns what Get returned right after version maxVersion
// committed, expiry judged against now. Within the history window (see
// WithHistory) the answer comes from the retained state of that version.
// Beyond it, the answer is still exact when the key has not changed since
// maxVersion (its current value, or its absence when nothing at all was
// removed since); otherwise the error wraps ErrCompacted. maxVersion at or
// above the current version (core.Latest included) reads the current
// version. O(log n); lock-free; safe for concurrent use.
func (s *Store) GetVersioned(key core.Key, maxVersion uint64) (core.VersionedValue, error) {
	if err := s.checkRead(key); err != nil {
		return core.VersionedValue{}, err
	}
	r := s.root.Load()
	j := liveJudge(s.cfg.clock)
	if st, ok := r.at(maxVersion); ok {
		return getLive(st, key, &j)
	}
	got, ok := lookup(r.cur, key)
	switch {
	case ok && got.version <= maxVersion:
		// Unchanged since maxVersion: the current value is the answer.
		if j.expired(&got) {
			return core.VersionedValue{}, core.ErrNotFound
		}
		return got.public(), nil
	case !ok && r.cur.lastRemoval <= maxVersion:
		// Absent now and nothing removed since: absent then too.
		return core.VersionedValue{}, core.ErrNotFound
	}
	return core.VersionedValue{}, compacted(maxVersion, r)
}

// lookup returns the value of key in st, expired or not.
func lookup(st *state, key core.Key) (stored, bool) {
	sc := getScratch()
	sc.b = key.AppendEncode(sc.b[:0])
	got, ok := st.get(view(sc.b))
	sc.release()
	return got, ok
}

// checkRead refuses a read of a closed store or of an invalid key.
func (s *Store) checkRead(key core.Key) error {
	if s.isClosed.Load() {
		return errClosed
	}
	return checkKey(key)
}

// notFound is ErrNotFound for key, named in the message.
func notFound(key core.Key) error {
	return fmt.Errorf("%w: %s", core.ErrNotFound, key)
}
