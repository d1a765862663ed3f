package mvcc

import (
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// Copy safety: nothing a caller does to a slice it passed in or got back
// changes stored data.

// fxScribble overwrites b and every byte of its spare capacity, as a caller
// appending to it would: what a careless caller might do.
func fxScribble(b []byte) {
	full := b[:cap(b)]
	for i := range full {
		full[i] = 'X'
	}
}

func TestPassedInSlicesAreCopied(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	uk := []byte("key-1")
	payload := []byte("payload")
	_, err := s.Put(core.NewKey(ns, core.TypeKV, uk), core.BytesValue(payload), 0)
	require.NoError(t, err)
	fxScribble(uk)
	fxScribble(payload)

	got, err := s.Get(core.KVKey(ns, "key-1"))
	require.NoError(t, err)
	require.Equal(t, []byte("payload"), got.Value.Bytes())
	_, err = s.Get(core.NewKey(ns, core.TypeKV, uk))
	require.ErrorIs(t, err, core.ErrNotFound)

	// CompareAndSwap and transactions copy too.
	uk2 := []byte("key-2")
	_, err = s.CompareAndSwap(core.NewKey(ns, core.TypeKV, uk2), 0, core.BytesValue(payload), 0)
	require.NoError(t, err)
	fxScribble(uk2)
	uk3, uk4 := []byte("key-3"), []byte("key-4")
	txn := s.Begin()
	require.NoError(t, txn.Put(core.NewKey(ns, core.TypeKV, uk3), core.Int64Value(3), 0))
	require.NoError(t, txn.Put(core.NewKey(ns, core.TypeKV, uk4), core.Int64Value(4), 0))
	fxScribble(uk3) // before the commit
	es, err := txn.ScanPrefix(core.KVKey(ns, ""))
	require.NoError(t, err)
	require.Equal(t, []string{
		core.KVKey(ns, "key-1").String(), core.KVKey(ns, "key-2").String(),
		core.KVKey(ns, "key-3").String(), core.KVKey(ns, "key-4").String(),
	}, fxKeys(es), "the transaction's view is unchanged")
	_, err = txn.Commit()
	require.NoError(t, err)
	fxScribble(uk4)

	all := fxCollect(s.Snapshot().All())
	require.Equal(t, []string{
		core.KVKey(ns, "key-1").String(), core.KVKey(ns, "key-2").String(),
		core.KVKey(ns, "key-3").String(), core.KVKey(ns, "key-4").String(),
	}, fxKeys(all))
	checkIndices(t, s.root.Load().cur)
}

func TestReturnedSlicesAreCopies(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	names := []string{"a1", "a2", "a3"}
	for _, n := range names {
		_, err := s.Put(core.KVKey(ns, n), core.BytesValue([]byte("v-"+n)), time.Second)
		require.NoError(t, err)
	}
	want := fxCollect(s.Snapshot().All())
	require.Len(t, want, 3)
	wantKeys := fxKeys(want)

	check := func(what string) {
		t.Helper()
		got := fxCollect(s.Snapshot().All())
		require.Equal(t, wantKeys, fxKeys(got), what)
		for i, e := range got {
			require.Equal(t, []byte("v-"+names[i]), e.Value.Value.Bytes(), what)
		}
	}
	// scribbleAll changes every returned user key and value copy, in order,
	// then checks that the entries' own keys did not change each other (the
	// keys of one result may share an allocation).
	scribbleAll := func(what string, es []core.Entry) {
		t.Helper()
		require.NotEmpty(t, es, what)
		fxScribble(es[0].Key.UserKey)
		for i := 1; i < len(es); i++ {
			require.Contains(t, names, string(es[i].Key.UserKey), "%s: one returned key changed another", what)
		}
		for _, e := range es {
			fxScribble(e.Key.UserKey)
			fxScribble(e.Value.Value.Bytes())
		}
		check(what)
	}

	sn := s.Snapshot()
	scan, err := s.ScanPrefix(core.KVKey(ns, "a"), core.Latest)
	require.NoError(t, err)
	scribbleAll("ScanPrefix", scan)
	byRun, err := s.ScanByRun(fxRun(1), core.Latest)
	require.NoError(t, err)
	scribbleAll("ScanByRun", byRun)
	byType, err := s.ScanByType(core.TypeKV, core.Latest)
	require.NoError(t, err)
	scribbleAll("ScanByType", byType)
	snScan, err := sn.ScanPrefix(core.KVKey(ns, ""))
	require.NoError(t, err)
	scribbleAll("Snapshot.ScanPrefix", snScan)
	snRun, err := sn.ScanByRun(fxRun(1))
	require.NoError(t, err)
	scribbleAll("Snapshot.ScanByRun", snRun)
	snType, err := sn.ScanByType(core.TypeKV)
	require.NoError(t, err)
	scribbleAll("Snapshot.ScanByType", snType)
	scribbleAll("Snapshot.All", fxCollect(sn.All()))
	scribbleAll("Snapshot.Prefix", fxCollect(sn.Prefix(core.KVKey(ns, "a"))))
	txn := s.Begin()
	txScan, err := txn.ScanPrefix(core.KVKey(ns, ""))
	require.NoError(t, err)
	scribbleAll("Txn.ScanPrefix", txScan)
	txn.Discard()
	scribbleAll("FindExpired", s.FindExpired(clk.Now().Add(time.Second), 0))

	// Single values: Get, GetVersioned, Snapshot.Get, Txn.Get, Delete.
	k := core.KVKey(ns, "a1")
	for _, get := range []func() (core.VersionedValue, error){
		func() (core.VersionedValue, error) { return s.Get(k) },
		func() (core.VersionedValue, error) { return s.GetVersioned(k, core.Latest) },
		func() (core.VersionedValue, error) { return sn.Get(k) },
		func() (core.VersionedValue, error) { return s.Begin().Get(k) },
	} {
		vv, err := get()
		require.NoError(t, err)
		fxScribble(vv.Value.Bytes())
	}
	check("single reads")
	removed, err := s.Delete(k)
	require.NoError(t, err)
	fxScribble(removed.Value.Bytes())
	old, err := sn.Get(k)
	require.NoError(t, err)
	require.Equal(t, []byte("v-a1"), old.Value.Bytes())
}
