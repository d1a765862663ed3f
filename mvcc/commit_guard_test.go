package mvcc

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// fxGroup runs ops as one group commit, in the order given: it holds the
// commit lock while each op's goroutine queues its write (waiting, with a
// deadline, until the queue has grown), then lets the first of them lead.
// Each op makes exactly one write call. It returns the ops' errors.
func fxGroup(t *testing.T, s *Store, ops ...func() error) []error {
	t.Helper()
	errs := make([]error, len(ops))
	done := make(chan int, len(ops))
	s.writeMu.Lock()
	locked := true
	defer func() {
		if locked {
			s.writeMu.Unlock()
		}
	}()
	for i, op := range ops {
		go func() {
			errs[i] = op()
			done <- i
		}()
		deadline := time.Now().Add(10 * time.Second)
		for {
			s.queueMu.Lock()
			n := len(s.queue)
			s.queueMu.Unlock()
			if n == i+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("op %d of the group never queued its write (queue holds %d)", i, n)
			}
			runtime.Gosched() // let the op's goroutine run; no waiting on time
		}
	}
	locked = false
	s.writeMu.Unlock()
	timeout := time.After(10 * time.Second)
	for range ops {
		select {
		case <-done:
		case <-timeout:
			t.Fatal("the group's writers did not all return")
		}
	}
	return errs
}

// fxGroupScript is a mix of writes on a few keys: overwrites of one key, puts
// with TTLs, deletes, an expiry, a prefix delete, a transaction; each entry
// is one write.
func fxGroupScript(s *Store) []func() error {
	a, b := fxNS("t", "a", 1), fxNS("t", "b", 2)
	put := func(k core.Key, v int64, ttl time.Duration) func() error {
		return func() error { _, err := s.Put(k, core.Int64Value(v), ttl); return err }
	}
	del := func(k core.Key) func() error {
		return func() error { _, err := s.Delete(k); return err }
	}
	return []func() error{
		put(core.KVKey(a, "x"), 2, 0),
		del(core.KVKey(a, "gone")),
		put(core.KVKey(a, "x"), 3, time.Hour),
		put(core.EventKey(b, 1), 4, 0),
		func() error { _, err := s.Expire(0); return err },
		put(core.KVKey(b, "y"), 5, 0),
		func() error {
			_, err := s.Update(func(tx *Txn) error {
				if err := tx.Put(core.KVKey(a, "z"), core.Int64Value(6), 0); err != nil {
					return err
				}
				return tx.Put(core.KVKey(a, "w"), core.Int64Value(7), time.Minute)
			})
			return err
		},
		func() error { _, _, err := s.DeletePrefix(core.NamespacePrefix(b)); return err },
		put(core.KVKey(a, "x"), 8, 0),
	}
}

// fxGroupSeed writes what the script starts from: one write per version.
func fxGroupSeed(t *testing.T, s *Store, clk *core.ManualClock) {
	a, b := fxNS("t", "a", 1), fxNS("t", "b", 2)
	fxPut(t, s, core.KVKey(a, "x"), 1, 0)
	fxPut(t, s, core.KVKey(a, "gone"), 1, 0)
	fxPut(t, s, core.KVKey(b, "old"), 1, 0)
	fxPut(t, s, core.KVKey(b, "b-exp"), 1, time.Second)
	fxPut(t, s, core.KVKey(b, "a-exp"), 1, 2*time.Second)
	clk.Advance(3 * time.Second)
}

// A group commit publishes, for every version inside it, exactly the state
// and commit record that the same writes made one at a time publish: what
// SnapshotAt, the versioned reads and a watcher see of a version in the
// middle of a group is rebuilt exactly, indices and lastRemoval included.
func TestGuardGroupMatchesOneAtATime(t *testing.T) {
	grouped, gclk := fxStore(WithHistory(100))
	single, sclk := fxStore(WithHistory(100))
	fxGroupSeed(t, grouped, gclk)
	fxGroupSeed(t, single, sclk)
	base := grouped.CurrentVersion()

	before := grouped.Stats().Groups
	for i, err := range fxGroup(t, grouped, fxGroupScript(grouped)...) {
		require.NoError(t, err, "grouped op %d", i)
	}
	require.Equal(t, before+1, grouped.Stats().Groups, "the script ran as one group")
	for i, op := range fxGroupScript(single) {
		require.NoError(t, op(), "op %d", i)
	}
	require.Equal(t, single.CurrentVersion(), grouped.CurrentVersion())

	gw, sw := grouped.Watch(0), single.Watch(0)
	defer gw.Close()
	defer sw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for v := uint64(1); v <= grouped.CurrentVersion(); v++ {
		gs, gerr := grouped.SnapshotAt(v)
		ss, serr := single.SnapshotAt(v)
		require.NoError(t, gerr, "grouped SnapshotAt(%d)", v)
		require.NoError(t, serr, "SnapshotAt(%d)", v)
		fxRequireEntries(t, fxCollect(ss.All()), fxCollect(gs.All()), "live entries at version %d", v)
		require.Equal(t, ss.Time(), gs.Time(), "expiry moment at version %d", v)
		if v >= base {
			fxRequireSameState(t, v, single.root.Load(), grouped.root.Load())
		}

		gc, err := gw.Next(ctx)
		require.NoError(t, err, "grouped watcher at version %d", v)
		sc, err := sw.Next(ctx)
		require.NoError(t, err, "watcher at version %d", v)
		fxRequireCommit(t, sc, gc)
		for i := 1; i < len(gc.Changes); i++ {
			require.Negative(t, gc.Changes[i-1].Key.Compare(gc.Changes[i].Key),
				"changes of version %d in key order: %v", v, gc.Changes)
		}
	}
}

