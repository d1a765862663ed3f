package mvcc

import (
	"bytes"
	"strings"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// With a byte budget the window holds the versions whose replaced values fit
// in it, steadily: each write lets exactly one version go once the window is
// full, and the budget is neither ignored nor used up for good.
func TestGuardHistoryByteBudgetIsSteady(t *testing.T) {
	k := core.KVKey(fxNS("t", "a", 1), "k")
	value := core.BytesValue(bytes.Repeat([]byte{'v'}, 1000))
	one := entryBytes(encodeKey(k), &stored{val: value})
	// Three replaced values fit, four do not: four versions stay.
	s, _ := fxStore(WithHistory(100), WithHistoryBytes(one*7/2))
	for i := range 30 {
		v, err := s.Put(k, value, 0)
		require.NoError(t, err)
		if i < 10 {
			continue
		}
		require.Equal(t, 4, s.Stats().History, "versions in the window after version %d", v)
		_, err = s.SnapshotAt(v - 3)
		require.NoError(t, err, "version %d is within the budget at version %d", v-3, v)
		_, err = s.SnapshotAt(v - 4)
		require.ErrorIs(t, err, core.ErrCompacted, "version %d is over the budget at version %d", v-4, v)
	}
}

// WithHistory(n) keeps exactly n past versions besides the current one.
func TestGuardHistoryKeepsNPastVersions(t *testing.T) {
	s, _ := fxStore(WithHistory(3))
	k := core.KVKey(fxNS("t", "a", 1), "k")
	for i := range 10 {
		fxPut(t, s, k, int64(i), 0)
	}
	require.Equal(t, 4, s.Stats().History)
	_, err := s.SnapshotAt(7)
	require.NoError(t, err)
	_, err = s.SnapshotAt(6)
	require.ErrorIs(t, err, core.ErrCompacted)
}

// A version whose replaced bytes exactly fill the budget stays in the
// window: the budget is a limit held, not one to stay below.
func TestGuardHistoryKeepsAVersionExactlyAtTheBudget(t *testing.T) {
	k := core.KVKey(fxNS("t", "a", 1), "k")
	value := core.BytesValue(bytes.Repeat([]byte{'v'}, 1000))
	one := entryBytes(encodeKey(k), &stored{val: value})
	for _, n := range []int64{1, 2, 3} {
		s, _ := fxStore(WithHistory(100), WithHistoryBytes(n*one))
		var v uint64
		for range n + 1 {
			var err error
			v, err = s.Put(k, value, 0)
			require.NoError(t, err)
		}
		require.Equal(t, n*one, s.Stats().HistoryBytes, "budget of %d values", n)
		_, err := s.GetVersioned(k, v-uint64(n))
		require.NoError(t, err, "the oldest version, its replaced value exactly at a budget of %d values", n)
		// One byte less and it goes.
		s, _ = fxStore(WithHistory(100), WithHistoryBytes(n*one-1))
		for range n + 1 {
			v, err = s.Put(k, value, 0)
			require.NoError(t, err)
		}
		_, err = s.GetVersioned(k, v-uint64(n))
		require.ErrorIs(t, err, core.ErrCompacted, "a budget one byte short of %d values", n)
	}
}

// The default store bounds its history by bytes too: overwriting a 1 MiB
// value keeps about DefaultHistoryBytes of the replaced values, not one per
// version of the DefaultHistory window.
func TestHistoryBytesHasADefault(t *testing.T) {
	s, _ := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "blob")
	big := core.StringValue(strings.Repeat("x", 1<<20)) // shared: the test allocates it once
	for range 100 {
		_, err := s.Put(k, big, 0)
		require.NoError(t, err)
	}
	st := s.Stats()
	require.LessOrEqual(t, st.HistoryBytes, int64(DefaultHistoryBytes))
	require.Greater(t, st.HistoryBytes, int64(DefaultHistoryBytes)-(2<<20))
	require.Less(t, st.History, 100)

	// WithHistoryBytes(0) lifts the bound.
	s, _ = fxStore(WithHistoryBytes(0))
	for range 100 {
		_, err := s.Put(k, big, 0)
		require.NoError(t, err)
	}
	require.Equal(t, 101, s.Stats().History)
}
