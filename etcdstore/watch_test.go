package etcdstore

import (
	"context"
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
