package mvcc

import (
	"math"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// Bad input changes nothing and wraps the right sentinel.

// fxUnchanged fails the test unless s is still at root r: nothing at all was
// published.
func fxUnchanged(t testing.TB, s *Store, r *root, what string) {
	t.Helper()
	require.Same(t, r, s.root.Load(), "%s published a new root", what)
}

func TestUnknownTypeTagIsInvalidKey(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	good := core.KVKey(ns, "k")
	fxPut(t, s, good, 1, 0)
	r := s.root.Load()
	for _, tag := range []core.TypeTag{6, 7, 200, 255} {
		bad := core.NewKey(ns, tag, []byte("k"))
		ops := map[string]func() error{
			"Put":              func() error { _, err := s.Put(bad, core.NullValue(), 0); return err },
			"Get":              func() error { _, err := s.Get(bad); return err },
			"GetVersioned":     func() error { _, err := s.GetVersioned(bad, 1); return err },
			"Delete":           func() error { _, err := s.Delete(bad); return err },
			"ScanPrefix":       func() error { _, err := s.ScanPrefix(bad, core.Latest); return err },
			"ScanByType":       func() error { _, err := s.ScanByType(tag, core.Latest); return err },
			"CompareAndSwap":   func() error { _, err := s.CompareAndSwap(bad, 0, core.NullValue(), 0); return err },
			"CompareAndDelete": func() error { return s.CompareAndDelete(bad, 1) },
			"Snapshot.Get":     func() error { _, err := s.Snapshot().Get(bad); return err },
			"Snapshot.ScanPrefix": func() error {
				_, err := s.Snapshot().ScanPrefix(bad)
				return err
			},
			"Snapshot.ScanByType": func() error { _, err := s.Snapshot().ScanByType(tag); return err },
			"Txn.Get":             func() error { _, err := s.Begin().Get(bad); return err },
			"Txn.Put":             func() error { return s.Begin().Put(bad, core.NullValue(), 0) },
			"Txn.Delete":          func() error { return s.Begin().Delete(bad) },
			"Txn.ScanPrefix":      func() error { _, err := s.Begin().ScanPrefix(bad); return err },
		}
		for name, op := range ops {
			err := op()
			require.ErrorIs(t, err, core.ErrInvalidKey, "%s with tag %d", name, tag)
			fxUnchanged(t, s, r, name)
		}
		require.Empty(t, fxCollect(s.Snapshot().Prefix(bad)), "Prefix with an invalid key yields nothing")

		// A transaction that met bad input still commits its good writes,
		// and nothing of the bad ones.
		txn := s.Begin()
		require.ErrorIs(t, txn.Put(bad, core.NullValue(), 0), core.ErrInvalidKey)
		require.NoError(t, txn.Put(good, core.Int64Value(int64(tag)), 0))
		v, err := txn.Commit()
		require.NoError(t, err)
		require.Equal(t, r.cur.version+1, v)
		r = s.root.Load()
		require.Equal(t, 1, s.Stats().Keys)
	}
	// Update rejects bad input through fn's error.
	_, err := s.Update(func(txn *Txn) error { return txn.Put(core.NewKey(ns, 9, nil), core.NullValue(), 0) })
	require.ErrorIs(t, err, core.ErrInvalidKey)
	fxUnchanged(t, s, r, "Update")
}

func TestNegativeTTLIsInvalid(t *testing.T) {
	s, _ := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "k")
	fxPut(t, s, k, 1, 0)
	r := s.root.Load()
	for _, ttl := range []time.Duration{-1, -time.Hour, math.MinInt64} {
		_, err := s.Put(k, core.Int64Value(2), ttl)
		require.ErrorIs(t, err, core.ErrInvalidTTL)
		_, err = s.CompareAndSwap(k, 1, core.Int64Value(2), ttl)
		require.ErrorIs(t, err, core.ErrInvalidTTL)
		require.ErrorIs(t, s.Begin().Put(k, core.Int64Value(2), ttl), core.ErrInvalidTTL)
		fxUnchanged(t, s, r, "a negative TTL")
	}
	got, err := s.Get(k)
	require.NoError(t, err)
	require.Equal(t, int64(1), got.Value.Int64())
}

func TestCompareAndSwap(t *testing.T) {
	s, clk := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "lease")

	// expected 0: the key must be absent.
	v1, err := s.CompareAndSwap(k, 0, core.StringValue("agent-1"), time.Minute)
	require.NoError(t, err)
	require.Equal(t, uint64(1), v1)
	r := s.root.Load()
	for _, expected := range []uint64{0, 2, math.MaxUint64} {
		_, err = s.CompareAndSwap(k, expected, core.StringValue("agent-2"), 0)
		require.ErrorIs(t, err, core.ErrVersionMismatch, "expected %d", expected)
		require.Contains(t, err.Error(), "version 1")
		fxUnchanged(t, s, r, "a failed compare-and-swap")
	}
	v2, err := s.CompareAndSwap(k, v1, core.StringValue("agent-1"), time.Minute)
	require.NoError(t, err)
	require.Equal(t, uint64(2), v2)
	got, err := s.Get(k)
	require.NoError(t, err)
	fxRequireVV(t, core.VersionedValue{Value: core.StringValue("agent-1"), Version: 2, Timestamp: clk.Now(), TTL: time.Minute}, got)

	// Expired counts as absent: its old version no longer matches, 0 does.
	clk.Advance(time.Minute)
	r = s.root.Load()
	_, err = s.CompareAndSwap(k, v2, core.StringValue("agent-2"), 0)
	require.ErrorIs(t, err, core.ErrVersionMismatch)
	fxUnchanged(t, s, r, "CAS on an expired key with its old version")
	v3, err := s.CompareAndSwap(k, 0, core.StringValue("agent-2"), 0)
	require.NoError(t, err)
	require.Equal(t, uint64(3), v3)
	checkIndices(t, s.root.Load().cur)
	require.Equal(t, 0, s.Stats().TTLKeys, "the expired value's TTL entry went with it")

	// A deleted key is absent.
	_, err = s.Delete(k)
	require.NoError(t, err)
	_, err = s.CompareAndSwap(k, v3, core.NullValue(), 0)
	require.ErrorIs(t, err, core.ErrVersionMismatch)
	_, err = s.CompareAndSwap(k, 0, core.NullValue(), 0)
	require.NoError(t, err)
}

