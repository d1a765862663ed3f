package mvcc

import (
	"bytes"
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
