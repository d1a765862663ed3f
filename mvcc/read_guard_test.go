package mvcc

import (
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// Paging with Limit and After visits every key once, in order: a page holds
// at most Limit entries and starts strictly after the previous page's last
// key, in both directions.
func TestGuardQueryPagesWithAfterAndLimit(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	names := []string{"a", "b", "c", "d", "e"}
	for i, n := range names {
		fxPut(t, s, core.KVKey(ns, n), int64(i), 0)
	}
	snap := s.Snapshot()
	p := core.NamespacePrefix(ns)
	for _, reverse := range []bool{false, true} {
		var seen []string
		var pages []int
		opts := []ScanOption{Limit(2)}
		if reverse {
			opts = append(opts, Reverse())
		}
		for len(pages) <= len(names) {
			page := fxCollect(snap.Scan(p, opts...))
			if len(page) == 0 {
				break
			}
			require.LessOrEqual(t, len(page), 2, "a page holds at most Limit entries: %v", fxKeys(page))
			for _, e := range page {
				seen = append(seen, string(e.Key.UserKey))
			}
			pages = append(pages, len(page))
			last := page[len(page)-1].Key
			opts = append(opts[:len(opts):len(opts)], After(last))
		}
		want := append([]string(nil), names...)
		if reverse {
			for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
				want[i], want[j] = want[j], want[i]
			}
		}
		require.Equal(t, want, seen, "reverse=%v: every key once, in order", reverse)
		require.Equal(t, []int{2, 2, 1}, pages, "reverse=%v", reverse)
	}
}

// Append numbers each namespace's log on its own, whatever is stored after
// it in key order.
func TestGuardQueryAppendNumbersEachLog(t *testing.T) {
	s, _ := fxStore()
	first, later := fxNS("a", "x", 1), fxNS("b", "x", 2)
	_, _, err := s.Append(later, core.Int64Value(0), 0)
	require.NoError(t, err)
	for i := uint64(1); i <= 3; i++ {
		k, _, err := s.Append(first, core.Int64Value(int64(i)), 0)
		require.NoError(t, err)
		require.True(t, core.EventKey(first, i).Equal(k), "append %d got key %s", i, k)
	}
	k, _, err := s.Append(later, core.Int64Value(0), 0)
	require.NoError(t, err)
	require.True(t, core.EventKey(later, 2).Equal(k), "got key %s", k)
	require.Equal(t, 5, s.Stats().Keys, "no append overwrote another")
}

// DeletePrefix counts the live keys it removed, not the expired ones it
// clears along with them.
func TestGuardQueryDeletePrefixCountsLiveKeys(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	fxPut(t, s, core.KVKey(ns, "expired"), 1, time.Second)
	fxPut(t, s, core.KVKey(ns, "live"), 2, 0)
	fxPut(t, s, core.KVKey(ns, "later"), 3, time.Hour)
	clk.Advance(time.Minute)
	n, v, err := s.DeletePrefix(core.NamespacePrefix(ns))
	require.NoError(t, err)
	require.Equal(t, 2, n, "live keys removed")
	require.Equal(t, uint64(4), v)
	require.Zero(t, s.Stats().Keys)
}

// Touch gives the value the new TTL, counted from the touch.
func TestGuardQueryTouchSetsTheNewTTL(t *testing.T) {
	s, clk := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "note")
	fxPut(t, s, k, 1, time.Hour)
	clk.Advance(30 * time.Minute)
	v, err := s.Touch(k, 10*time.Hour)
	require.NoError(t, err)
	got, err := s.Get(k)
	require.NoError(t, err)
	require.Equal(t, v, got.Version)
	require.Equal(t, 10*time.Hour, got.TTL)
	clk.Advance(2 * time.Hour)
	_, err = s.Get(k)
	require.NoError(t, err, "alive past the old expiry")
	clk.Advance(9 * time.Hour)
	_, err = s.Get(k)
	require.ErrorIs(t, err, core.ErrNotFound, "expired at the new one")
}

// SnapshotAt judges expiry at the version's commit time: a value live then is
// in the snapshot even though it has expired since.
func TestGuardQuerySnapshotAtJudgesAtCommitTime(t *testing.T) {
	s, clk := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "k")
	v := fxPut(t, s, k, 1, time.Second)
	clk.Advance(time.Minute)
	fxPut(t, s, core.KVKey(fxNS("t", "a", 1), "other"), 2, 0)
	sn, err := s.SnapshotAt(v)
	require.NoError(t, err)
	require.True(t, sn.Time().Equal(fxStart), "judged at version %d's commit time, got %v", v, sn.Time())
	_, err = sn.Get(k)
	require.NoError(t, err, "live at version %d's commit time", v)
	_, err = s.Get(k)
	require.ErrorIs(t, err, core.ErrNotFound, "expired now")
}

// Expire removes at most limit values in one commit, and the rest later.
func TestGuardExpireHonoursLimit(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	for i := range 5 {
		fxPut(t, s, core.EventKey(ns, uint64(i+1)), int64(i), time.Duration(i+1)*time.Second)
	}
	clk.Advance(time.Minute)
	res, err := s.Expire(2)
	require.NoError(t, err)
	require.Equal(t, 2, res.Removed)
	require.Len(t, s.FindExpired(s.Now(), 0), 3)
	res, err = s.Expire(0)
	require.NoError(t, err)
	require.Equal(t, 3, res.Removed)
	require.Zero(t, s.Stats().Keys)
}
