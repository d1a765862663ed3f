package mvcc

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// fxBranch returns a store of n keys "k000".."k<n-1>" of namespace ns (value
// i, no TTL) and a fork of it.
func fxBranch(t *testing.T, n int, opts ...Option) (s, f *Store, clk *core.ManualClock, ns core.Namespace) {
	t.Helper()
	s, clk = fxStore(opts...)
	ns = fxNS("t", "a", 1)
	for i := range n {
		fxPut(t, s, fxK(ns, i), int64(i), 0)
	}
	f, err := s.Fork()
	require.NoError(t, err)
	return s, f, clk, ns
}

func fxK(ns core.Namespace, i int) core.Key { return core.KVKey(ns, fmt.Sprintf("k%03d", i)) }

// fxGetInt returns key's int value in s, or -1 when absent.
func fxGetInt(t *testing.T, s *Store, k core.Key) int64 {
	t.Helper()
	vv, err := s.Get(k)
	if errors.Is(err, core.ErrNotFound) {
		return -1
	}
	require.NoError(t, err)
	return vv.Value.Int64()
}

// fxNextCommit reads the watcher's next commit, failing after a deadline.
func fxNextCommit(t *testing.T, w *Watcher) core.Commit {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := w.Next(ctx)
	require.NoError(t, err, "waiting for the merge's commit")
	return c
}

// TestMergeWithoutConflicts: the fork's puts, overwrites and deletes reach
// the store in one version that watchers see as one commit, next to the
// store's own changes of other keys.
func TestMergeWithoutConflicts(t *testing.T) {
	s, f, _, ns := fxBranch(t, 50)
	fxPut(t, f, fxK(ns, 3), 300, 0)  // overwrite
	fxPut(t, f, fxK(ns, 60), 600, 0) // new key
	_, err := f.Delete(fxK(ns, 7))   // delete
	require.NoError(t, err)
	fxPut(t, s, fxK(ns, 4), 400, 0) // the store's own change of another key
	fxPut(t, s, fxK(ns, 61), 610, 0)
	before := s.CurrentVersion()
	w := s.Watch(before)
	defer w.Close()

	v, err := s.Merge(f)
	require.NoError(t, err)
	require.Equal(t, before+1, v, "one version")
	require.Equal(t, v, s.CurrentVersion())
	c := fxNextCommit(t, w)
	require.Equal(t, v, c.Version)
	require.Len(t, c.Changes, 3)
	require.Equal(t, []string{"k003", "k007", "k060"}, []string{
		string(c.Changes[0].Key.UserKey), string(c.Changes[1].Key.UserKey), string(c.Changes[2].Key.UserKey)})
	require.Equal(t, core.ChangeDelete, c.Changes[1].Op)

	require.Equal(t, int64(300), fxGetInt(t, s, fxK(ns, 3)))
	require.Equal(t, int64(600), fxGetInt(t, s, fxK(ns, 60)))
	require.Equal(t, int64(-1), fxGetInt(t, s, fxK(ns, 7)))
	require.Equal(t, int64(400), fxGetInt(t, s, fxK(ns, 4)), "the store's own change stays")
	require.Equal(t, int64(610), fxGetInt(t, s, fxK(ns, 61)))
	vv, err := s.Get(fxK(ns, 3))
	require.NoError(t, err)
	require.Equal(t, v, vv.Version, "a merged value carries the merge's version")
	// The fork is untouched by the merge and by the store's changes.
	require.Equal(t, int64(4), fxGetInt(t, f, fxK(ns, 4)))
	require.Equal(t, int64(-1), fxGetInt(t, f, fxK(ns, 61)))
}

