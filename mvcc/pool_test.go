package mvcc

import (
	"errors"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// TestRefusedWriteLeavesNothingBehind: a write refused before it is queued
// (the store is closed) must not leave its operation in the pool of queued
// writes, where the next write of another store would pick it up and run it
// instead of its own.
func TestRefusedWriteLeavesNothingBehind(t *testing.T) {
	closed, _ := fxStore()
	require.NoError(t, closed.Close())
	ns := fxNS("pool", "a", 1)
	for i := range 50 {
		_, err := closed.Delete(core.KVKey(ns, "gone"))
		require.True(t, errors.Is(err, core.ErrClosed))
		_, _, err = closed.Append(ns, core.Int64Value(int64(i)), 0)
		require.True(t, errors.Is(err, core.ErrClosed))
	}
	s, _ := fxStore()
	for i := range 50 {
		k := core.KVKey(ns, "k")
		v := fxPut(t, s, k, int64(i), 0)
		got, err := s.Get(k)
		require.NoError(t, err)
		require.Equal(t, v, got.Version)
		require.Equal(t, int64(i), got.Value.Int64())
	}
	require.Equal(t, uint64(50), s.CurrentVersion())
}
