package cleaner_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/inmemdb/inmem/cleaner"
	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunOnceRemovesExpiredKeepsTheRest(t *testing.T) {
	s, clk := newStore()
	var short, long, forever []core.Key
	for i := range 30 {
		k := kv(i)
		switch i % 3 {
		case 0:
			short = append(short, k)
			put(t, s, k, "short", time.Second)
		case 1:
			long = append(long, k)
			put(t, s, k, "long", time.Hour)
		default:
			forever = append(forever, k)
			put(t, s, k, "forever", 0)
		}
	}
	clk.Advance(time.Second) // Timestamp+TTL <= now: the short ones have expired
	before := s.CurrentVersion()

	rep, err := cleaner.New(s).RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, len(short), rep.Removed)
	assert.Zero(t, rep.Skipped)
	assert.Equal(t, 1, rep.Batches)
	assert.Equal(t, []uint64{before + 1}, rep.Versions, "one commit, one version")
	assert.Equal(t, before+1, s.CurrentVersion())
	assert.Equal(t, s.Now(), rep.At)
	assert.Equal(t, 2*len(short), s.Stats().Keys, "the expired keys are gone from the data")

	for _, k := range short {
		_, err := s.GetVersioned(k, core.Latest)
		assert.ErrorIs(t, err, core.ErrNotFound)
	}
	for _, k := range long {
		vv, err := s.Get(k)
		require.NoError(t, err)
		assert.Equal(t, "long", vv.Value.String())
	}
	for _, k := range forever {
		vv, err := s.Get(k)
		require.NoError(t, err)
		assert.Equal(t, "forever", vv.Value.String())
	}

	// A second pass finds nothing and commits nothing.
	rep, err = cleaner.New(s).RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, cleaner.Report{At: s.Now(), Duration: rep.Duration}, rep)
	assert.Equal(t, before+1, s.CurrentVersion())
}

func TestRewrittenBetweenFindAndRemoveSurvives(t *testing.T) {
	s, clk := newStore()
	for i := range 10 {
		put(t, s, kv(i), "old", time.Second)
	}
	clk.Advance(time.Minute)

	rewritten := map[int]uint64{} // key index -> version of the new write
	target := interleaved{Target: s, between: func(found []core.Entry) {
		if len(rewritten) > 0 {
			return // only the first batch races
		}
		require.Len(t, found, 10)
		rewritten[0] = put(t, s, kv(0), "new, no ttl", 0)
		rewritten[1] = put(t, s, kv(1), "new, ttl", time.Hour)
		// Expires 1ns from now: not yet expired when the removal commits.
		rewritten[2] = put(t, s, kv(2), "new, tiny ttl", time.Nanosecond)
		// Written again and deleted: gone, not to be taken again.
		put(t, s, kv(3), "new, deleted", 0)
		_, err := s.Delete(kv(3))
		require.NoError(t, err)
	}}

	rep, err := cleaner.New(target).RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 6, rep.Removed)
	assert.Equal(t, 4, rep.Skipped, "three rewritten and one rewritten then deleted")
	assert.Equal(t, 1, rep.Batches)
	assert.Equal(t, []uint64{s.CurrentVersion()}, rep.Versions)

	want := map[int]string{0: "new, no ttl", 1: "new, ttl", 2: "new, tiny ttl"}
	for i, ver := range rewritten {
		vv, err := s.Get(kv(i))
		require.NoError(t, err, "key %d", i)
		assert.Equal(t, want[i], vv.Value.String())
		assert.Equal(t, ver, vv.Version)
	}
	for i := 3; i < 10; i++ {
		_, err := s.Get(kv(i))
		assert.ErrorIs(t, err, core.ErrNotFound)
	}
	assert.Equal(t, 3, s.Stats().Keys)
}

// A key written again between find and removal with a value that has
// expired too by the removal: still not the value found, so it is skipped,
// counted, and stays stored until a later pass finds it at its own version.
func TestRewriteThatExpiredBeforeRemovalSurvives(t *testing.T) {
	s, clk := newStore()
	for i := range 3 {
		put(t, s, kv(i), "old", time.Second)
	}
	clk.Advance(time.Minute)
	var again uint64
	target := interleaved{Target: s, between: func(found []core.Entry) {
		if again != 0 || len(found) == 0 {
			return // only the first batch races
		}
		again = put(t, s, kv(0), "new, short ttl", time.Second)
		clk.Advance(time.Second) // the rewrite has expired before the removal
	}}
	c := cleaner.New(target)
	rep, err := c.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Removed)
	assert.Equal(t, 1, rep.Skipped, "the expired rewrite is skipped")
	assert.Equal(t, []uint64{s.CurrentVersion()}, rep.Versions)
	assert.Equal(t, uint64(1), c.Stats().Skipped)

	left := s.FindExpired(s.Now(), 0)
	require.Len(t, left, 1, "the rewrite is still stored")
	assert.Equal(t, again, left[0].Value.Version)
	assert.Equal(t, "new, short ttl", left[0].Value.Value.String())

	// The next pass judges at a later moment and takes it, at its version.
	rep, err = cleaner.New(s).RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Removed)
	assert.Zero(t, s.Stats().Keys)
}