// TestMergeConflicts: keys both sides changed differently since the base
// are conflicts, listed in key order, and the merge changes nothing; keys
// both sides changed alike are not.
func TestMergeConflicts(t *testing.T) {
	s, f, _, ns := fxBranch(t, 20)
	fxPut(t, f, fxK(ns, 9), 90, 0)
	fxPut(t, s, fxK(ns, 9), 91, 0)
	_, err := f.Delete(fxK(ns, 2))
	require.NoError(t, err)
	fxPut(t, s, fxK(ns, 2), 21, 0) // fork deleted, store changed
	fxPut(t, f, fxK(ns, 5), 55, 0)
	fxPut(t, s, fxK(ns, 5), 55, 0) // the same value on both sides: no conflict
	fxPut(t, f, fxK(ns, 30), 1, 0)
	fxPut(t, s, fxK(ns, 30), 2, 0)   // both created it, differently
	fxPut(t, f, fxK(ns, 11), 110, 0) // only the fork
	before := s.CurrentVersion()

	_, err = s.Merge(f)
	var mc *MergeConflict
	require.ErrorAs(t, err, &mc)
	require.ErrorIs(t, err, core.ErrConflict)
	require.Equal(t, []core.Key{fxK(ns, 2), fxK(ns, 9), fxK(ns, 30)}, mc.Keys)
	require.Contains(t, err.Error(), "3 key(s)")
	// Code written against core.Brancher finds the same conflict.
	var cc *core.MergeConflict
	require.ErrorAs(t, err, &cc)
	require.Equal(t, mc.Keys, cc.Keys)
	require.Equal(t, cc.Error(), err.Error())
	require.Equal(t, before, s.CurrentVersion(), "a conflict changes nothing")
	require.Equal(t, int64(11), fxGetInt(t, s, fxK(ns, 11)))
}

// TestMergeOptions decides the same conflicts with each option.
func TestMergeOptions(t *testing.T) {
	setup := func(t *testing.T) (s, f *Store, ns core.Namespace) {
		s, f, _, ns = fxBranch(t, 10)
		fxPut(t, f, fxK(ns, 1), 10, 0) // both changed
		fxPut(t, s, fxK(ns, 1), 11, 0)
		_, err := f.Delete(fxK(ns, 2)) // fork deleted, store changed
		require.NoError(t, err)
		fxPut(t, s, fxK(ns, 2), 21, 0)
		fxPut(t, f, fxK(ns, 3), 30, 0) // fork changed, store deleted
		_, err = s.Delete(fxK(ns, 3))
		require.NoError(t, err)
		fxPut(t, f, fxK(ns, 4), 40, 0) // fork only
		return s, f, ns
	}
	get := func(t *testing.T, s *Store, ns core.Namespace) []int64 {
		return []int64{fxGetInt(t, s, fxK(ns, 1)), fxGetInt(t, s, fxK(ns, 2)), fxGetInt(t, s, fxK(ns, 3)), fxGetInt(t, s, fxK(ns, 4))}
	}
	t.Run("PreferFork", func(t *testing.T) {
		s, f, ns := setup(t)
		_, err := s.Merge(f, PreferFork())
		require.NoError(t, err)
		require.Equal(t, []int64{10, -1, 30, 40}, get(t, s, ns))
	})
	t.Run("PreferStore", func(t *testing.T) {
		s, f, ns := setup(t)
		_, err := s.Merge(f, PreferStore())
		require.NoError(t, err)
		require.Equal(t, []int64{11, 21, -1, 40}, get(t, s, ns))
	})
	t.Run("LastOptionDecides", func(t *testing.T) {
		s, f, ns := setup(t)
		_, err := s.Merge(f, PreferFork(), nil, PreferStore())
		require.NoError(t, err)
		require.Equal(t, []int64{11, 21, -1, 40}, get(t, s, ns))
	})
	t.Run("Resolve", func(t *testing.T) {
		s, f, ns := setup(t)
		var seen []Conflict
		_, err := s.Merge(f, Resolve(func(c Conflict) (core.Value, bool, error) {
			seen = append(seen, c)
			switch string(c.Key.UserKey) {
			case "k001":
				return core.Int64Value(c.Store.Value.Int64() + c.Fork.Value.Int64()), true, nil
			case "k002":
				return core.Value{}, false, nil
			}
			return c.Fork.Value, true, nil
		}))
		require.NoError(t, err)
		require.Equal(t, []int64{21, -1, 30, 40}, get(t, s, ns))
		require.Len(t, seen, 3)
		c := seen[0]
		require.True(t, c.Key.Equal(fxK(ns, 1)))
		require.True(t, c.InBase && c.InStore && c.InFork)
		require.Equal(t, int64(1), c.Base.Value.Int64())
		require.Equal(t, int64(11), c.Store.Value.Int64())
		require.Equal(t, int64(10), c.Fork.Value.Int64())
		require.True(t, seen[1].InStore && !seen[1].InFork, "k002: the fork deleted it")
		require.True(t, !seen[2].InStore && seen[2].InFork, "k003: the store deleted it")
	})
	t.Run("ResolveError", func(t *testing.T) {
		s, f, ns := setup(t)
		before := s.CurrentVersion()
		boom := errors.New("boom")
		_, err := s.Merge(f, Resolve(func(Conflict) (core.Value, bool, error) { return core.Value{}, false, boom }))
		require.ErrorIs(t, err, boom)
		require.Equal(t, before, s.CurrentVersion())
		require.Equal(t, []int64{11, 21, -1, 4}, get(t, s, ns), "an aborted merge changes nothing")
	})
	t.Run("ResolveNil", func(t *testing.T) {
		s, f, _ := setup(t)
		_, err := s.Merge(f, Resolve(nil))
		require.ErrorIs(t, err, core.ErrInvalidArgument)
	})
	t.Run("ResolveCallsStore", func(t *testing.T) {
		// fn runs with no lock held: it may use the store.
		s, f, ns := setup(t)
		_, err := s.Merge(f, Resolve(func(c Conflict) (core.Value, bool, error) {
			if _, err := s.Get(c.Key); err != nil && !errors.Is(err, core.ErrNotFound) {
				return core.Value{}, false, err
			}
			return c.Fork.Value, c.InFork, nil
		}))
		require.NoError(t, err)
		require.Equal(t, []int64{10, -1, 30, 40}, get(t, s, ns))
	})
}

