package proptest

import (
	"os"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"pgregory.net/rapid"
)

// RunDurable is RunStore for a durable store: open must create or recover
// the store kept in dir with the given clock (mvcc.Open(dir,
// mvcc.WithClock(clock), ...)). Each sequence gets a fresh empty directory
// and, besides RunStore's steps, now and then closes the store (its watchers
// first) and opens it again from the directory. After a reopen the store
// must hold exactly what it held (values, versions, timestamps, TTLs,
// expired values not yet removed), report the version it recovered, and
// continue the versions. Its history window is rebuilt from the log after
// its checkpoint: it must reach back as far as it did before the reopen, or
// to the checkpoint the store recovered from if that is newer (Recovery's
// CheckpointVersion); versioned reads of older versions answer only what
// the current data proves (a key stored now with a value written at or
// before the version read; a key absent now only if nothing was removed
// after that version, and everything up to the window's start counts as
// removed), ErrCompacted otherwise, and a watcher cannot reach the commits
// up to the window's start.
//
// RunDurable calls t.Helper; it closes every store it opened.
func RunDurable(t *testing.T, open func(dir string, clock core.Clock) (*mvcc.Store, error)) {
	t.Helper()
	root := t.TempDir()
	rapid.Check(t, func(rt *rapid.T) {
		dir, err := os.MkdirTemp(root, "seq")
		if err != nil {
			rt.Fatalf("RunDurable: %v", err)
		}
		m := newDurableMachine(rt, rapidDrawer{rt}, dir, open)
		defer m.closeDurable()
		rt.Repeat(m.actions())
	})
}

// newDurableMachine returns a machine over the store open makes in dir, with
// the Reopen step.
func newDurableMachine(f failer, d drawer, dir string, open func(dir string, clock core.Clock) (*mvcc.Store, error)) *machine {
	clock := core.NewManualClock(epoch)
	s, err := open(dir, clock)
	if err != nil {
		f.Fatalf("open %s: %v", dir, err)
	}
	m := &machine{f: f, d: d, store: s, ms: s, model: NewModel(clock), clock: clock, ts: true}
	m.reopen = func() (*mvcc.Store, error) { return open(dir, clock) }
	return m
}

// closeDurable closes the watchers and the store, and removes nothing: the
// directory belongs to the test.
func (m *machine) closeDurable() {
	m.closeWatchers()
	_ = m.ms.Close()
}

// reopenStore closes the watchers and the store (after which a write must
// fail with ErrClosed), opens the store again from its directory and checks
// what it recovered: the version (Recovery and CurrentVersion) here, the
// data by the check after the step.
func (m *machine) reopenStore() {
	m.closeWatchers()
	before := m.windowLow()
	if err := m.ms.Close(); err != nil {
		m.f.Fatalf("Reopen: Close: %v", err)
	}
	k := ownKey(space.keys[0])
	_, err := m.ms.Put(k, core.NullValue(), 0)
	m.fail(diffErr(err, core.ErrClosed), "Reopen: Put(%s) after Close", k)
	s, err := m.reopen()
	if err != nil {
		m.f.Fatalf("Reopen: open: %v", err)
	}
	m.store, m.ms = s, s
	rep := s.Recovery()
	if got, want := rep.LastVersion, m.model.CurrentVersion(); got != want {
		m.f.Fatalf("Reopen: Recovery().LastVersion = %d, want %d", got, want)
	}
	from := m.windowLow()
	if want := max(before, rep.CheckpointVersion); from > want {
		m.f.Fatalf("Reopen: the history window starts at version %d, want %d or before (it started at %d, the checkpoint is at %d)", from, want, before, rep.CheckpointVersion)
	}
	m.model.ReopenFrom(from)
}