func TestIndicesHoldNoRemovedKey(t *testing.T) {
	s, clk := newStore()
	runs := []core.RunID{{1}, {2}, {3}}
	types := []core.TypeTag{core.TypeKV, core.TypeEvent, core.TypeStateMachine, core.TypeTrace}
	live := map[string]bool{}
	liveByRun := map[core.RunID]int{}
	n := 0
	for _, run := range runs {
		for _, agent := range []string{"a", "b"} {
			ns := core.Namespace{Tenant: "t", App: "app", Agent: agent, RunID: run}
			for _, tt := range types {
				for j := range 4 {
					k := core.NewKey(ns, tt, []byte{byte(j)})
					ttl := time.Second // expires
					if n%2 == 0 {
						ttl = time.Hour
						live[k.String()] = true
					}
					if n%5 == 0 {
						ttl = 0
						live[k.String()] = true
					}
					if live[k.String()] {
						liveByRun[run]++
					}
					put(t, s, k, k.String(), ttl)
					n++
				}
			}
		}
	}
	clk.Advance(time.Second)

	rep, err := cleaner.New(s, cleaner.WithBatchSize(7)).RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, n-len(live), rep.Removed)
	assert.Len(t, rep.Versions, rep.Batches)

	// Read past the removal version too: maxVersion Latest and the current one.
	for _, run := range runs {
		es, err := s.ScanByRun(run, s.CurrentVersion())
		require.NoError(t, err)
		assert.Len(t, es, liveByRun[run])
		for _, e := range es {
			assert.True(t, live[e.Key.String()], "ScanByRun returned removed %s", e.Key)
		}
	}
	total := 0
	for _, tt := range types {
		es, err := s.ScanByType(tt, core.Latest)
		require.NoError(t, err)
		total += len(es)
		for _, e := range es {
			assert.True(t, live[e.Key.String()], "ScanByType returned removed %s", e.Key)
		}
	}
	assert.Equal(t, len(live), total)

	// Even judged far in the future, the TTL index holds only live keys.
	later := s.Now().Add(24 * time.Hour)
	for _, e := range s.FindExpired(later, 0) {
		assert.True(t, live[e.Key.String()], "FindExpired returned removed %s", e.Key)
	}
	st := s.Stats()
	assert.Equal(t, len(live), st.Keys)
	ttlLive := 0
	for k := range s.Snapshot().All() {
		require.True(t, live[k.String()], "the data holds removed %s", k)
		if vv, _ := s.Get(k); vv.TTL > 0 {
			ttlLive++
		}
	}
	assert.Equal(t, ttlLive, st.TTLKeys)
	assert.Len(t, s.FindExpired(later, 0), ttlLive)
}

