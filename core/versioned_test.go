package core

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLatest(t *testing.T) {
	assert.Equal(t, uint64(math.MaxUint64), Latest)
}

func TestVersionedValueExpiryNanosecondPrecision(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)
	const ttl = 1500 * time.Nanosecond
	v := VersionedValue{Value: StringValue("x"), Version: 3, Timestamp: ts, TTL: ttl}

	at, ok := v.ExpiresAt()
	require.True(t, ok)
	assert.True(t, at.Equal(ts.Add(ttl)))
	assert.Equal(t, ts.Add(ttl), at)

	assert.False(t, v.Expired(ts))
	assert.False(t, v.Expired(ts.Add(ttl-1)), "one nanosecond before expiry")
	assert.True(t, v.Expired(ts.Add(ttl)), "Timestamp+TTL == now is expired")
	assert.True(t, v.Expired(ts.Add(ttl+1)))
	assert.True(t, v.Expired(ts.Add(time.Hour)))
	assert.False(t, v.Expired(ts.Add(-time.Hour)))

	// Instants, not wall readings, are compared: another location does not matter.
	zone := time.FixedZone("UTC+5", 5*60*60)
	assert.True(t, v.Expired(ts.Add(ttl).In(zone)))
	assert.False(t, v.Expired(ts.Add(ttl-1).In(zone)))

	// One nanosecond TTL.
	one := VersionedValue{Timestamp: ts, TTL: 1}
	assert.False(t, one.Expired(ts))
	assert.True(t, one.Expired(ts.Add(1)))
}

func TestVersionedValueExpiryWithMonotonicClock(t *testing.T) {
	ts := time.Now() // carries a monotonic reading
	v := VersionedValue{Timestamp: ts, TTL: time.Millisecond}
	assert.False(t, v.Expired(ts.Add(time.Millisecond-1)))
	assert.True(t, v.Expired(ts.Add(time.Millisecond)))
	assert.True(t, v.Expired(ts.Round(0).Add(time.Millisecond)), "wall-clock now")
	assert.False(t, v.Expired(ts.Round(0).Add(time.Millisecond-1)), "wall-clock now")
}

func TestVersionedValueNoTTL(t *testing.T) {
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, ttl := range []time.Duration{0, -1, -time.Hour, math.MinInt64} {
		v := VersionedValue{Timestamp: ts, TTL: ttl}
		at, ok := v.ExpiresAt()
		assert.False(t, ok, "ttl %v", ttl)
		assert.True(t, at.IsZero(), "ttl %v", ttl)
		assert.False(t, v.Expired(ts), "ttl %v", ttl)
		assert.False(t, v.Expired(ts.Add(math.MaxInt64)), "ttl %v", ttl)
		assert.False(t, v.Expired(maxTime), "ttl %v", ttl)
	}
	// The zero VersionedValue never expires.
	assert.False(t, VersionedValue{}.Expired(time.Now()))
}

func TestVersionedValueHugeTTLSaturates(t *testing.T) {
	huge := time.Duration(math.MaxInt64)
	latest := time.Unix(math.MaxInt64-unixToInternal, 999_999_999)
	require.True(t, latest.Equal(maxTime))
	require.True(t, latest.Add(-1).Before(latest))

	timestamps := []time.Time{
		time.Time{},
		time.Unix(0, 0),
		time.Now(),
		time.Date(2024, 6, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		latest.Add(-huge),
		latest.Add(-time.Second),
		latest.Add(-1),
		latest,
	}
	for _, ts := range timestamps {
		for _, ttl := range []time.Duration{1, 999_999_999, time.Second, 1500 * time.Millisecond, time.Hour, huge} {
			v := VersionedValue{Timestamp: ts, TTL: ttl}
			var at time.Time
			var ok bool
			require.NotPanics(t, func() { at, ok = v.ExpiresAt() })
			require.True(t, ok)
			assert.True(t, at.After(ts) || at.Equal(latest), "ts %v ttl %v: expires at %v", ts, ttl, at)
			assert.False(t, at.Before(ts), "ts %v ttl %v: expires before it was written (%v)", ts, ttl, at)
			if at.After(ts) {
				assert.False(t, v.Expired(ts), "ts %v ttl %v", ts, ttl)
			}
			assert.True(t, v.Expired(latest) || at.Equal(latest), "ts %v ttl %v", ts, ttl)
		}
	}

	// A realistic timestamp with the largest TTL: about 292 years on.
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	v := VersionedValue{Timestamp: ts, TTL: huge}
	at, ok := v.ExpiresAt()
	require.True(t, ok)
	assert.Equal(t, 2316, at.Year())
	assert.False(t, v.Expired(time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)))
	assert.True(t, v.Expired(time.Date(2317, 1, 1, 0, 0, 0, 0, time.UTC)))

	// At the end of time's range the sum saturates at the latest instant.
	v = VersionedValue{Timestamp: latest.Add(-1), TTL: huge}
	at, ok = v.ExpiresAt()
	require.True(t, ok)
	assert.True(t, at.Equal(latest), "%v", at)
	assert.False(t, v.Expired(latest.Add(-1)))
	assert.True(t, v.Expired(latest))
}

func TestEntry(t *testing.T) {
	e := Entry{Key: KVKey(testNS, "k"), Value: VersionedValue{Value: Int64Value(1), Version: 7}}
	assert.True(t, e.Key.Equal(KVKey(testNS, "k")))
	assert.Equal(t, uint64(7), e.Value.Version)
	assert.Equal(t, int64(1), e.Value.Value.Int64())
}
