package mvcc

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// parkedCtx tells when Next is about to wait: Next evaluates ctx.Done() only
// in the select it waits in, after it has looked at the current version.
type parkedCtx struct {
	context.Context
	once   sync.Once
	parked chan struct{}
}

func (c *parkedCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.parked) })
	return c.Context.Done()
}

// A publish wakes a watcher already waiting in Next: the commit is delivered
// without any further write.
func TestGuardWatchWakesAWaitingNext(t *testing.T) {
	s, _ := fxStore()
	w := s.Watch(core.Latest)
	defer w.Close()
	base, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx := &parkedCtx{Context: base, parked: make(chan struct{})}
	type result struct {
		c   core.Commit
		err error
	}
	got := make(chan result, 1)
	go func() {
		c, err := w.Next(ctx)
		got <- result{c, err}
	}()
	select {
	case <-ctx.parked:
	case <-time.After(10 * time.Second):
		t.Fatal("Next never started waiting")
	}
	k := core.KVKey(fxNS("t", "a", 1), "k")
	v := fxPut(t, s, k, 1, 0)
	select {
	case r := <-got:
		require.NoError(t, r.err, "Next was not woken by the publish of version %d", v)
		require.Equal(t, v, r.c.Version)
		require.Len(t, r.c.Changes, 1)
		require.True(t, k.Equal(r.c.Changes[0].Key))
	case <-time.After(10 * time.Second):
		t.Fatalf("Next was not woken by the publish of version %d", v)
	}
}

// WatchRun alone selects the changes of its run: a commit touching only other
// runs is skipped, and a commit touching both delivers only the run's changes.
func TestGuardWatchRunFiltersByRun(t *testing.T) {
	s, _ := fxStore()
	mine, other := fxNS("t", "a", 1), fxNS("t", "b", 2)
	w := s.Watch(0, WatchRun(mine.RunID))
	defer w.Close()
	fxPut(t, s, core.KVKey(other, "x"), 1, 0)
	v2, err := s.Update(func(tx *Txn) error {
		if err := tx.Put(core.KVKey(other, "y"), core.Int64Value(2), 0); err != nil {
			return err
		}
		return tx.Put(core.KVKey(mine, "z"), core.Int64Value(3), 0)
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := w.Next(ctx)
	require.NoError(t, err, "waiting for the commit of version %d", v2)
	require.Equal(t, v2, c.Version, "the commit of another run only is skipped")
	require.Len(t, c.Changes, 1, "only the run's change: %v", c.Changes)
	require.True(t, core.KVKey(mine, "z").Equal(c.Changes[0].Key))
}

// A watcher delivers the newest commit, and each commit's changes in key
// order with the removed values, even when the commit made them in another
// order (an expiry removes in expiry order).
func TestGuardWatchNewestCommitInKeyOrder(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	keys := []core.Key{core.KVKey(ns, "a"), core.KVKey(ns, "b"), core.KVKey(ns, "c")}
	// c expires first, a last.
	for i, k := range keys {
		fxPut(t, s, k, int64(i), time.Duration(len(keys)-i)*time.Second)
	}
	clk.Advance(time.Minute)
	w := s.Watch(core.Latest)
	defer w.Close()
	res, err := s.Expire(0)
	require.NoError(t, err)
	require.Equal(t, 3, res.Removed)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := w.Next(ctx)
	require.NoError(t, err, "waiting for the expiry's commit, version %d", res.Version)
	require.Equal(t, res.Version, c.Version)
	require.Len(t, c.Changes, len(keys))
	for i, ch := range c.Changes {
		require.True(t, keys[i].Equal(ch.Key), "change %d is %s, want %s (key order)", i, ch.Key, keys[i])
		require.Equal(t, core.ChangeExpire, ch.Op)
		require.True(t, core.Int64Value(int64(i)).Equal(ch.Value.Value), "change %d carries the removed value", i)
	}
}

// No wake-up is lost: a commit published at exactly the moment Next turns to
// waiting — after it found nothing new and before it is counted as waiting,
// or between its loads of the signal and of the root once it is counted —
// is delivered at once, not at the next commit. The hook commits at that
// point, from inside Next.
func TestGuardWatchNoLostWakeUp(t *testing.T) {
	for _, at := range []struct {
		name  string
		point watchPoint
		call  int // the call of the hook at that point that commits
	}{
		{"idle-before-counted", watchIdle, 1},
		{"counted-between-loads", watchLoaded, 2},
	} {
		t.Run(at.name, func(t *testing.T) {
			s, _ := fxStore()
			k := core.KVKey(fxNS("t", "a", 1), "k")
			w := s.Watch(core.Latest)
			defer w.Close()
			var committed uint64
			calls := 0
			watchHook = func(p watchPoint) {
				if p != at.point {
					return
				}
				if calls++; calls == at.call {
					committed = fxPut(t, s, k, 1, 0)
				}
			}
			defer func() { watchHook = nil }()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := w.Next(ctx)
			require.NoError(t, err, "Next missed the commit published as it turned to wait")
			require.NotZero(t, committed, "the hook committed")
			require.Equal(t, committed, c.Version)
		})
	}
}
