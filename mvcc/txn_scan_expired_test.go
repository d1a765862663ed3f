package mvcc

import (
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// A scanned range that holds an expired value not yet removed: the
// transaction sees only the live key, but the range it depends on is every
// stored record, so an unrelated commit must not fail it and a delete of the
// live key must. Counting only live records (at the scan, at validation, or
// both) gets one of the two wrong.

// scanOverExpired returns a store whose range ns/kv/"r" holds r1 (live, no
// TTL) and r2 (expired, still stored), and a transaction that scanned the
// range and buffered a write outside it.
func scanOverExpired(t *testing.T) (*Store, *Txn, core.Namespace) {
	t.Helper()
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	fxPut(t, s, core.KVKey(ns, "r1"), 1, 0)
	fxPut(t, s, core.KVKey(ns, "r2"), 2, time.Second)
	clk.Advance(time.Second) // r2 has expired; nothing removed it
	require.Equal(t, 2, s.Snapshot().Len(), "the expired value is still stored")

	txn := s.Begin()
	es, err := txn.ScanPrefix(core.KVKey(ns, "r"))
	require.NoError(t, err)
	require.Equal(t, []string{core.KVKey(ns, "r1").String()}, fxKeys(es), "the scan sees only the live key")
	require.NoError(t, txn.Put(core.KVKey(ns, "out"), core.Int64Value(9), 0))
	return s, txn, ns
}

func TestTxnScanOverExpiredIgnoresUnrelatedCommit(t *testing.T) {
	s, txn, ns := scanOverExpired(t)
	fxPut(t, s, core.KVKey(ns, "elsewhere"), 3, 0) // outside the scanned range
	v, err := txn.Commit()
	require.NoError(t, err, "an unrelated commit must not conflict with a scan over an expired value")
	require.Equal(t, s.CurrentVersion(), v)
}

func TestTxnScanOverExpiredSeesLiveKeyDeleted(t *testing.T) {
	s, txn, ns := scanOverExpired(t)
	_, err := s.Delete(core.KVKey(ns, "r1"))
	require.NoError(t, err)
	before := s.CurrentVersion()
	_, err = txn.Commit()
	require.ErrorIs(t, err, core.ErrConflict, "the scanned range lost its live key")
	require.Equal(t, before, s.CurrentVersion(), "a conflict assigns no version")
}

// Removing the expired value is a change to the range too: the removal
// takes a version, and the scan depended on what was stored.
func TestTxnScanOverExpiredSeesItsRemoval(t *testing.T) {
	s, txn, ns := scanOverExpired(t)
	res, err := s.RemoveExpired(s.FindExpired(s.Now(), 0))
	require.NoError(t, err)
	require.Equal(t, 1, res.Removed)
	_, err = txn.Commit()
	require.ErrorIs(t, err, core.ErrConflict)
	_, err = s.Get(core.KVKey(ns, "out"))
	require.ErrorIs(t, err, core.ErrNotFound)
}