// "find_expired_keys is efficient": a pass over a large store touches only
// what has expired.
func TestPassTouchesOnlyTheExpired(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	s, clk := newStore()
	// Load in one transaction: half never expire, half expire in an hour.
	_, err := s.Update(func(txn *mvcc.Txn) error {
		for i := range n {
			ttl := time.Duration(0)
			if i%2 == 0 {
				ttl = time.Hour
			}
			if err := txn.Put(kv(i), core.Int64Value(int64(i)), ttl); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	for i := range 10 {
		put(t, s, kv(n+i), "short", time.Second)
	}
	clk.Advance(time.Minute)
	before := s.CurrentVersion()

	ct := &countingTarget{Target: s}
	rep, err := cleaner.New(ct).RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 10, rep.Removed)
	assert.Equal(t, 1, rep.Batches)
	assert.Equal(t, []uint64{before + 1}, rep.Versions)
	assert.Equal(t, 10, ct.found, "FindExpired returned only the expired entries")
	assert.Equal(t, []int{cleaner.DefaultBatchSize}, ct.limits, "one find: fewer than a batch means done")
	assert.Equal(t, []int{10}, ct.batches)
	assert.Equal(t, n, s.Stats().Keys)
}

func TestBatchSizeBoundsEachCommit(t *testing.T) {
	for _, tc := range []struct {
		expired, batch int
		sizes          []int
		finds          int
	}{
		{expired: 25, batch: 10, sizes: []int{10, 10, 5}, finds: 3},
		{expired: 20, batch: 10, sizes: []int{10, 10}, finds: 3}, // the third find is empty
		{expired: 3, batch: 1, sizes: []int{1, 1, 1}, finds: 4},
	} {
		s, clk := newStore()
		for i := range tc.expired {
			put(t, s, kv(i), "x", time.Duration(i+1)*time.Millisecond)
		}
		put(t, s, kv(1000), "live", time.Hour)
		clk.Advance(time.Second)
		before := s.CurrentVersion()

		ct := &countingTarget{Target: s}
		rep, err := cleaner.New(ct, cleaner.WithBatchSize(tc.batch)).RunOnce(context.Background())
		require.NoError(t, err)
		assert.Equal(t, tc.expired, rep.Removed)
		assert.Equal(t, len(tc.sizes), rep.Batches)
		assert.Equal(t, tc.sizes, ct.batches)
		assert.Len(t, ct.limits, tc.finds)
		want := make([]uint64, len(tc.sizes))
		for i := range want {
			want[i] = before + uint64(i) + 1
		}
		assert.Equal(t, want, rep.Versions, "one version per batch commit")
		assert.Equal(t, 1, s.Stats().Keys)
	}
}

// The pass judges expiry by the store's clock, read once: what expires while
// it runs waits for the next pass.
func TestPassJudgesExpiryAtItsStart(t *testing.T) {
	s, clk := newStore()
	for i := range 4 {
		put(t, s, kv(i), "x", time.Duration(i+1)*time.Second)
	}
	clk.Advance(2 * time.Second)
	target := interleaved{Target: s, between: func([]core.Entry) { clk.Advance(time.Hour) }}
	rep, err := cleaner.New(target, cleaner.WithBatchSize(1)).RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Removed)
	assert.Equal(t, t0.Add(2*time.Second), rep.At)
	assert.Equal(t, 2, s.Stats().Keys)
}

// fakeTarget is a store that is not an mvcc.Store: it answers with the
// entries and results it is given.
type fakeTarget struct {
	now     time.Time
	entries []core.Entry
	remove  func(call int, es []core.Entry) (core.Removal, error)
	calls   int
}

func (f *fakeTarget) Now() time.Time { return f.now }

func (f *fakeTarget) FindExpired(_ time.Time, limit int) []core.Entry {
	return f.entries[:min(limit, len(f.entries))]
}

func (f *fakeTarget) RemoveExpired(es []core.Entry) (core.Removal, error) {
	f.calls++
	return f.remove(f.calls, es)
}

func someEntries(n int) []core.Entry {
	es := make([]core.Entry, n)
	for i := range es {
		es[i] = core.Entry{Key: kv(i), Value: core.VersionedValue{Version: uint64(i + 1), Timestamp: t0, TTL: 1}}
	}
	return es
}

func TestPassEndsWhenABatchRemovesNothing(t *testing.T) {
	f := &fakeTarget{now: t0, entries: someEntries(10), remove: func(_ int, es []core.Entry) (core.Removal, error) {
		return core.Removal{Skipped: len(es)}, nil
	}}
	rep, err := cleaner.New(f, cleaner.WithBatchSize(10)).RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, f.calls, "the same skipped entries are not retried")
	assert.Equal(t, cleaner.Report{Skipped: 10, Batches: 1, At: t0, Duration: rep.Duration}, rep)
}

func TestPassStopsWhenItsContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fakeTarget{now: t0, entries: someEntries(5), remove: func(call int, es []core.Entry) (core.Removal, error) {
		if call == 2 {
			cancel()
		}
		// A store that always finds a full batch again: only ctx ends it.
		return core.Removal{Version: uint64(call), Removed: len(es)}, nil
	}}
	c := cleaner.New(f, cleaner.WithBatchSize(5))
	rep, err := c.RunOnce(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 2, rep.Batches)
	assert.Equal(t, 10, rep.Removed)
	assert.Equal(t, []uint64{1, 2}, rep.Versions)
	st := c.Stats()
	assert.Equal(t, uint64(1), st.Passes)
	assert.Equal(t, uint64(1), st.Failures)
	assert.ErrorIs(t, st.LastError, context.Canceled)

	// Already ended: no pass at all.
	rep, err = c.RunOnce(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, rep)
	assert.Equal(t, st, c.Stats())
}

