package proptest

import (
	"iter"
	"time"

	"github.com/inmemdb/inmem/core"
)

// ModelSnapshot is the Model's view of one version with expiry judged at the
// moment it was taken, like mvcc.Snapshot. It implements core.SnapshotView
// and is safe for concurrent use (it reads a map that never changes).
type ModelSnapshot struct {
	m       *Model // the Model's vector index rules (nil: none)
	st      modelState
	live    []core.Entry // the live entries of st at now, in key order
	version uint64
	now     time.Time
	origin  *Model // the Model that handed it out (Branch forks it); nil: none
}

var _ core.SnapshotView = (*ModelSnapshot)(nil)

// Snapshot captures the current version and the clock's reading. Safe for
// concurrent use.
func (m *Model) Snapshot() *ModelSnapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	sn := newModelSnapshot(m, m.current(), m.version(), m.Now())
	sn.origin = m
	return sn
}

// newModelSnapshot returns the view of st, the state of version, with
// expiry judged at now; its searches follow m's vector index rules.
func newModelSnapshot(m *Model, st modelState, version uint64, now time.Time) *ModelSnapshot {
	return &ModelSnapshot{m: m, st: st, live: selectLive(st, now, func(core.Key) bool { return true }), version: version, now: now}
}

// Version returns the version the snapshot holds.
func (s *ModelSnapshot) Version() uint64 { return s.version }

// Time returns the moment the snapshot was taken.
func (s *ModelSnapshot) Time() time.Time { return s.now }

// Get returns the value of key in the snapshot, or ErrNotFound.
func (s *ModelSnapshot) Get(key core.Key) (core.VersionedValue, error) {
	if err := checkKey(key); err != nil {
		return core.VersionedValue{}, err
	}
	return liveIn(s.st, key, s.now)
}

// ScanPrefix returns the snapshot's live entries matching prefix, in key
// order.
func (s *ModelSnapshot) ScanPrefix(prefix core.Key) ([]core.Entry, error) {
	if err := checkKey(prefix); err != nil {
		return nil, err
	}
	return s.filter(func(k core.Key) bool { return k.HasPrefix(prefix) }), nil
}

// ScanByRun returns the snapshot's live entries of run, in key order.
func (s *ModelSnapshot) ScanByRun(run core.RunID) ([]core.Entry, error) {
	return s.filter(func(k core.Key) bool { return k.Namespace.RunID == run }), nil
}

// ScanByType returns the snapshot's live entries of type t, in key order, or
// ErrInvalidKey.
func (s *ModelSnapshot) ScanByType(t core.TypeTag) ([]core.Entry, error) {
	if err := checkKey(core.Key{Type: t}); err != nil {
		return nil, err
	}
	return s.filter(func(k core.Key) bool { return k.Type == t }), nil
}

// All yields every live entry of the snapshot in key order.
func (s *ModelSnapshot) All() iter.Seq2[core.Key, core.VersionedValue] {
	return func(yield func(core.Key, core.VersionedValue) bool) {
		for _, e := range s.live {
			if !yield(ownKey(e.Key), e.Value) {
				return
			}
		}
	}
}

// filter returns copies of the live entries whose key keep accepts, in key
// order.
func (s *ModelSnapshot) filter(keep func(core.Key) bool) []core.Entry {
	var out []core.Entry
	for _, e := range s.live {
		if keep(e.Key) {
			out = append(out, ownEntry(e))
		}
	}
	return out
}

// stored returns every entry of the snapshot's state, expired ones not yet
// removed included, in key order.
func (s *ModelSnapshot) stored() []core.Entry {
	var out []core.Entry
	for _, e := range s.st {
		out = append(out, ownEntry(e))
	}
	sortEntries(out)
	return out
}

// Len returns the number of keys stored at the snapshot's version, expired
// ones not yet removed included (as mvcc.Snapshot.Len).
func (s *ModelSnapshot) Len() int { return len(s.st) }

// Namespaces yields, in key order, each namespace holding a live key of the
// snapshot that p matches, once; an invalid p yields nothing.
func (s *ModelSnapshot) Namespaces(p core.Prefix) iter.Seq[core.Namespace] {
	return func(yield func(core.Namespace) bool) {
		if !p.Valid() {
			return
		}
		var last *core.Namespace
		for _, e := range s.live {
			if !p.Match(e.Key) || (last != nil && *last == e.Key.Namespace) {
				continue
			}
			ns := e.Key.Namespace
			last = &ns
			if !yield(ns) {
				return
			}
		}
	}
}
