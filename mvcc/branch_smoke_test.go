package mvcc

import (
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

func TestBranchSmoke(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	for i := range 100 {
		fxPut(t, s, core.KVKey(ns, string(rune('a'+i%26))+string(rune('a'+i/26))), int64(i), 0)
	}
	f, err := s.Fork()
	require.NoError(t, err)
	fxPut(t, f, core.KVKey(ns, "zz"), 1, 0)
	_, err = f.Delete(core.KVKey(ns, "aa"))
	require.NoError(t, err)
	fxPut(t, s, core.KVKey(ns, "ba"), 7, 0)
	var got []core.Change
	for c := range Diff(f.Base(), f.Snapshot()) {
		got = append(got, c)
	}
	require.Len(t, got, 2)
	v, err := s.Merge(f)
	require.NoError(t, err)
	require.Equal(t, uint64(102), v)
	_, err = s.Get(core.KVKey(ns, "aa"))
	require.ErrorIs(t, err, core.ErrNotFound)
	v, err = s.Merge(f)
	require.NoError(t, err)
	require.Equal(t, uint64(102), v)
}