func TestStoreErrorEndsThePass(t *testing.T) {
	boom := errors.New("boom")
	f := &fakeTarget{now: t0, entries: someEntries(3), remove: func(int, []core.Entry) (core.Removal, error) {
		return core.Removal{}, boom
	}}
	c := cleaner.New(f)
	rep, err := c.RunOnce(context.Background())
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "3 expired entries")
	assert.Equal(t, 1, rep.Batches)
	assert.Zero(t, rep.Removed)
	st := c.Stats()
	assert.Equal(t, uint64(1), st.Failures)
	assert.ErrorIs(t, st.LastError, boom)

	// The next pass succeeding clears LastError.
	f.entries = nil
	_, err = c.RunOnce(context.Background())
	require.NoError(t, err)
	st = c.Stats()
	assert.NoError(t, st.LastError)
	assert.Equal(t, uint64(2), st.Passes)
	assert.Equal(t, uint64(1), st.Failures)
}

// A real store error: the store has no version left to assign.
func TestVersionExhaustedIsReported(t *testing.T) {
	clk := core.NewManualClock(t0)
	s := mvcc.New(mvcc.WithClock(clk), mvcc.WithStartVersion(^uint64(0)-2))
	put(t, s, kv(0), "x", time.Second) // takes the last version
	clk.Advance(time.Second)
	_, err := cleaner.New(s).RunOnce(context.Background())
	require.ErrorIs(t, err, core.ErrVersionExhausted)
	assert.Equal(t, 1, s.Stats().Keys, "nothing removed")
}

func TestStatsAddUp(t *testing.T) {
	s, clk := newStore()
	timer := core.NewManualClock(t0)
	target := interleaved{Target: s, between: func(found []core.Entry) {
		timer.Advance(3 * time.Millisecond)
		if len(found) > 0 {
			put(t, s, found[0].Key, "again", 0) // one skip per batch
		}
	}}
	c := cleaner.New(target, cleaner.WithBatchSize(4), cleaner.WithClock(timer))
	for i := range 10 {
		put(t, s, kv(i), "x", time.Second)
	}
	clk.Advance(time.Second)
	rep, err := c.RunOnce(context.Background())
	require.NoError(t, err)
	// Batches of 4, 4 (one skipped in each), then the remaining 0 found... the
	// exact split: find 4 (k0..k3, k0 rewritten) -> 3 removed; find 4 (k4..k7,
	// k4 rewritten) -> 3; find 2 (k8, k9, k8 rewritten) -> 1.
	assert.Equal(t, 7, rep.Removed)
	assert.Equal(t, 3, rep.Skipped)
	assert.Equal(t, 3, rep.Batches)
	assert.Equal(t, 9*time.Millisecond, rep.Duration, "timed by WithClock")

	for i := range 3 {
		put(t, s, kv(100+i), "y", time.Second)
	}
	clk.Advance(time.Second)
	rep2, err := c.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, rep2.Removed)

	st := c.Stats()
	assert.Equal(t, cleaner.Stats{
		Passes:       2,
		Batches:      4,
		Removed:      9,
		Skipped:      4,
		LastDuration: 3 * time.Millisecond,
	}, st)
}

func TestOptionDefaults(t *testing.T) {
	s, clk := newStore()
	for i := range 3 {
		put(t, s, kv(i), "x", time.Second)
	}
	clk.Advance(time.Second)
	ct := &countingTarget{Target: s}
	mt := newManualTicker()
	c := cleaner.New(ct, cleaner.WithBatchSize(0), cleaner.WithInterval(-time.Second),
		cleaner.WithTicker(mt.start), cleaner.WithLogger(nil), cleaner.WithClock(nil), cleaner.WithTicker(nil))
	rep, err := c.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Removed)
	assert.Equal(t, []int{cleaner.DefaultBatchSize}, ct.limits)
	c.Start(context.Background())
	stop(t, c)
	assert.Equal(t, []time.Duration{cleaner.DefaultInterval}, mt.starts())

	mt = newManualTicker()
	c = cleaner.New(s, cleaner.WithInterval(time.Minute), cleaner.WithTicker(mt.start))
	c.Start(context.Background())
	stop(t, c)
	assert.Equal(t, []time.Duration{time.Minute}, mt.starts())
}

func TestNilTargetFailsPassesWithoutPanic(t *testing.T) {
	var c *cleaner.Cleaner
	assert.NotPanics(t, func() { c = cleaner.New(nil) })
	_, err := c.RunOnce(context.Background())
	assert.ErrorIs(t, err, cleaner.ErrNilTarget)
}
