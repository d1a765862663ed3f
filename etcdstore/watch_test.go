package etcdstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

func TestWatchDeliversCommitsInOrder(t *testing.T) {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(t, WithClock(clock))
	other := newStore(t) // writes under another prefix interleave in etcd's revisions
	ns := testNS("agent", 70)
	a, b := core.KVKey(ns, "a"), core.KVKey(ns, "b")
	_, err := s.Put(a, core.Int64Value(1), 0) // version 1: before the watch starts
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w := s.Watch(1)
	defer w.Close()

	_, err = other.Put(a, core.Int64Value(99), 0)
	require.NoError(t, err)
	_, err = s.Put(b, core.Int64Value(2), time.Second) // 2
	require.NoError(t, err)
	_, err = s.Delete(a) // 3
	require.NoError(t, err)
	tx := s.Begin()
	require.NoError(t, tx.Put(b, core.Int64Value(3), time.Second))
	require.NoError(t, tx.Put(a, core.Int64Value(4), 0))
	_, err = tx.Commit() // 4
	require.NoError(t, err)
	clock.Advance(time.Minute)
	res, err := s.RemoveExpired(s.FindExpired(clock.Now(), 0)) // 5
	require.NoError(t, err)
	require.Equal(t, 1, res.Removed)

	want := []struct {
		version uint64
		changes []string
	}{
		{2, []string{"put b 2"}},
		{3, []string{"delete a 1"}},
		{4, []string{"put a 4", "put b 3"}},
		{5, []string{"expire b 3"}},
	}
	for _, wc := range want {
		c, err := w.Next(ctx)
		require.NoError(t, err, "waiting for version %d", wc.version)
		require.Equal(t, wc.version, c.Version)
		var got []string
		for _, ch := range c.Changes {
			got = append(got, ch.Op.String()+" "+string(ch.Key.UserKey)+" "+ch.Value.Value.String())
		}
		require.Equal(t, wc.changes, got, "version %d", wc.version)
		require.False(t, c.Time.IsZero())
	}

	// From the start: version 1 comes first.
	w0 := s.Watch(0)
	c, err := w0.Next(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), c.Version)
	w0.Close()
	w0.Close()
	_, err = w0.Next(ctx)
	require.ErrorIs(t, err, core.ErrClosed)

	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	_, err = w.Next(short)
	require.ErrorIs(t, err, context.DeadlineExceeded, "no commit after 5")
}

func TestWatchCompacted(t *testing.T) {
	s := newStore(t)
	k := core.KVKey(testNS("agent", 71), "k")
	for i := range 3 {
		_, err := s.Put(k, core.Int64Value(int64(i)), 0)
		require.NoError(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := testCli.Get(ctx, s.l.commitKey(3))
	require.NoError(t, err)
	_, err = testCli.Compact(ctx, resp.Kvs[0].ModRevision)
	require.NoError(t, err)
	w := s.Watch(0)
	defer w.Close()
	_, err = w.Next(ctx)
	require.ErrorIs(t, err, core.ErrCompacted)

	require.NoError(t, s.Close())
	w2 := s.Watch(3)
	_, err = w2.Next(ctx)
	require.ErrorIs(t, err, core.ErrClosed)
}

// TestWatchFilters: WatchPrefix and WatchRun deliver only the commits with a
// matching change, each with only its matching changes; several options
// match when any does; an invalid prefix fails Next.
func TestWatchFilters(t *testing.T) {
	s := newStore(t)
	a, b, c := testNS("a", 72), testNS("b", 73), testNS("c", 72)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	byPrefix := s.Watch(0, WatchPrefix(core.AgentPrefix("t", "a", "b")))
	defer byPrefix.Close()
	byRun := s.Watch(0, WatchRun(a.RunID))
	defer byRun.Close()
	either := s.Watch(0, WatchRun(b.RunID), WatchPrefix(core.KeyPrefix(core.KVKey(a, "x"))))
	defer either.Close()

	_, err := s.Put(core.KVKey(a, "x1"), core.NullValue(), 0) // 1: a's run, a's x
	require.NoError(t, err)
	_, err = s.Put(core.KVKey(b, "y"), core.NullValue(), 0) // 2: b
	require.NoError(t, err)
	tx := s.Begin()
	require.NoError(t, tx.Put(core.KVKey(a, "z"), core.NullValue(), 0))
	require.NoError(t, tx.Put(core.KVKey(b, "z"), core.NullValue(), 0))
	require.NoError(t, tx.Put(core.KVKey(c, "z"), core.NullValue(), 0))
	_, err = tx.Commit() // 3: a, b and c (c shares a's run)
	require.NoError(t, err)
	_, err = s.Put(core.KVKey(c, "w"), core.NullValue(), 0) // 4: c only
	require.NoError(t, err)
	_, err = s.Put(core.KVKey(b, "end"), core.NullValue(), 0) // 5: b, to end the drains
	require.NoError(t, err)

	drain := func(w *Watcher, until uint64) []string {
		var out []string
		for {
			cm, err := w.Next(ctx)
			require.NoError(t, err)
			for _, ch := range cm.Changes {
				out = append(out, fmt.Sprintf("%d %s:%s", cm.Version, ch.Key.Namespace.Agent, ch.Key.UserKey))
			}
			if cm.Version >= until {
				return out
			}
		}
	}
	require.Equal(t, []string{"2 b:y", "3 b:z", "5 b:end"}, drain(byPrefix, 5))
	require.Equal(t, []string{"1 a:x1", "3 a:z", "3 c:z", "4 c:w"}, drain(byRun, 4))
	require.Equal(t, []string{"1 a:x1", "2 b:y", "3 b:z", "5 b:end"}, drain(either, 5))

	bad := s.Watch(0, WatchPrefix(core.KeyPrefix(core.NewKey(a, core.TypeTag(99), nil))))
	defer bad.Close()
	_, err = bad.Next(ctx)
	require.ErrorIs(t, err, core.ErrInvalidKey)
}
