package etcdstore

import (
	"context"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestPrune: Prune removes the commit keys of the versions below etcd's
// compaction point and keeps the rest; reads and watches of pruned versions
// answer core.ErrCompacted, those after answer exactly, a key unchanged
// since still answers, and a second Prune finds nothing more.
func TestPrune(t *testing.T) {
	s := newStore(t)
	ns := testNS("agent", 25)
	stable, k := core.KVKey(ns, "stable"), core.KVKey(ns, "k")
	_, err := s.Put(stable, core.StringValue("kept"), 0)
	require.NoError(t, err)
	for i := range 20 {
		_, err := s.Put(k, core.Int64Value(int64(i)), 0)
		require.NoError(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := s.Prune(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "nothing compacted yet")

	resp, err := testCli.Get(ctx, s.l.commitKey(12))
	require.NoError(t, err)
	_, err = testCli.Compact(ctx, resp.Kvs[0].ModRevision)
	require.NoError(t, err)
	w := s.Watch(core.Latest) // a live watcher must not see the prune as a commit
	defer w.Close()
	n, err = s.Prune(ctx)
	require.NoError(t, err)
	require.Equal(t, 11, n, "versions 1..11 sit below the compaction point")
	count, err := testCli.Get(ctx, s.l.commit, clientv3.WithPrefix(), clientv3.WithCountOnly())
	require.NoError(t, err)
	require.Equal(t, int64(10), count.Count, "versions 12..21 keep theirs")
	n, err = s.Prune(ctx)
	require.NoError(t, err)
	require.Zero(t, n)

	for v := uint64(1); v <= 21; v++ {
		got, err := s.GetVersioned(k, v)
		switch {
		case v < 12:
			require.ErrorIs(t, err, core.ErrCompacted, "GetVersioned at %d", v)
		default:
			require.NoError(t, err)
			require.Equal(t, int64(v-2), got.Value.Int64(), "at %d", v)
		}
		got, err = s.GetVersioned(stable, v)
		require.NoError(t, err, "an unchanged key answers at every version")
		require.Equal(t, "kept", got.Value.String())
	}
	_, err = s.SnapshotAt(5)
	require.ErrorIs(t, err, core.ErrCompacted)
	_, err = s.ScanPrefix(core.NewKey(ns, core.TypeKV, nil), 5)
	require.ErrorIs(t, err, core.ErrCompacted)
	old := s.Watch(5)
	defer old.Close()
	_, err = old.Next(ctx)
	require.ErrorIs(t, err, core.ErrCompacted)
	sn, err := s.SnapshotAt(12)
	require.NoError(t, err)
	got, err := sn.Get(k)
	require.NoError(t, err)
	require.Equal(t, int64(10), got.Value.Int64())

	v, err := s.Put(k, core.Int64Value(99), 0)
	require.NoError(t, err)
	c, err := w.Next(ctx)
	require.NoError(t, err)
	require.Equal(t, v, c.Version, "the watcher skipped the prune's revision")
}
