package indices

import (
	"bytes"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

type kv struct {
	key string
	val int
}

func collect2[V any](seq func(func(string, V) bool)) []kv {
	var out []kv
	for k, v := range seq {
		out = append(out, kv{k, any(v).(int)})
	}
	return out
}

var base = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func TestTTLZeroIsEmpty(t *testing.T) {
	var x TTL[int]
	require.Equal(t, 0, x.Len())
	require.False(t, x.Has(base, "k"))
	require.Empty(t, collect2(x.Expired(base)))
	require.Empty(t, collect2(x.All()))
	require.Equal(t, 0, x.Remove(base, "k").Len())
}

// TestTTLExpiredOrder checks expiry order first, key order among equal
// expiries, and the boundary: a member expiring exactly at now is expired,
// one a nanosecond later is not.
func TestTTLExpiredOrder(t *testing.T) {
	var x TTL[int]
	x = x.Add(base.Add(2*time.Second), "a", 1)
	x = x.Add(base, "c", 2)
	x = x.Add(base, "b", 3)
	x = x.Add(base.Add(-time.Hour), "z", 4)
	x = x.Add(base.Add(time.Nanosecond), "a", 5)
	x = x.Add(base.Add(-time.Nanosecond), "y", 6)
	require.Equal(t, 6, x.Len())

	require.Equal(t, []kv{{"z", 4}, {"y", 6}, {"b", 3}, {"c", 2}}, collect2(x.Expired(base)))
	require.Equal(t, []kv{{"z", 4}, {"y", 6}}, collect2(x.Expired(base.Add(-time.Nanosecond))))
	require.Equal(t, []kv{{"z", 4}, {"y", 6}, {"b", 3}, {"c", 2}, {"a", 5}},
		collect2(x.Expired(base.Add(time.Nanosecond))))
	require.Empty(t, collect2(x.Expired(base.Add(-2*time.Hour))))
	require.Equal(t, []kv{{"z", 4}, {"y", 6}, {"b", 3}, {"c", 2}, {"a", 5}, {"a", 1}}, collect2(x.All()))
}

func TestTTLExpiredIgnoresZone(t *testing.T) {
	var x TTL[int]
	x = x.Add(base, "k", 1)
	inParis := base.In(time.FixedZone("CEST", 2*3600))
	require.True(t, x.Has(inParis, "k"))
	require.Equal(t, []kv{{"k", 1}}, collect2(x.Expired(inParis)))
}

func TestTTLBefore1970(t *testing.T) {
	epoch := time.Unix(0, 0)
	halfBefore := time.Unix(-1, 500_000_000) // 1969-12-31T23:59:59.5
	old := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	var x TTL[int]
	x = x.Add(epoch, "e", 1)
	x = x.Add(halfBefore, "h", 2)
	x = x.Add(old, "o", 3)
	x = x.Add(time.Time{}, "zero", 4) // year 1
	require.Equal(t, []kv{{"zero", 4}, {"o", 3}, {"h", 2}, {"e", 1}}, collect2(x.All()))
	require.Equal(t, []kv{{"zero", 4}, {"o", 3}}, collect2(x.Expired(old)))
	require.Equal(t, []kv{{"zero", 4}, {"o", 3}, {"h", 2}}, collect2(x.Expired(epoch.Add(-time.Nanosecond))))
	require.Len(t, collect2(x.Expired(epoch)), 4)
}

func TestTTLFarFuture(t *testing.T) {
	// The latest instant a time.Time holds, which core saturates overflowing
	// expiries to: seconds since year 1 fill an int64.
	const unixToYear1 = 62135596800
	latest := time.Unix(math.MaxInt64-unixToYear1, 999_999_999)
	// An expiry near that limit, as core computes it for a huge TTL.
	sat, ok := core.VersionedValue{Timestamp: latest.Add(-time.Hour), TTL: math.MaxInt64}.ExpiresAt()
	require.True(t, ok)
	require.False(t, sat.After(latest))
	y9999 := time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC)
	huge := time.Unix(1<<62, 0)

	var x TTL[int]
	x = x.Add(latest, "max", 1)
	x = x.Add(y9999, "y9999", 2)
	x = x.Add(base.Add(math.MaxInt64), "2317", 3)
	x = x.Add(huge, "huge", 4)
	x = x.Add(sat, "sat", 5)
	require.Equal(t, []kv{{"2317", 3}, {"y9999", 2}, {"huge", 4}, {"sat", 5}, {"max", 1}}, collect2(x.All()))
	require.Empty(t, collect2(x.Expired(base)))
	require.Equal(t, []kv{{"2317", 3}, {"y9999", 2}}, collect2(x.Expired(y9999)))
	require.Len(t, collect2(x.Expired(latest)), 5)
	require.Len(t, collect2(x.Expired(latest.Add(-time.Nanosecond))), 4)
}

func TestTTLHasRemove(t *testing.T) {
	var x TTL[int]
	x = x.Add(base, "k", 1)
	require.True(t, x.Has(base, "k"))
	require.False(t, x.Has(base.Add(time.Nanosecond), "k"), "the same key at another expiry is another member")
	require.False(t, x.Has(base, "k2"))
	same := x.Remove(base.Add(time.Second), "k")
	require.Equal(t, 1, same.Len())
	x = x.Remove(base, "k")
	require.Equal(t, 0, x.Len())
	require.False(t, x.Has(base, "k"))
}