// fxRequireSameState compares what two roots hold at version v: data,
// indices and the newest removal.
func fxRequireSameState(t *testing.T, v uint64, want, got *root) {
	t.Helper()
	ws, ok := want.at(v)
	require.True(t, ok, "version %d retained", v)
	gs, ok := got.at(v)
	require.True(t, ok, "grouped version %d retained", v)
	require.Equal(t, v, gs.version)
	require.Equal(t, ws.lastRemoval, gs.lastRemoval, "lastRemoval at version %d", v)
	require.Equal(t, ws.bytes, gs.bytes, "bytes at version %d", v)
	require.Equal(t, ws.data.Len(), gs.data.Len(), "keys at version %d", v)
	require.Equal(t, ws.runs.Len(), gs.runs.Len(), "run index at version %d", v)
	require.Equal(t, ws.types.Len(), gs.types.Len(), "type index at version %d", v)
	require.Equal(t, ws.ttl.Len(), gs.ttl.Len(), "TTL index at version %d", v)
	var wk, gk []string
	ws.rangeRecords("", func(enc string, r *stored) bool {
		wk = append(wk, fmt.Sprintf("%q@%d", enc, r.version))
		return true
	})
	gs.rangeRecords("", func(enc string, r *stored) bool {
		gk = append(gk, fmt.Sprintf("%q@%d", enc, r.version))
		return true
	})
	require.Equal(t, wk, gk, "stored entries (expired included) at version %d", v)
}

func fxRequireCommit(t *testing.T, want, got core.Commit) {
	t.Helper()
	require.Equal(t, want.Version, got.Version)
	require.True(t, want.Time.Equal(got.Time), "commit time of version %d", want.Version)
	require.Len(t, got.Changes, len(want.Changes), "changes of version %d: %v", want.Version, got.Changes)
	for i := range want.Changes {
		w, g := want.Changes[i], got.Changes[i]
		require.True(t, w.Key.Equal(g.Key), "version %d change %d: key %s, want %s", want.Version, i, g.Key, w.Key)
		require.Equal(t, w.Op, g.Op, "version %d change %d (%s)", want.Version, i, w.Key)
		fxRequireVV(t, w.Value, g.Value, "version %d change %d (%s)", want.Version, i, w.Key)
	}
}

var errGuardRefused = errors.New("refused after changing the draft")

// An operation that changes the draft and then refuses leaves nothing behind:
// its changes are undone, it takes no version, and the newest removal is the
// one the group made before it (the commit contract of applyFunc).
func TestGuardGroupAbortUndoesTheOperation(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	ka, kb, kc := core.KVKey(ns, "a"), core.KVKey(ns, "b"), core.KVKey(ns, "c")
	fxPut(t, s, ka, 1, 0)
	fxPut(t, s, kb, 1, time.Hour)
	encB := encodeKey(kb)
	refuse := func() error {
		_, err := s.commit(func(d *draft) error {
			d.remove(encB, core.ChangeDelete)
			d.put(encodeKey(kc), core.Int64Value(9), 0)
			return errGuardRefused
		})
		return err
	}

	// Alone: nothing is published.
	require.ErrorIs(t, refuse(), errGuardRefused)
	require.Equal(t, uint64(2), s.CurrentVersion())
	require.Equal(t, uint64(0), s.root.Load().cur.lastRemoval)

	// First in a group: the draft's newest removal goes back to the state's.
	errs := fxGroup(t, s,
		refuse,
		func() error { _, err := s.Put(core.KVKey(ns, "e"), core.Int64Value(5), 0); return err },
	)
	require.ErrorIs(t, errs[0], errGuardRefused)
	require.NoError(t, errs[1])
	require.Equal(t, uint64(3), s.CurrentVersion(), "the refused operation took no version")
	require.Equal(t, uint64(0), s.root.Load().cur.lastRemoval, "nothing was removed")

	// In a group, after a removal.
	errs = fxGroup(t, s,
		func() error { _, err := s.Delete(ka); return err },
		refuse,
		func() error { _, err := s.Put(core.KVKey(ns, "d"), core.Int64Value(4), 0); return err },
	)
	require.NoError(t, errs[0])
	require.ErrorIs(t, errs[1], errGuardRefused)
	require.NoError(t, errs[2])
	cur := s.root.Load().cur
	require.Equal(t, uint64(5), cur.version, "the refused operation took no version")
	require.Equal(t, uint64(4), cur.lastRemoval, "the newest removal is the Delete's")
	_, err := s.Get(kb)
	require.NoError(t, err, "the refused removal of b was undone")
	_, err = s.Get(kc)
	require.ErrorIs(t, err, core.ErrNotFound, "the refused put of c was undone")
	require.Equal(t, 1, s.Stats().TTLKeys, "b's expiry is back in the TTL index")
	require.Equal(t, 3, s.Stats().Keys, "b, d and e")
}
