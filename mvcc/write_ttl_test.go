package mvcc

import (
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// The tests of story #14 (the TTL index), translated. The cleaner itself is
// package cleaner's; here: FindExpired and the conditional RemoveExpired.

func TestFindExpiredInExpiryOrder(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	// Written in an order unlike both key order and expiry order.
	ttls := map[string]time.Duration{"c": 3 * time.Second, "a": 5 * time.Second, "d": time.Second, "b": 3 * time.Second, "e": 2 * time.Second}
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		fxPut(t, s, core.KVKey(ns, name), 0, ttls[name])
	}
	fxPut(t, s, core.KVKey(ns, "forever"), 0, 0)
	start := clk.Now()

	names := func(es []core.Entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, string(e.Key.UserKey))
			exp, ok := e.Value.ExpiresAt()
			require.True(t, ok)
			require.Equal(t, start.Add(ttls[string(e.Key.UserKey)]), exp)
		}
		return out
	}
	require.Empty(t, s.FindExpired(start.Add(time.Second-1), 0))
	require.Equal(t, []string{"d"}, names(s.FindExpired(start.Add(time.Second), 0)))
	// Ties (b and c both at 3s) in key order.
	require.Equal(t, []string{"d", "e", "b", "c"}, names(s.FindExpired(start.Add(3*time.Second), 0)))
	require.Equal(t, []string{"d", "e", "b", "c", "a"}, names(s.FindExpired(start.Add(time.Hour), -1)))
	// FindExpired judges by the time it is given, not by the store's clock.
	require.Equal(t, start, clk.Now())
}

func TestFindExpiredLimit(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	for i := range 10 {
		fxPut(t, s, core.EventKey(ns, uint64(i)), int64(i), time.Duration(10-i)*time.Second)
	}
	now := clk.Now().Add(time.Minute)
	for _, limit := range []int{1, 3, 10, 11} {
		es := s.FindExpired(now, limit)
		require.Len(t, es, min(limit, 10))
		for i, e := range es {
			require.Equal(t, int64(9-i), e.Value.Value.Int64(), "expiry order")
		}
	}
}

// TestFindExpiredReturnsOnlyTheExpired is the seed's "uses the index, O(expired)
// not O(total)" test as a count check: with 10 expired among many it returns
// exactly those 10; its cost is measured in the package's benchmarks.
func TestFindExpiredReturnsOnlyTheExpired(t *testing.T) {
	s, clk := fxStore()
	n := 20000
	if testing.Short() {
		n = 2000
	}
	err := func() error {
		_, err := s.Update(func(txn *Txn) error {
			for i := range n {
				ns := fxNS("t", "bulk", byte(i%7))
				ttl := time.Duration(0)
				if i%2 == 0 {
					ttl = time.Hour + time.Duration(i)
				}
				if err := txn.Put(core.EventKey(ns, uint64(i)), core.Int64Value(int64(i)), ttl); err != nil {
					return err
				}
			}
			return nil
		})
		return err
	}()
	require.NoError(t, err)
	want := map[string]bool{}
	for i := range 10 {
		k := core.KVKey(fxNS("t", "short", byte(i)), "k")
		fxPut(t, s, k, int64(i), time.Minute+time.Duration(i))
		want[k.String()] = true
	}
	es := s.FindExpired(clk.Now().Add(time.Minute+10), 0)
	require.Len(t, es, 10)
	for i, e := range es {
		require.True(t, want[e.Key.String()])
		require.Equal(t, int64(i), e.Value.Value.Int64())
	}
	require.Equal(t, n+10, s.Stats().Keys)
	require.Equal(t, n/2+10, s.Stats().TTLKeys)
}

func TestFindExpiredAfterOverwriteAndDelete(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	a, b, c := core.KVKey(ns, "a"), core.KVKey(ns, "b"), core.KVKey(ns, "c")
	fxPut(t, s, a, 1, time.Second)
	fxPut(t, s, b, 1, time.Second)
	fxPut(t, s, c, 1, time.Second)
	fxPut(t, s, a, 2, 0)             // no longer expires
	fxPut(t, s, b, 2, 3*time.Second) // expires later
	_, err := s.Delete(c)
	require.NoError(t, err)
	require.Empty(t, s.FindExpired(clk.Now().Add(2*time.Second), 0))
	es := s.FindExpired(clk.Now().Add(3*time.Second), 0)
	require.Len(t, es, 1)
	require.Equal(t, b.String(), es[0].Key.String())
	require.Equal(t, uint64(5), es[0].Value.Version)
}

func TestRemoveExpiredIsConditional(t *testing.T) {
	s, clk := fxStore(WithHistory(10))
	ns := fxNS("t", "a", 1)
	gone, rewritten, deleted, early := core.KVKey(ns, "gone"), core.KVKey(ns, "rewritten"), core.KVKey(ns, "deleted"), core.KVKey(ns, "early")
	fxPut(t, s, gone, 1, time.Second)
	fxPut(t, s, rewritten, 1, time.Second)
	fxPut(t, s, deleted, 1, time.Second)
	fxPut(t, s, early, 1, time.Hour)
	clk.Advance(time.Second)
	found := s.FindExpired(s.Now(), 0)
	require.Len(t, found, 3)
	// Between finding and removing one key is written again; the entries
	// also name a live value, an invalid key and a key never written.
	fxPut(t, s, rewritten, 2, time.Second)
	_, err := s.Delete(deleted)
	require.ErrorIs(t, err, core.ErrNotFound, "expired: nothing to delete")
	earlyVV, err := s.Get(early)
	require.NoError(t, err)
	found = append(found,
		core.Entry{Key: early, Value: earlyVV},
		core.Entry{Key: core.Key{Type: 99}, Value: earlyVV},
		core.Entry{Key: core.KVKey(ns, "never-written"), Value: earlyVV},
	)
	before := s.CurrentVersion()
	res, err := s.RemoveExpired(found)
	require.NoError(t, err)
	require.Equal(t, core.Removal{Version: before + 1, Removed: 2, Skipped: 4}, res)
	require.Equal(t, before+1, s.CurrentVersion(), "one commit, one version")

	_, err = s.Get(gone)
	require.ErrorIs(t, err, core.ErrNotFound)
	got, err := s.Get(rewritten)
	require.NoError(t, err, "a value written after the expired one is never removed")
	require.Equal(t, int64(2), got.Value.Int64())
	_, err = s.Get(early)
	require.NoError(t, err)
	require.Equal(t, 2, s.Stats().Keys)
	checkIndices(t, s.root.Load().cur)
	// The removal is a change like any other: the past still sees the values.
	old, err := s.GetVersioned(rewritten, 2)
	require.ErrorIs(t, err, core.ErrNotFound, "expired now, judged now")
	require.Zero(t, old.Version)

	// Nothing to remove: no version.
	res, err = s.RemoveExpired(found)
	require.NoError(t, err)
	require.Equal(t, core.Removal{Skipped: len(found)}, res)
	require.Equal(t, before+1, s.CurrentVersion())
	res, err = s.RemoveExpired(nil)
	require.NoError(t, err)
	require.Equal(t, core.Removal{}, res)
}
