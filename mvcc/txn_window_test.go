package mvcc

import (
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// TestTxnOutlivesHistoryWindow: a transaction held while others commit far
// more versions than the history window keeps (an LLM call of minutes)
// commits if and only if nothing it read — keys present or absent, and
// scanned ranges — changed since it began. Validation reads the current
// state, never the window.
func TestTxnOutlivesHistoryWindow(t *testing.T) {
	read, scanned, other := fxNS("t", "read", 1), fxNS("t", "scan", 2), fxNS("t", "other", 3)
	setup := func(t *testing.T) (*Store, *Txn) {
		s, _ := fxStore(WithHistory(1))
		fxPut(t, s, fxK(read, 0), 1, 0)
		fxPut(t, s, fxK(scanned, 0), 1, 0)
		fxPut(t, s, fxK(scanned, 1), 1, 0)
		txn := s.Begin()
		_, err := txn.Get(fxK(read, 0))
		require.NoError(t, err)
		_, err = txn.Get(fxK(read, 1)) // absent: a read too
		require.ErrorIs(t, err, core.ErrNotFound)
		es, err := txn.ScanPrefix(core.NewKey(scanned, core.TypeKV, nil))
		require.NoError(t, err)
		require.Len(t, es, 2)
		require.NoError(t, txn.Put(fxK(read, 9), core.Int64Value(9), 0))
		// Many versions on unrelated keys: the window moves far past Begin.
		for i := range 2000 {
			fxPut(t, s, fxK(other, i%100), int64(i), 0)
		}
		_, err = s.SnapshotAt(txn.Version())
		require.ErrorIs(t, err, core.ErrCompacted, "the window has moved past the transaction's version")
		return s, txn
	}
	t.Run("unchanged: commits", func(t *testing.T) {
		s, txn := setup(t)
		v, err := txn.Commit()
		require.NoError(t, err)
		require.Equal(t, s.CurrentVersion(), v)
		require.Equal(t, int64(9), fxGetInt(t, s, fxK(read, 9)))
	})
	for name, change := range map[string]func(t *testing.T, s *Store){
		"a read key changed":          func(t *testing.T, s *Store) { fxPut(t, s, fxK(read, 0), 2, 0) },
		"an absent read key appeared": func(t *testing.T, s *Store) { fxPut(t, s, fxK(read, 1), 2, 0) },
		"a key in a scanned range":    func(t *testing.T, s *Store) { fxPut(t, s, fxK(scanned, 5), 2, 0) },
		"a scanned key deleted": func(t *testing.T, s *Store) {
			_, err := s.Delete(fxK(scanned, 1))
			require.NoError(t, err)
		},
	} {
		t.Run(name+": conflicts", func(t *testing.T) {
			s, txn := setup(t)
			change(t, s)
			for i := range 500 { // and the window moves on again
				fxPut(t, s, fxK(other, i%100), int64(i), 0)
			}
			v := s.CurrentVersion()
			_, err := txn.Commit()
			require.ErrorIs(t, err, core.ErrConflict)
			require.Equal(t, v, s.CurrentVersion())
			require.Equal(t, int64(-1), fxGetInt(t, s, fxK(read, 9)))
		})
	}
}