// TestMergeResolvedTTL: a resolved value equal to the fork's keeps the
// fork's deadline; equal to the store's leaves the store's value as it is;
// any other value has no TTL.
func TestMergeResolvedTTL(t *testing.T) {
	s, f, clk, ns := fxBranch(t, 3)
	fxPut(t, f, fxK(ns, 0), 5, time.Hour)
	fxPut(t, s, fxK(ns, 0), 6, 0)
	fxPut(t, f, fxK(ns, 1), 5, time.Hour)
	sv := fxPut(t, s, fxK(ns, 1), 6, 2*time.Hour)
	fxPut(t, f, fxK(ns, 2), 5, time.Hour)
	fxPut(t, s, fxK(ns, 2), 6, 0)
	clk.Advance(time.Minute)
	_, err := s.Merge(f, Resolve(func(c Conflict) (core.Value, bool, error) {
		switch string(c.Key.UserKey) {
		case "k000":
			return c.Fork.Value, true, nil
		case "k001":
			return c.Store.Value, true, nil
		}
		return core.Int64Value(7), true, nil
	}))
	require.NoError(t, err)
	vv, err := s.Get(fxK(ns, 0))
	require.NoError(t, err)
	at, ok := vv.ExpiresAt()
	require.True(t, ok)
	require.Equal(t, fxStart.Add(time.Hour), at, "the fork's deadline")
	vv, err = s.Get(fxK(ns, 1))
	require.NoError(t, err)
	require.Equal(t, sv, vv.Version, "the store's value left as it was")
	vv, err = s.Get(fxK(ns, 2))
	require.NoError(t, err)
	require.Equal(t, int64(7), vv.Value.Int64())
	require.Zero(t, vv.TTL)
}

// TestMergeKeepsDeadlines: a merged value expires when it expires on the
// fork; one expired by the merge's time is merged as a delete.
func TestMergeKeepsDeadlines(t *testing.T) {
	s, f, clk, ns := fxBranch(t, 5)
	fxPut(t, f, fxK(ns, 1), 10, 10*time.Second)
	fxPut(t, f, fxK(ns, 2), 20, time.Second)
	clk.Advance(3 * time.Second)
	v, err := s.Merge(f)
	require.NoError(t, err)
	vv, err := s.Get(fxK(ns, 1))
	require.NoError(t, err)
	require.Equal(t, v, vv.Version)
	require.Equal(t, 7*time.Second, vv.TTL, "written now, expiring at the fork's deadline")
	at, _ := vv.ExpiresAt()
	require.Equal(t, fxStart.Add(10*time.Second), at)
	require.Equal(t, int64(-1), fxGetInt(t, s, fxK(ns, 2)), "expired on the fork: a delete")
}

