package mvcc

import (
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// The zero Prefix (one nobody set) is refused: deleting everything takes
// core.AllKeys(), said on purpose.
func TestDeletePrefixRefusesTheZeroPrefix(t *testing.T) {
	s, _ := fxStore()
	for i := range 3 {
		fxPut(t, s, core.KVKey(fxNS("t", "a", byte(i)), "k"), int64(i), 0)
	}
	r := s.root.Load()
	var unset core.Prefix
	n, v, err := s.DeletePrefix(unset)
	require.ErrorIs(t, err, core.ErrInvalidArgument)
	require.Zero(t, n)
	require.Zero(t, v)
	fxUnchanged(t, s, r, "DeletePrefix(core.Prefix{})")
	require.Equal(t, 3, s.Stats().Keys)

	n, v, err = s.DeletePrefix(core.AllKeys())
	require.NoError(t, err)
	require.Equal(t, 3, n)
	require.Equal(t, r.cur.version+1, v)
	require.Zero(t, s.Stats().Keys)
}