func TestCompareAndDelete(t *testing.T) {
	s, clk := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "k")
	require.ErrorIs(t, s.CompareAndDelete(k, 0), core.ErrNotFound, "absent")
	require.ErrorIs(t, s.CompareAndDelete(k, 1), core.ErrNotFound, "absent")
	v := fxPut(t, s, k, 1, time.Second)
	r := s.root.Load()
	for _, expected := range []uint64{0, v + 1} {
		err := s.CompareAndDelete(k, expected)
		require.ErrorIs(t, err, core.ErrVersionMismatch, "expected %d", expected)
		fxUnchanged(t, s, r, "a failed compare-and-delete")
	}
	require.NoError(t, s.CompareAndDelete(k, v))
	require.Equal(t, v+1, s.CurrentVersion())
	_, err := s.Get(k)
	require.ErrorIs(t, err, core.ErrNotFound)

	v = fxPut(t, s, k, 2, time.Second)
	clk.Advance(time.Second)
	r = s.root.Load()
	require.ErrorIs(t, s.CompareAndDelete(k, v), core.ErrNotFound, "expired counts as absent")
	fxUnchanged(t, s, r, "compare-and-delete of an expired key")
}

func TestVersionExhaustion(t *testing.T) {
	start := uint64(math.MaxUint64 - 2)
	s, clk := fxStore(WithStartVersion(start))
	require.Equal(t, start, s.CurrentVersion())
	ns := fxNS("t", "a", 1)
	k := core.KVKey(ns, "k")
	v, err := s.Put(k, core.Int64Value(1), time.Second)
	require.NoError(t, err)
	require.Equal(t, uint64(math.MaxUint64-1), v, "the last assignable version")

	r := s.root.Load()
	clk.Advance(time.Second)
	expired := s.FindExpired(s.Now(), 0)
	require.Len(t, expired, 1)
	ops := map[string]func() error{
		"Put":            func() error { _, err := s.Put(core.KVKey(ns, "j"), core.NullValue(), 0); return err },
		"Put overwrite":  func() error { _, err := s.Put(k, core.NullValue(), 0); return err },
		"CompareAndSwap": func() error { _, err := s.CompareAndSwap(k, 0, core.NullValue(), 0); return err },
		"Delete":         func() error { _, err := s.Delete(k); return err },
		"CompareAndDelete": func() error {
			return s.CompareAndDelete(k, v)
		},
		"RemoveExpired": func() error { _, err := s.RemoveExpired(expired); return err },
		"Txn.Commit": func() error {
			txn := s.Begin()
			if err := txn.Put(k, core.NullValue(), 0); err != nil {
				return err
			}
			_, err := txn.Commit()
			return err
		},
		"Update": func() error {
			_, err := s.Update(func(txn *Txn) error { return txn.Put(k, core.NullValue(), 0) })
			return err
		},
	}
	for name, op := range ops {
		require.ErrorIs(t, op(), core.ErrVersionExhausted, name)
		fxUnchanged(t, s, r, name)
		require.Equal(t, uint64(math.MaxUint64-1), s.CurrentVersion())
	}
	// Reads still work; core.Latest was never assigned.
	got, err := s.GetVersioned(k, core.Latest)
	require.ErrorIs(t, err, core.ErrNotFound, "expired")
	require.Zero(t, got.Version)
	require.Equal(t, uint64(math.MaxUint64-1), s.Snapshot().Version())
	// A read-only transaction still commits: it needs no version.
	txn := s.Begin()
	_, err = txn.Get(k)
	require.ErrorIs(t, err, core.ErrNotFound)
	rv, err := txn.Commit()
	require.NoError(t, err)
	require.Equal(t, uint64(math.MaxUint64-1), rv)
}

func TestStartVersionIsClamped(t *testing.T) {
	s, _ := fxStore(WithStartVersion(math.MaxUint64))
	require.Equal(t, uint64(math.MaxUint64-1), s.CurrentVersion())
	_, err := s.Put(core.KVKey(fxNS("t", "a", 1), "k"), core.NullValue(), 0)
	require.ErrorIs(t, err, core.ErrVersionExhausted)

	s, _ = fxStore(WithStartVersion(41))
	require.Equal(t, uint64(42), fxPut(t, s, core.KVKey(fxNS("t", "a", 1), "k"), 1, 0))
}
