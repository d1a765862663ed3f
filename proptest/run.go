package proptest

import (
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"pgregory.net/rapid"
)

// Option configures Run.
type Option func(*options)

type options struct {
	clock *core.ManualClock
}

// WithClock tells Run the clock the stores newStore returns judge time by
// (the factory must close over the same c). With it, Run generates TTLs and
// clock advances, uses c as the Model's clock, and compares commit
// timestamps; without it, every TTL is 0 and timestamps are not compared.
// Sequences share c, so tests that pass the same c must not run in parallel.
func WithClock(c *core.ManualClock) Option {
	return func(o *options) { o.clock = c }
}

// Run is the conformance suite of core.Storage. Each of rapid's checks (see
// -rapid.checks, -rapid.steps) runs a random sequence of Put, Get,
// GetVersioned, Delete, ScanPrefix and ScanByRun (and clock advances, see
// WithClock) over a small key space against a fresh store from newStore and
// a fresh Model, and fails t at the first answer that differs: values by
// Value.Equal, versions, TTLs, errors by errors.Is. A versioned read at a
// version older than the current one may answer ErrCompacted, unless the key
// read is stored now with a value written at or before that version. After
// every step the store's CurrentVersion must equal the Model's (versions are
// gapless) and ScanByRun of every run must equal the Model's.
//
// newStore must return an empty store at version 0. Run calls t.Helper and
// is safe to call from parallel tests unless they share a clock.
func Run(t *testing.T, newStore func() core.Storage, opts ...Option) {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	rapid.Check(t, func(rt *rapid.T) {
		m := &machine{f: rt, d: rapidDrawer{rt}, store: newStore()}
		if o.clock != nil {
			m.clock, m.ts, m.model = o.clock, true, NewModel(o.clock)
		} else {
			m.model = NewModel(nil)
		}
		rt.Repeat(m.actions())
	})
}

// RunStore is Run for *mvcc.Store, with its extra API and invariants. Each
// sequence gets a fresh core.ManualClock, which newStore must give the store
// (mvcc.WithClock); besides Run's steps it draws ScanByType, Snapshot,
// CompareAndSwap and CompareAndDelete (expecting the current version, 0, the
// stored version or a wrong one), transactions (a few Gets, Puts, Deletes and
// ScanPrefixes, sometimes a conflicting direct write before Commit: the
// commit must fail with ErrConflict exactly when the Model's does),
// transactions that scan a range holding a value expired but not yet removed
// (then a commit elsewhere, a delete in the range, or any interference), clock
// advances, and FindExpired plus RemoveExpired (with stale, invalid and
// rewritten entries mixed in, and keys written again after the find with a
// value that has expired too by the removal), and the operations beyond the
// first API: Append (also inside transactions, on logs whose tail may be
// expired, deleted or at the last sequence), DeletePrefix at every prefix
// level, Touch, Expire with a limit, Scan, ScanRun and ScanType with
// Reverse, Limit, After and Within (on the store, on kept snapshots and on
// SnapshotAt snapshots, sometimes stopping early), SnapshotAt below, inside
// and above the window, backups (Snapshot.WriteTo, then mvcc.Restore), and
// watchers: opened after a drawn version with no filter, a WatchPrefix at any
// level, a WatchRun or both, drained at random steps (each Next with a
// deadline) and compared with the model's commit history filtered the same
// way (versions, times, changes and their values), or ErrCompacted where a
// version the watcher must look at has left the window; closed at random.
// Versioned reads outside the window answer ErrCompacted only where mvcc's
// rule allows it: not for a key stored with a value written at or before the
// version read, nor for an absent key when nothing was removed after it.
//
// After every step it checks, besides Run's invariants: a fresh snapshot
// answers as the Model's does (Get of every key, prefix, run and type scans,
// All, Len); CheckIndices passes and Stats counts exactly what the Model
// stores; FindExpired at now and in the far future equals the Model's;
// versioned reads inside the store's history window (Stats.History) equal
// the Model's past exactly; and every snapshot taken earlier (the last few)
// still answers exactly as it did when taken.
//
// newStore must return an empty store at version 0.
func RunStore(t *testing.T, newStore func(clock core.Clock) *mvcc.Store) {
	t.Helper()
	rapid.Check(t, func(rt *rapid.T) {
		m := newStoreMachine(rt, rapidDrawer{rt}, newStore)
		rt.Repeat(m.actions())
	})
}

// Replay decodes data as an operation sequence (one byte per choice) and runs
// it as RunStore would run it, against a store from newStore and the Model,
// failing t at the first difference. Any bytes are a valid sequence, which
// makes it a fuzz target's engine: f.Fuzz(func(t *testing.T, b []byte) {
// proptest.Replay(t, b, newStore) }).
func Replay(t testing.TB, data []byte, newStore func(clock core.Clock) *mvcc.Store) {
	t.Helper()
	replay(t, data, newStore)
}

func replay(f failer, data []byte, newStore func(clock core.Clock) *mvcc.Store) {
	f.Helper()
	d := &byteDrawer{b: data}
	newStoreMachine(f, d, newStore).replay(d)
}

// replay runs steps chosen by d, checking after each, until d runs out.
func (m *machine) replay(d *byteDrawer) {
	var slots []func()
	for _, s := range m.steps() {
		for range s.weight {
			slots = append(slots, s.fn)
		}
	}
	m.check()
	for len(d.b) > 0 {
		slots[d.draw(len(slots), "action")]()
		m.check()
	}
}

func newStoreMachine(f failer, d drawer, newStore func(clock core.Clock) *mvcc.Store) *machine {
	clock := core.NewManualClock(epoch)
	s := newStore(clock)
	return &machine{f: f, d: d, store: s, ms: s, model: NewModel(clock), clock: clock, ts: true}
}
