package proptest

import (
	"fmt"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
)

// The Model passes its own suite, with every capability: each Run below is
// one rapid.Check of -rapid.checks sequences (100 by default, a fifth under
// -short). The suite's runs on the mvcc store are mvcc's tests
// (mvcc/conformance_test.go).

func TestRunModel(t *testing.T) {
	t.Run("no clock", func(t *testing.T) {
		Run(t, func() core.Storage { return NewModel(nil) })
	})
	t.Run("clock", func(t *testing.T) {
		c := core.NewManualClock(epoch)
		Run(t, func() core.Storage { return NewModel(c) }, WithClock(c))
	})
	t.Run("RunStore", func(t *testing.T) {
		RunStore(t, func(c core.Clock) *Model { return NewModel(c) })
	})
	t.Run("clock, every version retained", func(t *testing.T) {
		c := core.NewManualClock(epoch)
		Run(t, func() core.Storage { return NewModel(c) }, WithClock(c),
			WithRetained(func(core.Storage) uint64 { return 0 }), WithProvenReads())
	})
	t.Run("plain storage", func(t *testing.T) {
		c := core.NewManualClock(epoch)
		Run(t, func() core.Storage { return plainStorage{NewModel(c)} }, WithClock(c))
	})
	t.Run("reopen", func(t *testing.T) {
		c := core.NewManualClock(epoch)
		Run(t, func() core.Storage { return &closable{Model: NewModel(c)} }, WithClock(c),
			WithReopen(func(old core.Storage) (core.Storage, error) {
				o := old.(*closable)
				if !o.closed {
					return nil, fmt.Errorf("reopen of a store that is open")
				}
				return &closable{Model: o.Model}, nil
			}))
	})
}

// plainStorage hides every capability but core.Storage: the suite runs the
// six steps of Storage only.
type plainStorage struct{ m *Model }

func (s plainStorage) Get(k core.Key) (core.VersionedValue, error) { return s.m.Get(k) }
func (s plainStorage) GetVersioned(k core.Key, v uint64) (core.VersionedValue, error) {
	return s.m.GetVersioned(k, v)
}
func (s plainStorage) Put(k core.Key, v core.Value, ttl time.Duration) (uint64, error) {
	return s.m.Put(k, v, ttl)
}
func (s plainStorage) Delete(k core.Key) (core.VersionedValue, error) { return s.m.Delete(k) }
func (s plainStorage) ScanPrefix(p core.Key, v uint64) ([]core.Entry, error) {
	return s.m.ScanPrefix(p, v)
}
func (s plainStorage) ScanByRun(r core.RunID, v uint64) ([]core.Entry, error) {
	return s.m.ScanByRun(r, v)
}
func (s plainStorage) CurrentVersion() uint64 { return s.m.CurrentVersion() }

// closable is a Model that can be closed and reopened (the same data, as a
// durable store holds it): after Close a write fails with ErrClosed.
type closable struct {
	*Model
	closed bool
}

func (s *closable) Close() error { s.closed = true; return nil }

func (s *closable) Put(k core.Key, v core.Value, ttl time.Duration) (uint64, error) {
	if s.closed {
		return 0, core.ErrClosed
	}
	return s.Model.Put(k, v, ttl)
}

func TestStepsFollowCapabilities(t *testing.T) {
	names := func(s core.Storage, o *options) map[string]bool {
		out := map[string]bool{}
		for _, st := range newMachine(recorder{}, &byteDrawer{}, o, s).steps() {
			out[st.name] = true
		}
		return out
	}
	c := core.NewManualClock(epoch)
	plain := names(plainStorage{NewModel(c)}, &options{})
	if len(plain) != 6 || !plain["Put"] || plain["Advance"] || plain["Snapshot"] {
		t.Fatalf("a plain Storage without a clock draws %v, want Storage's six steps", plain)
	}
	all := names(NewModel(c), &options{clock: c})
	for _, want := range []string{"Advance", "ScanByType", "Snapshot", "Scan", "SnapshotAt", "CompareAndSwap",
		"CompareAndDelete", "Txn", "Update", "TxnOverExpired", "RemoveExpired", "ExpireRewritten", "Expire",
		"Append", "DeletePrefix", "Touch", "Watch", "WatchDrain", "WatchIdle", "WatchClose"} {
		if !all[want] {
			t.Errorf("the Model with a clock does not draw %s", want)
		}
	}
	if all["Backup"] || all["Reopen"] {
		t.Errorf("Backup and Reopen need WithRestore and WithReopen")
	}
}
