// Package mvcctest proves an *mvcc.Store with package proptest's
// conformance suite, adding what mvcc promises beyond core's interfaces: its
// history window is exact, a read beyond it answers whenever the current
// data proves the answer, backups restore exactly, a durable store reopens
// exactly, and its Stats count what its indices hold. It is to package mvcc
// what net/http/httptest is to net/http: test helpers beside the package,
// so that proptest itself depends on core alone.
//
// Its functions are for tests; they call t.Helper and are safe to call from
// parallel tests (each call makes its own clock).
package mvcctest

import (
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/inmemdb/inmem/proptest"
)

// epoch is where the clocks of the suites start.
var epoch = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// Options returns the proptest options that check what an *mvcc.Store
// promises beyond core's interfaces, for stores judged by clock:
// proptest.WithClock(clock), WithRetained (the history window, by Stats),
// WithProvenReads, WithRestore (mvcc.Restore on clock) and WithCheck (Stats
// counts exactly the stored keys, the (run, namespace) and (type, namespace)
// pairs, and the keys with a TTL). RunStore, RunDurable and Replay use them;
// a test that composes its own run adds to them.
func Options(clock *core.ManualClock) []proptest.Option {
	return []proptest.Option{
		proptest.WithClock(clock),
		proptest.WithRetained(func(s core.Storage) uint64 { return windowLow(s.(*mvcc.Store)) }),
		proptest.WithProvenReads(),
		proptest.WithRestore(func(r io.Reader) (core.Storage, error) {
			s, err := mvcc.Restore(r, mvcc.WithClock(clock))
			if err != nil {
				return nil, err
			}
			return s, nil
		}),
		proptest.WithCheck(func(s core.Storage, stored []core.Entry) error {
			return checkStats(s.(*mvcc.Store), stored)
		}),
	}
}

// RunStore runs proptest.Run on the stores newStore returns, with Options:
// every capability of the store and its promises beyond them. newStore must
// return an empty store at version 0 judged by the given clock
// (mvcc.WithClock(clock)); each call of RunStore makes its own clock.
func RunStore(t *testing.T, newStore func(clock core.Clock) *mvcc.Store) {
	t.Helper()
	clock := core.NewManualClock(epoch)
	proptest.Run(t, func() core.Storage { return newStore(clock) }, Options(clock)...)
}

// RunDurable is RunStore for a durable store: open must create or recover
// the store kept in dir with the given clock (mvcc.Open(dir,
// mvcc.WithClock(clock), ...)). Each sequence gets a fresh empty directory
// under t.TempDir(), and the suite now and then closes the store and opens it
// again from its directory (proptest.WithReopen): the store must hold
// exactly what it held and report the version it recovered
// (Recovery().LastVersion), and its history window, rebuilt from the log,
// must reach back as far as it did before, or to the checkpoint it recovered
// from if that is newer (Recovery().CheckpointVersion). Every store is closed
// at the end of its sequence.
func RunDurable(t *testing.T, open func(dir string, clock core.Clock) (*mvcc.Store, error)) {
	t.Helper()
	root := t.TempDir()
	clock := core.NewManualClock(epoch)
	var mu sync.Mutex
	dirs := map[*mvcc.Store]string{}
	newStore := func() core.Storage {
		dir, err := os.MkdirTemp(root, "seq")
		if err != nil {
			panic(fmt.Sprintf("mvcctest: a directory for the sequence: %v", err))
		}
		s, err := open(dir, clock)
		if err != nil {
			panic(fmt.Sprintf("mvcctest: open %s: %v", dir, err))
		}
		mu.Lock()
		dirs[s] = dir
		mu.Unlock()
		return s
	}
	reopen := func(old core.Storage) (core.Storage, error) {
		mu.Lock()
		dir := dirs[old.(*mvcc.Store)]
		delete(dirs, old.(*mvcc.Store))
		mu.Unlock()
		before := windowLow(old.(*mvcc.Store)) // a closed store's Stats still answer
		s, err := open(dir, clock)
		if err != nil {
			return nil, fmt.Errorf("open %s again: %w", dir, err)
		}
		mu.Lock()
		dirs[s] = dir
		mu.Unlock()
		rep := s.Recovery()
		if got, want := rep.LastVersion, s.CurrentVersion(); got != want {
			return nil, fmt.Errorf("open %s again: Recovery().LastVersion = %d, CurrentVersion() = %d", dir, got, want)
		}
		if low, want := windowLow(s), max(before, rep.CheckpointVersion); low > want {
			return nil, fmt.Errorf("open %s again: the history window starts at version %d, want %d or before (it started at %d, the checkpoint is at %d)", dir, low, want, before, rep.CheckpointVersion)
		}
		return s, nil
	}
	proptest.Run(t, newStore, append(Options(clock), proptest.WithReopen(reopen))...)
}

// Replay runs proptest.Replay on a store from newStore, with Options: the
// engine of a fuzz target over the mvcc store.
func Replay(t testing.TB, data []byte, newStore func(clock core.Clock) *mvcc.Store) {
	t.Helper()
	clock := core.NewManualClock(epoch)
	proptest.Replay(t, data, func() core.Storage { return newStore(clock) }, Options(clock)...)
}

// CheckIndices is proptest.CheckIndices for an mvcc store, and checks
// besides that Stats counts exactly the stored keys, the (run, namespace)
// and (type, namespace) pairs and the keys with a TTL that the data holds:
// an index entry left behind for data that is gone shows here. It returns
// the first disagreement, or nil. The store must be quiescent while it runs.
func CheckIndices(s *mvcc.Store) error {
	if err := proptest.CheckIndices(s); err != nil {
		return err
	}
	sn := s.Snapshot()
	stored := slices.Collect(func(yield func(core.Entry) bool) {
		for k, vv := range sn.All() {
			if !yield(core.Entry{Key: k, Value: vv}) {
				return
			}
		}
	})
	stored = append(stored, s.FindExpired(sn.Time(), 0)...)
	return checkStats(s, stored)
}

// windowLow returns the oldest version s answers exactly, by its Stats.
func windowLow(s *mvcc.Store) uint64 {
	st := s.Stats()
	h := uint64(max(st.History, 1))
	if h > st.Version {
		return 0
	}
	return st.Version + 1 - h
}

// checkStats compares s's counts with what the stored entries (expired ones
// included) imply: keys, distinct (run, namespace) and (type, namespace)
// pairs, keys with a TTL.
func checkStats(s *mvcc.Store, stored []core.Entry) error {
	type nsType struct {
		ns core.Namespace
		t  core.TypeTag
	}
	var want mvcc.Stats
	runs := map[core.Namespace]bool{}
	types := map[nsType]bool{}
	for _, e := range stored {
		want.Keys++
		runs[e.Key.Namespace] = true
		types[nsType{e.Key.Namespace, e.Key.Type}] = true
		if e.Value.TTL > 0 {
			want.TTLKeys++
		}
	}
	want.Runs, want.Types = len(runs), len(types)
	got := s.Stats()
	if got.Keys != want.Keys || got.Runs != want.Runs || got.Types != want.Types || got.TTLKeys != want.TTLKeys {
		return fmt.Errorf("Stats() = keys %d, runs %d, types %d, ttl keys %d; the data implies %d, %d, %d, %d",
			got.Keys, got.Runs, got.Types, got.TTLKeys, want.Keys, want.Runs, want.Types, want.TTLKeys)
	}
	return nil
}
