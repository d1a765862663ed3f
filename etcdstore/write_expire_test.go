package etcdstore

import (
	"context"
	"testing"
	"time"

	"github.com/inmemdb/inmem/cleaner"
	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

var _ cleaner.Target = (*Store)(nil)

// TestCleanerDrivesStore: package cleaner removes expired values in batches
// of one commit each, and never a value written again after it expired.
func TestCleanerDrivesStore(t *testing.T) {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(t, WithClock(clock))
	ns := testNS("agent", 40)
	const n = 100
	for i := range n {
		_, err := s.Put(core.EventKey(ns, uint64(i)), core.Int64Value(int64(i)), time.Duration(i+1)*time.Millisecond)
		require.NoError(t, err)
	}
	keep := core.KVKey(ns, "keep")
	_, err := s.Put(keep, core.StringValue("forever"), 0)
	require.NoError(t, err)
	clock.Advance(time.Second)

	// An entry found expired, then written again before removal: skipped.
	found := s.FindExpired(clock.Now(), 1)
	require.Len(t, found, 1)
	require.True(t, found[0].Key.Equal(core.EventKey(ns, 0)), "expiry order: the first to expire")
	rewritten, err := s.Put(found[0].Key, core.StringValue("again"), 0)
	require.NoError(t, err)
	res, err := s.RemoveExpired(found)
	require.NoError(t, err)
	require.Equal(t, core.Removal{Skipped: 1}, res)

	c := cleaner.New(s, cleaner.WithBatchSize(s.RemoveBatchLimit()))
	before := s.CurrentVersion()
	rep, err := c.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, n-1, rep.Removed)
	batches := (n - 1 + s.RemoveBatchLimit() - 1) / s.RemoveBatchLimit()
	require.Len(t, rep.Versions, batches, "one commit per batch")
	require.Equal(t, before+uint64(batches), s.CurrentVersion())

	got, err := s.Get(found[0].Key)
	require.NoError(t, err)
	require.Equal(t, rewritten, got.Version)
	es, err := s.ScanByRun(ns.RunID, core.Latest)
	require.NoError(t, err)
	require.Len(t, es, 2)
	require.Empty(t, s.FindExpired(clock.Now().Add(time.Hour), 0))
	// Versioned reads before the removal still see the expired values as
	// stored (and, judged now, expired).
	_, err = s.GetVersioned(core.EventKey(ns, 5), before)
	require.ErrorIs(t, err, core.ErrNotFound)
}