// TestMergeAgainAppliesOnlyNewChanges: the fork remembers what it merged.
func TestMergeAgainAppliesOnlyNewChanges(t *testing.T) {
	s, f, _, ns := fxBranch(t, 10)
	base := f.Base()
	fxPut(t, f, fxK(ns, 1), 100, 0)
	fxPut(t, s, fxK(ns, 2), 200, 0) // the store's own change
	v1, err := s.Merge(f)
	require.NoError(t, err)

	// Nothing changed on the fork: nothing to apply, no version.
	v, err := s.Merge(f)
	require.NoError(t, err)
	require.Equal(t, v1, v)
	require.Equal(t, v1, s.CurrentVersion())
	require.Same(t, base, f.Base(), "Base stays the snapshot the fork started from")

	// The store changes the key the first merge took; the fork does not
	// touch it again: no conflict, the store keeps its change.
	fxPut(t, s, fxK(ns, 1), 101, 0)
	fxPut(t, f, fxK(ns, 3), 300, 0)
	w := s.Watch(s.CurrentVersion())
	defer w.Close()
	v2, err := s.Merge(f)
	require.NoError(t, err)
	c := fxNextCommit(t, w)
	require.Equal(t, v2, c.Version)
	require.Len(t, c.Changes, 1, "only what changed on the fork since the last merge")
	require.True(t, c.Changes[0].Key.Equal(fxK(ns, 3)))
	require.Equal(t, int64(101), fxGetInt(t, s, fxK(ns, 1)))

	// Now the fork changes it again: both changed it since the last merge.
	fxPut(t, f, fxK(ns, 1), 102, 0)
	_, err = s.Merge(f)
	var mc *MergeConflict
	require.ErrorAs(t, err, &mc)
	require.Equal(t, []core.Key{fxK(ns, 1)}, mc.Keys)
	_, err = s.Merge(f, PreferFork())
	require.NoError(t, err)
	require.Equal(t, int64(102), fxGetInt(t, s, fxK(ns, 1)))

	// A key kept for the store by PreferStore is not merged again while the
	// fork leaves it alone.
	fxPut(t, f, fxK(ns, 4), 40, 0)
	fxPut(t, s, fxK(ns, 4), 41, 0)
	_, err = s.Merge(f, PreferStore())
	require.NoError(t, err)
	fxPut(t, f, fxK(ns, 5), 50, 0)
	_, err = s.Merge(f)
	require.NoError(t, err)
	require.Equal(t, int64(41), fxGetInt(t, s, fxK(ns, 4)))
	require.Equal(t, int64(50), fxGetInt(t, s, fxK(ns, 5)))
}

// TestMergeAfterWindowMovedPastBase: the store's history window left the
// base behind long ago; the merge needs none of it.
func TestMergeAfterWindowMovedPastBase(t *testing.T) {
	s, f, _, ns := fxBranch(t, 20, WithHistory(2))
	baseVersion := f.Base().Version()
	for i := range 3000 {
		fxPut(t, s, fxK(ns, 100+i%50), int64(i), 0)
	}
	_, err := s.SnapshotAt(baseVersion)
	require.ErrorIs(t, err, core.ErrCompacted, "the window has moved past the base")
	fxPut(t, f, fxK(ns, 1), 10, 0)
	fxPut(t, f, fxK(ns, 120), 1200, 0) // also changed by the store: a conflict
	_, err = s.Merge(f)
	var mc *MergeConflict
	require.ErrorAs(t, err, &mc)
	require.Equal(t, []core.Key{fxK(ns, 120)}, mc.Keys)
	_, err = s.Merge(f, PreferFork())
	require.NoError(t, err)
	require.Equal(t, int64(10), fxGetInt(t, s, fxK(ns, 1)))
	require.Equal(t, int64(1200), fxGetInt(t, s, fxK(ns, 120)))
}

