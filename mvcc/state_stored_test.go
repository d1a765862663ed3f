package mvcc

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// stTime returns the instant ext seconds after year 1 plus nsec, the way
// time.Time counts: every int64 ext is an instant a time.Time can hold.
func stTime(ext, nsec int64) time.Time { return time.Unix(ext-unixToInternal, nsec) }

// stEdgeSeconds are the seconds (from year 1) where the arithmetic of
// timestamps and expiries wraps or saturates, and the epochs.
var stEdgeSeconds = []int64{
	math.MinInt64, math.MinInt64 + 1, math.MinInt64 + unixToInternal - 1, math.MinInt64 + unixToInternal,
	-1, 0, 1, unixToInternal, math.MaxInt64 - unixToInternal,
	math.MaxInt64 - 1e10, math.MaxInt64 - 2, math.MaxInt64 - 1, math.MaxInt64,
}

func stDrawTime(t *rapid.T, label string) time.Time {
	ext := rapid.OneOf(rapid.Int64(), rapid.SampledFrom(stEdgeSeconds)).Draw(t, label+" sec")
	nsec := rapid.OneOf(rapid.Int64Range(0, 999_999_999), rapid.SampledFrom([]int64{0, 1, 999_999_998, 999_999_999})).Draw(t, label+" nsec")
	return stTime(ext, nsec)
}

// TestStoredTimestampRoundTrip: a stored timestamp is the instant it was
// given, to the nanosecond, for every instant a time.Time can hold (the zero
// time and the extremes included), returned in UTC without a monotonic
// reading.
func TestStoredTimestampRoundTrip(t *testing.T) {
	check := func(t require.TestingT, ts time.Time) {
		r := newStored(core.Int64Value(1), 7, ts, time.Second)
		got := r.timestamp()
		require.True(t, got.Equal(ts), "round trip of %v gave %v", ts, got)
		require.Equal(t, ts.Round(0).UTC(), got, "the same instant, in UTC, without a monotonic reading")
		require.Equal(t, time.UTC, got.Location())
		vv := r.public()
		require.True(t, vv.Timestamp.Equal(ts))
		require.Equal(t, uint64(7), vv.Version)
		require.Equal(t, time.Second, vv.TTL)
		require.True(t, vv.Value.Equal(core.Int64Value(1)))
		back := storedOf(&vv)
		require.Equal(t, r, back, "stored -> public -> stored")
	}
	check(t, time.Time{})
	check(t, time.Now()) // with a monotonic reading, in the local zone
	check(t, time.Date(2025, 6, 1, 12, 0, 0, 123_456_789, time.FixedZone("UTC+5:30", 5*3600+1800)))
	check(t, time.Unix(math.MaxInt64, 999_999_999))
	check(t, time.Unix(math.MinInt64, 0))
	rapid.Check(t, func(t *rapid.T) { check(t, stDrawTime(t, "ts")) })
}

