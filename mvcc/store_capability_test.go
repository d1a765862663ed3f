package mvcc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// The core twins answer as the methods they stand for.
func TestCapabilityTwins(t *testing.T) {
	s, _ := fxStore(WithHistory(2))
	ns := fxNS("t", "a", 1)
	k := core.KVKey(ns, "k")
	v1 := fxPut(t, s, k, 1, 0)

	var st core.Storage = s
	view := st.(core.Viewer).View()
	require.Equal(t, v1, view.Version())
	require.NoError(t, view.Err())

	v2, err := st.(core.Transactor).UpdateTxn(func(tx core.Txn) error {
		return tx.Put(k, core.Int64Value(2), 0)
	})
	require.NoError(t, err)
	require.Equal(t, v1+1, v2)
	_, err = s.UpdateTxn(nil)
	require.ErrorIs(t, err, core.ErrInvalidArgument)
	tx := s.BeginTxn()
	require.Equal(t, v2, tx.Version())
	tx.Discard()

	past, err := s.ViewAt(v1)
	require.NoError(t, err)
	got, err := past.Get(k)
	require.NoError(t, err)
	require.Equal(t, int64(1), got.Value.Int64())
	// An error comes with a nil interface, not a typed nil pointer.
	past, err = s.ViewAt(v2 + 1)
	require.ErrorIs(t, err, core.ErrNotFound)
	require.True(t, past == nil, "ViewAt's failure must return a nil core.Snapshot")

	w := s.WatchCommits(0, core.WatchPrefix(core.NamespacePrefix(ns)))
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := w.Next(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("WatchCommits: Next did not deliver version 1 within 10s")
	}
	require.NoError(t, err)
	require.Equal(t, v1, c.Version)
}
