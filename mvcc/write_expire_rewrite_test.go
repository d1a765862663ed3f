package mvcc

import (
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// A key written again between FindExpired and RemoveExpired with a value
// that has also expired by the removal: the rewrite is not what was found,
// so it is skipped, counted as Skipped, and no version is taken. (A
// still-live rewrite is skipped for being live; this one only for its
// version.)
func TestRemoveExpiredSkipsARewriteThatAlsoExpired(t *testing.T) {
	s, clk := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "k")
	fxPut(t, s, k, 1, time.Second)
	clk.Advance(time.Second)
	found := s.FindExpired(s.Now(), 0)
	require.Len(t, found, 1)

	again := fxPut(t, s, k, 2, time.Second)
	clk.Advance(time.Second) // the rewrite has expired too
	before := s.CurrentVersion()

	res, err := s.RemoveExpired(found)
	require.NoError(t, err)
	require.Equal(t, core.Removal{Skipped: 1}, res, "the rewrite is skipped and no version taken")
	require.Equal(t, before, s.CurrentVersion())
	still := s.FindExpired(s.Now(), 0)
	require.Len(t, still, 1, "the rewrite is still stored")
	require.Equal(t, again, still[0].Value.Version)
	require.Equal(t, int64(2), still[0].Value.Value.Int64())

	// Found again, at its own version, it goes.
	res, err = s.RemoveExpired(still)
	require.NoError(t, err)
	require.Equal(t, core.Removal{Version: before + 1, Removed: 1}, res)
}
