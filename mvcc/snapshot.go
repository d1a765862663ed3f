package mvcc

import (
	"iter"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Snapshot is a consistent, immutable view of a Store at one version: it holds
// exactly the changes with versions up to Version(), and judges expiry at the
// moment it was taken, so repeated reads always agree. Taking one is O(1) in
// time and memory whatever the store's size: it captures the current root. A
// Snapshot keeps the data of its version alive until it is dropped (no Close
// is needed). It implements core.SnapshotView and is safe for concurrent use.
type Snapshot struct {
	st   *state
	now  time.Time
	from *Store // the store it is a snapshot of: Merge checks a fork's base by it
}

// Snapshot captures the store's current version. O(1); lock-free; safe for
// concurrent use.
func (s *Store) Snapshot() *Snapshot {
	return &Snapshot{st: s.root.Load().cur, now: s.Now(), from: s}
}

// Version returns the version the snapshot holds.
func (sn *Snapshot) Version() uint64 { return sn.state().version }

// state returns the snapshot's state: an empty one at version 0 for the zero
// Snapshot (or a nil *Snapshot), which reads as an empty store.
func (sn *Snapshot) state() *state {
	if sn == nil || sn.st == nil {
		return &emptySnapshotState
	}
	return sn.st
}

var emptySnapshotState state

// Time returns the moment the snapshot was taken: what its expiry is judged
// against.
func (sn *Snapshot) Time() time.Time {
	if sn == nil {
		return time.Time{}
	}
	return sn.now
}

// Len returns the number of keys stored at the snapshot's version, expired
// ones not yet removed included. O(1).
func (sn *Snapshot) Len() int { return sn.state().data.Len() }

// Get returns the value of key in the snapshot, or ErrNotFound when it is
// absent or was expired when the snapshot was taken. O(log n).
func (sn *Snapshot) Get(key core.Key) (core.VersionedValue, error) {
	if err := checkKey(key); err != nil {
		return core.VersionedValue{}, err
	}
	j := fixedJudge(sn.Time())
	return getLive(sn.state(), key, &j)
}

// ScanPrefix returns the live entries of the snapshot that match prefix, in
// key order. O(log n + k).
func (sn *Snapshot) ScanPrefix(prefix core.Key) ([]core.Entry, error) {
	if err := checkKey(prefix); err != nil {
		return nil, err
	}
	c := collector{judge: fixedJudge(sn.Time())}
	sn.state().scanPrefix(encodeKey(prefix), &c)
	return c.entries(), nil
}

// ScanByRun returns the live entries of run in the snapshot, in key order.
// O(log n + k).
func (sn *Snapshot) ScanByRun(run core.RunID) ([]core.Entry, error) {
	c := collector{judge: fixedJudge(sn.Time())}
	sn.state().scanRun(run, &c)
	return c.entries(), nil
}

// ScanByType returns the live entries of type t in the snapshot, in key order,
// or ErrInvalidKey for an invalid t.
func (sn *Snapshot) ScanByType(t core.TypeTag) ([]core.Entry, error) {
	if !t.Valid() {
		return nil, checkKey(core.Key{Type: t})
	}
	c := collector{judge: fixedJudge(sn.Time())}
	sn.state().scanType(t, &c)
	return c.entries(), nil
}

// All yields every live entry of the snapshot in key order, streaming: no
// result slice is built. Each yielded key carries its own copy of the user
// key. Stopping early is fine. It is Scan(core.AllKeys()).
func (sn *Snapshot) All() iter.Seq2[core.Key, core.VersionedValue] {
	return sn.Scan(core.AllKeys())
}

// Prefix yields the live entries that match prefix, in key order, streaming.
// An invalid prefix (unknown type tag) yields nothing. It is
// Scan(core.KeyPrefix(prefix)).
func (sn *Snapshot) Prefix(prefix core.Key) iter.Seq2[core.Key, core.VersionedValue] {
	return sn.Scan(core.KeyPrefix(prefix))
}
