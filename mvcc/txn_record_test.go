package mvcc

import (
	"context"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// TestTxnRecordWithFewerChangesThanWrites commits transactions whose commit
// record is sized for all their writes but holds fewer changes (a key the
// transaction put and then deleted, absent from the store, changes nothing),
// and checks the record each publishes: what a watcher sees.
func TestTxnRecordWithFewerChangesThanWrites(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	a, b, c := core.KVKey(ns, "a"), core.KVKey(ns, "b"), core.KVKey(ns, "c")
	w := s.Watch(0)
	defer w.Close()

	for i, absent := range []core.Key{b, c} {
		txn := s.Begin()
		require.NoError(t, txn.Put(a, core.Int64Value(int64(i)), 0))
		require.NoError(t, txn.Put(absent, core.Int64Value(-1), 0))
		require.NoError(t, txn.Delete(absent))
		v, err := txn.Commit()
		require.NoError(t, err)

		ctx, cancel := context.WithTimeout(context.Background(), wxDeadline)
		got, err := w.Next(ctx)
		cancel()
		require.NoError(t, err, "waiting for the commit of version %d", v)
		require.Equal(t, v, got.Version)
		require.Len(t, got.Changes, 1)
		require.Equal(t, core.ChangePut, got.Changes[0].Op)
		require.True(t, got.Changes[0].Key.Equal(a))
		require.Equal(t, int64(i), got.Changes[0].Value.Value.Int64())
	}
}
