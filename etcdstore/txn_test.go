package etcdstore

import (
	"errors"
	"sync"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

func TestTxnCommitsOneVersion(t *testing.T) {
	s := newStore(t)
	ns := testNS("agent", 30)
	a, b, c := core.KVKey(ns, "a"), core.KVKey(ns, "b"), core.KVKey(ns, "c")
	_, err := s.Put(c, core.Int64Value(0), 0)
	require.NoError(t, err)

	tx := s.Begin()
	require.NoError(t, tx.Put(a, core.Int64Value(1), 0))
	require.NoError(t, tx.Put(b, core.Int64Value(2), 0))
	require.NoError(t, tx.Delete(c))
	got, err := tx.Get(a)
	require.NoError(t, err)
	require.Zero(t, got.Version, "its own write")
	_, err = tx.Get(c)
	require.ErrorIs(t, err, core.ErrNotFound)
	es, err := tx.ScanPrefix(core.NewKey(ns, core.TypeKV, nil))
	require.NoError(t, err)
	require.Len(t, es, 2)
	v, err := tx.Commit()
	require.NoError(t, err)
	require.Equal(t, uint64(2), v)
	_, err = tx.Commit()
	require.ErrorIs(t, err, core.ErrTxnDone)

	for _, k := range []core.Key{a, b} {
		got, err := s.Get(k)
		require.NoError(t, err)
		require.Equal(t, v, got.Version)
	}
	_, err = s.Get(c)
	require.ErrorIs(t, err, core.ErrNotFound)
}

func TestTxnConflicts(t *testing.T) {
	s := newStore(t)
	ns := testNS("agent", 31)
	k, other := core.KVKey(ns, "k"), core.KVKey(ns, "other")
	prefix := core.NewKey(ns, core.TypeKV, nil)
	cases := []struct {
		name     string
		txn      func(*Txn) error
		meddle   func() error
		conflict bool
	}{
		{"read key rewritten", func(tx *Txn) error { _, err := tx.Get(k); return ignoreNotFound(err) },
			func() error { _, err := s.Put(k, core.Int64Value(1), 0); return err }, true},
		{"read key deleted", func(tx *Txn) error { _, err := tx.Get(k); return ignoreNotFound(err) },
			func() error { _, err := s.Delete(k); return err }, true},
		{"blind write, key created", nil,
			func() error { _, err := s.Put(k, core.Int64Value(2), 0); return err }, true},
		{"blind write, key deleted", nil,
			func() error { _, err := s.Delete(k); return err }, true},
		{"unrelated key written", func(tx *Txn) error { _, err := tx.Get(k); return ignoreNotFound(err) },
			func() error { _, err := s.Put(other, core.Int64Value(3), 0); return err }, false},
		{"scanned prefix gains a key", func(tx *Txn) error { _, err := tx.ScanPrefix(prefix); return err },
			func() error { _, err := s.Put(core.KVKey(ns, "new"), core.Int64Value(4), 0); return err }, true},
		{"scanned prefix loses a key", func(tx *Txn) error { _, err := tx.ScanPrefix(prefix); return err },
			func() error { _, err := s.Delete(core.KVKey(ns, "new")); return err }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tx := s.Begin()
			if tc.txn != nil {
				require.NoError(t, tc.txn(tx))
			}
			require.NoError(t, tx.Put(k, core.StringValue(tc.name), 0))
			require.NoError(t, tc.meddle())
			before := s.CurrentVersion()
			v, err := tx.Commit()
			if tc.conflict {
				require.ErrorIs(t, err, core.ErrConflict)
				require.Equal(t, before, s.CurrentVersion(), "a conflict commits nothing")
				return
			}
			require.NoError(t, err)
			require.Equal(t, before+1, v)
		})
	}
}

func ignoreNotFound(err error) error {
	if errors.Is(err, core.ErrNotFound) {
		return nil
	}
	return err
}

// TestUpdateCounter: concurrent read-modify-write transactions from two
// Stores on one prefix (two "processes") lose no increment.
func TestUpdateCounter(t *testing.T) {
	a := newStore(t)
	b := newStoreOn(t, testCli, a.Prefix(), WithUpdateRetries(1000))
	a = newStoreOn(t, testCli, a.Prefix(), WithUpdateRetries(1000))
	k := core.KVKey(testNS("agent", 32), "counter")
	const workers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, err := s.Update(func(tx *Txn) error {
					n := int64(0)
					if got, err := tx.Get(k); err == nil {
						n = got.Value.Int64()
					} else if !errors.Is(err, core.ErrNotFound) {
						return err
					}
					return tx.Put(k, core.Int64Value(n+1), 0)
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := a.Get(k)
	require.NoError(t, err)
	require.Equal(t, int64(workers*each), got.Value.Int64())
	require.Equal(t, uint64(workers*each), a.CurrentVersion(), "one version per committed update, gapless")
}