// TestMergeRefused: what Merge refuses changes nothing.
func TestMergeRefused(t *testing.T) {
	s, f, _, ns := fxBranch(t, 5)
	other, _ := fxStore()
	g, err := f.Fork() // a fork of the fork
	require.NoError(t, err)
	fxPut(t, g, fxK(ns, 1), 10, 0)
	before := s.CurrentVersion()
	for name, fork := range map[string]*Store{"nil": nil, "not a fork": other, "itself": s, "a fork's fork": g} {
		_, err := s.Merge(fork)
		require.ErrorIs(t, err, core.ErrInvalidArgument, name)
	}
	_, err = other.Merge(f)
	require.ErrorIs(t, err, core.ErrInvalidArgument, "a fork of another store")
	require.Equal(t, before, s.CurrentVersion())

	// A fork of a fork merges into its own parent, and from there on up.
	_, err = f.Merge(g)
	require.NoError(t, err)
	_, err = s.Merge(f)
	require.NoError(t, err)
	require.Equal(t, int64(10), fxGetInt(t, s, fxK(ns, 1)))

	// The store's limits hold for merged values.
	small, err := s.Fork(WithMaxValueSize(1 << 20))
	require.NoError(t, err)
	s.cfg.maxValue = 16 // as WithMaxValueSize(16) would have set it
	_, err = small.Put(fxK(ns, 2), core.StringValue(string(make([]byte, 100))), 0)
	require.NoError(t, err)
	v := s.CurrentVersion()
	_, err = s.Merge(small)
	require.ErrorIs(t, err, core.ErrTooLarge)
	require.Equal(t, v, s.CurrentVersion())
	s.cfg.maxValue = 0

	// Closed stores.
	require.NoError(t, small.Close())
	_, err = s.Merge(small)
	require.ErrorIs(t, err, core.ErrClosed)
	f2, err := s.Fork()
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = s.Merge(f2)
	require.ErrorIs(t, err, core.ErrClosed)
}

// TestMergeIntoDurableStore: a fork of a durable store is in memory; the
// merge goes through the store's log as one record, and survives a restart.
func TestMergeIntoDurableStore(t *testing.T) {
	dir := t.TempDir()
	clk := core.NewManualClock(fxStart)
	s := fxOpen(t, dir, WithClock(clk))
	ns := fxNS("t", "a", 1)
	for i := range 10 {
		fxPut(t, s, fxK(ns, i), int64(i), 0)
	}
	require.NoError(t, s.Checkpoint())
	files := fxDirFiles(t, dir)
	f, err := s.Fork()
	require.NoError(t, err)
	for i := range 5 {
		fxPut(t, f, fxK(ns, 20+i), int64(i), 0)
	}
	require.Equal(t, files, fxDirFiles(t, dir), "the fork writes nothing to the store's directory")
	v, err := s.Merge(f)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s = fxOpen(t, dir, WithClock(clk))
	defer s.Close()
	require.Equal(t, v, s.CurrentVersion())
	require.Equal(t, 1, s.Recovery().Records, "one log record after the checkpoint: the merge")
	for i := range 5 {
		require.Equal(t, int64(i), fxGetInt(t, s, fxK(ns, 20+i)))
	}
}

// TestMergePlansAgainWhenStoreMoves: a store change to a merged key between
// the merge's plan and its commit (here made by the Resolve function, which
// runs in between) makes the merge plan again, so the change is judged,
// never overwritten unseen.
func TestMergePlansAgainWhenStoreMoves(t *testing.T) {
	s, f, _, ns := fxBranch(t, 5)
	fxPut(t, f, fxK(ns, 1), 10, 0)
	fxPut(t, s, fxK(ns, 1), 11, 0) // a conflict
	fxPut(t, f, fxK(ns, 2), 20, 0) // the fork's alone, until the store moves
	var asked []string
	_, err := s.Merge(f, Resolve(func(c Conflict) (core.Value, bool, error) {
		asked = append(asked, string(c.Key.UserKey))
		if len(asked) == 1 {
			fxPut(t, s, fxK(ns, 2), 21, 0)
		}
		return c.Store.Value, true, nil
	}))
	require.NoError(t, err)
	require.Equal(t, []string{"k001", "k001", "k002"}, asked)
	require.Equal(t, int64(21), fxGetInt(t, s, fxK(ns, 2)), "the store's change, judged by Resolve")
}
