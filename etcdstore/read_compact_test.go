package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/proptest"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestCompaction: after etcd compacts, every versioned read is exact or
// core.ErrCompacted, never a wrong answer; a key unchanged since the version
// asked for still answers; versions at or after the compaction stay exact.
func TestCompaction(t *testing.T) {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(t, WithClock(clock))
	model := proptest.NewModel(clock)
	ns := testNS("agent", 20)
	keys := []core.Key{core.KVKey(ns, "a"), core.KVKey(ns, "b"), core.KVKey(ns, "c"), core.KVKey(ns, "stable")}
	both := func(put bool, k core.Key, i int) {
		t.Helper()
		if put {
			want, err := model.Put(k, core.Int64Value(int64(i)), 0)
			require.NoError(t, err)
			got, err := s.Put(k, core.Int64Value(int64(i)), 0)
			require.NoError(t, err)
			require.Equal(t, want, got)
			return
		}
		_, wantErr := model.Delete(k)
		_, err := s.Delete(k)
		require.Equal(t, wantErr == nil, err == nil, "Delete(%s): %v, want %v", k, err, wantErr)
	}
	both(true, keys[3], 0)
	for i := range 30 {
		both(i%4 != 3, keys[i%3], i)
	}
	snapBefore := s.Snapshot()
	require.NoError(t, snapBefore.Err())
	cur := s.CurrentVersion()
	require.Equal(t, model.CurrentVersion(), cur)

	compactAt := cur / 2
	ctx := context.Background()
	resp, err := testCli.Get(ctx, s.l.commitKey(compactAt))
	require.NoError(t, err)
	require.Len(t, resp.Kvs, 1)
	_, err = testCli.Compact(ctx, resp.Kvs[0].ModRevision, clientv3.WithCompactPhysical())
	require.NoError(t, err)

	compacted := 0
	for v := uint64(0); v <= cur+1; v++ {
		for _, k := range keys {
			want, wantErr := model.GetVersioned(k, v)
			got, err := s.GetVersioned(k, v)
			if errors.Is(err, core.ErrCompacted) {
				require.Less(t, v, compactAt, "GetVersioned(%s, %d): compacted at or after the compaction point", k, v)
				require.NotEqual(t, keys[3], k, "an unchanged key answers at every version")
				compacted++
				continue
			}
			require.Equal(t, wantErr == nil, err == nil, "GetVersioned(%s, %d): %v, want %v", k, v, err, wantErr)
			if err == nil {
				require.Equal(t, want.Version, got.Version, "GetVersioned(%s, %d)", k, v)
				require.True(t, want.Value.Equal(got.Value))
			}
		}
		for _, scan := range []struct {
			name string
			fn   func(core.Storage) ([]core.Entry, error)
		}{
			{"ScanPrefix", func(st core.Storage) ([]core.Entry, error) {
				return st.ScanPrefix(core.NewKey(ns, core.TypeKV, nil), v)
			}},
			{"ScanByRun", func(st core.Storage) ([]core.Entry, error) { return st.ScanByRun(ns.RunID, v) }},
		} {
			want, _ := scan.fn(model)
			got, err := scan.fn(s)
			if errors.Is(err, core.ErrCompacted) {
				require.Less(t, v, compactAt, "%s at %d", scan.name, v)
				continue
			}
			require.NoError(t, err)
			require.Equal(t, versionsOf(want), versionsOf(got), "%s at %d", scan.name, v)
		}
	}
	require.Positive(t, compacted, "the compaction hid some history")

	// A snapshot taken before the compaction but at a revision after it
	// still reads; an older one would answer ErrCompacted.
	_, err = snapBefore.Get(keys[0])
	if err != nil {
		require.ErrorIs(t, err, core.ErrNotFound)
	}
	old := &Snapshot{s: s, vw: view{version: 1, rev: 1, now: clock.Now()}}
	_, err = old.Get(keys[0])
	require.ErrorIs(t, err, core.ErrCompacted)
}

func versionsOf(es []core.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = fmt.Sprintf("%s@%d", e.Key, e.Value.Version)
	}
	return out
}