// TestStoredExpiryAgreesWithCore: the expiry the store computes from a
// stored value, and its visibility rule, give exactly the answers of
// core.VersionedValue.ExpiresAt and Expired on the same value, including
// where the sum saturates at the latest instant and around the deadline to
// the nanosecond.
func TestStoredExpiryAgreesWithCore(t *testing.T) {
	check := func(t require.TestingT, ts time.Time, ttl time.Duration, nows []time.Time) {
		vv := core.VersionedValue{Value: core.StringValue("v"), Version: 1, Timestamp: ts, TTL: ttl}
		r := storedOf(&vv)
		want, wantOK := vv.ExpiresAt()
		got, gotOK := r.expiresAt()
		require.Equal(t, wantOK, gotOK, "expires at all: ts %v ttl %v", ts, ttl)
		require.True(t, want.Equal(got), "ts %v ttl %v: expiry %v, core says %v", ts, ttl, got, want)
		if wantOK {
			// The instants around the deadline, to the nanosecond.
			nows = append(nows, want.Add(-1), want, want.Add(1), want.Add(-time.Second), want.Add(time.Second))
		}
		for _, now := range nows {
			require.Equal(t, !vv.Expired(now), visible(&r, now), "ts %v ttl %v, judged at %v", ts, ttl, now)
		}
	}
	latest := stTime(math.MaxInt64, 999_999_999)
	for _, c := range []struct {
		ts  time.Time
		ttl time.Duration
	}{
		{fxStart, 0},
		{fxStart, 1},
		{fxStart, time.Hour},
		{time.Time{}, time.Nanosecond},
		{time.Time{}, math.MaxInt64},
		{latest, 1},             // saturates
		{latest, math.MaxInt64}, // saturates
		{latest.Add(-1), 1},     // exactly the latest instant
		{latest.Add(-time.Hour), math.MaxInt64},
		{stTime(math.MaxInt64, 0), 2 * time.Second}, // the seconds saturate, the nanoseconds move
		{stTime(math.MaxInt64-1, 900_000_000), 1500 * time.Millisecond},
		{stTime(math.MaxInt64-1, 100_000_000), 1500 * time.Millisecond},
		{stTime(math.MinInt64, 0), math.MaxInt64},
	} {
		check(t, c.ts, c.ttl, []time.Time{time.Time{}, c.ts, latest, stTime(math.MinInt64, 0), time.Now()})
	}
	rapid.Check(t, func(t *rapid.T) {
		ts := stDrawTime(t, "ts")
		ttl := time.Duration(rapid.OneOf(
			rapid.Int64Range(0, math.MaxInt64),
			rapid.Int64Range(0, 3e9),
			rapid.SampledFrom([]int64{0, 1, 999_999_999, 1e9, 1e9 + 1, math.MaxInt64 - 1, math.MaxInt64}),
		).Draw(t, "ttl"))
		check(t, ts, ttl, []time.Time{stDrawTime(t, "now"), ts})
	})
}

// TestStoreReturnsTimestampsInUTC: every way a value or a commit leaves the
// store gives the commit instant to the nanosecond, in UTC, whatever zone
// the clock reads in, and a durable store's recovered values agree.
func TestStoreReturnsTimestampsInUTC(t *testing.T) {
	at := time.Date(2025, 6, 1, 12, 0, 0, 123_456_789, time.FixedZone("UTC-3", -3*3600))
	clk := core.NewManualClock(at)
	dir := t.TempDir()
	s, err := Open(dir, WithClock(clk))
	require.NoError(t, err)
	k := core.KVKey(fxNS("t", "a", 1), "k")
	w := s.Watch(0)
	defer w.Close()
	_, err = s.Put(k, core.StringValue("v"), time.Minute)
	require.NoError(t, err)

	want := at.UTC()
	requireTS := func(what string, got time.Time) {
		t.Helper()
		require.Equal(t, want, got, "%s: the commit instant, in UTC", what)
	}
	got, err := s.Get(k)
	require.NoError(t, err)
	requireTS("Get", got.Timestamp)
	for _, vv := range s.Snapshot().All() {
		requireTS("Snapshot.All", vv.Timestamp)
	}
	es, err := s.ScanPrefix(k, core.Latest)
	require.NoError(t, err)
	require.Len(t, es, 1)
	requireTS("ScanPrefix", es[0].Value.Timestamp)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := w.Next(ctx)
	require.NoError(t, err, "waiting for the put's commit")
	requireTS("Watch", c.Changes[0].Value.Timestamp)
	requireTS("Commit.Time", c.Time)
	exp := s.FindExpired(at.Add(time.Hour), 0)
	require.Len(t, exp, 1)
	requireTS("FindExpired", exp[0].Value.Timestamp)
	require.NoError(t, s.Close())

	s, err = Open(dir, WithClock(clk))
	require.NoError(t, err)
	defer s.Close()
	got, err = s.Get(k)
	require.NoError(t, err)
	requireTS("Get after recovery", got.Timestamp)
	removed, err := s.Delete(k)
	require.NoError(t, err)
	requireTS("Delete", removed.Timestamp)
}