func TestTTLAddReplacesValue(t *testing.T) {
	var x TTL[int]
	x = x.Add(base, "k", 1).Add(base, "k", 2)
	require.Equal(t, []kv{{"k", 2}}, collect2(x.All()))
}

func TestTTLIteratorsStopEarly(t *testing.T) {
	var x TTL[int]
	for i, k := range []string{"a", "b", "c"} {
		x = x.Add(base, k, i)
	}
	n := 0
	for range x.Expired(base) {
		n++
		break
	}
	for range x.All() {
		n++
		break
	}
	require.Equal(t, 2, n)
}

func TestTTLIsPersistent(t *testing.T) {
	x0 := TTL[int]{}
	x1 := x0.Add(base, "a", 1)
	x2 := x1.Add(base.Add(-time.Second), "b", 2)
	x3 := x2.Remove(base, "a")
	require.Equal(t, 0, x0.Len())
	require.Equal(t, []kv{{"a", 1}}, collect2(x1.All()))
	require.Equal(t, []kv{{"b", 2}, {"a", 1}}, collect2(x2.All()))
	require.Equal(t, []kv{{"b", 2}}, collect2(x3.All()))
}

// TestAppendExpiryPreservesOrder checks that byte order of the encodings is
// time order, across 1970 and at nanosecond resolution.
func TestAppendExpiryPreservesOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sec := rapid.Int64Range(-1<<40, 1<<40)
		nsec := rapid.Int64Range(0, 999_999_999)
		a := time.Unix(sec.Draw(t, "asec"), nsec.Draw(t, "ansec"))
		b := time.Unix(sec.Draw(t, "bsec"), nsec.Draw(t, "bnsec"))
		ea, eb := appendExpiry(nil, a), appendExpiry(nil, b)
		if len(ea) != expiryLen || len(eb) != expiryLen {
			t.Fatalf("lengths %d, %d", len(ea), len(eb))
		}
		if got, want := bytes.Compare(ea, eb), a.Compare(b); got != want {
			t.Fatalf("Compare(%v, %v): bytes %d, time %d", a, b, got, want)
		}
	})
}

// TestTTLExpiredMatchesModel checks Expired against sorting a list of
// (expiry, key) pairs.
func TestTTLExpiredMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type item struct {
			at  time.Time
			key string
		}
		var x TTL[int]
		model := map[item]int{}
		offset := rapid.Int64Range(-5, 5)
		key := rapid.SampledFrom([]string{"a", "b", "c", "ab"})
		for i := range rapid.IntRange(0, 40).Draw(t, "n") {
			it := item{base.Add(time.Duration(offset.Draw(t, "at"))), key.Draw(t, "key")}
			if rapid.IntRange(0, 3).Draw(t, "op") == 0 {
				x = x.Remove(it.at, it.key)
				delete(model, it)
			} else {
				x = x.Add(it.at, it.key, i)
				model[it] = i
			}
		}
		now := base.Add(time.Duration(offset.Draw(t, "now")))
		var want []item
		for it := range model {
			if !it.at.After(now) {
				want = append(want, it)
			}
		}
		slices.SortFunc(want, func(a, b item) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return bytes.Compare([]byte(a.key), []byte(b.key))
		})
		got := collect2(x.Expired(now))
		if len(got) != len(want) {
			t.Fatalf("got %d expired, want %d", len(got), len(want))
		}
		for i, w := range want {
			if got[i] != (kv{w.key, model[w]}) {
				t.Fatalf("expired[%d] = %v, want %v", i, got[i], kv{w.key, model[w]})
			}
		}
		if x.Len() != len(model) {
			t.Fatalf("Len %d, want %d", x.Len(), len(model))
		}
	})
}

// TestTTLBetweenMatchesModel checks Between against filtering a list of
// (expiry, key) pairs: after from, at or before to, in expiry order.
func TestTTLBetweenMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type item struct {
			at  time.Time
			key string
		}
		var x TTL[int]
		model := map[item]int{}
		offset := rapid.Int64Range(-5, 5)
		key := rapid.SampledFrom([]string{"a", "b", "c", "ab"})
		for i := range rapid.IntRange(0, 40).Draw(t, "n") {
			it := item{base.Add(time.Duration(offset.Draw(t, "at"))), key.Draw(t, "key")}
			x = x.Add(it.at, it.key, i)
			model[it] = i
		}
		from := base.Add(time.Duration(offset.Draw(t, "from")))
		to := base.Add(time.Duration(offset.Draw(t, "to")))
		var want []item
		for it := range model {
			if it.at.After(from) && !it.at.After(to) {
				want = append(want, it)
			}
		}
		slices.SortFunc(want, func(a, b item) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return bytes.Compare([]byte(a.key), []byte(b.key))
		})
		got := collect2(x.Between(from, to))
		if len(got) != len(want) {
			t.Fatalf("got %d between %v and %v, want %d", len(got), from, to, len(want))
		}
		for i, w := range want {
			if got[i] != (kv{w.key, model[w]}) {
				t.Fatalf("between[%d] = %v, want %v", i, got[i], kv{w.key, model[w]})
			}
		}
	})
}
