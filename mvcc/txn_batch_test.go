package mvcc

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/proptest"
	"github.com/stretchr/testify/require"
)

// Bulk commits: a transaction's writes land in one version whatever way the
// commit applies them (path copies into a large map, or a rebuild when the
// batch is large against the map), with exact indices, and without touching
// the state older snapshots hold.

func TestTxnCommitBatches(t *testing.T) {
	storeSizes := []int{0, 3, 40, 400}
	txnSizes := []int{1, 2, 10, 120}
	seeds := 3
	if testing.Short() {
		seeds = 1
	}
	for _, n := range storeSizes {
		for _, k := range txnSizes {
			for seed := range uint64(seeds) {
				t.Run(fmt.Sprintf("store%d/txn%d/seed%d", n, k, seed), func(t *testing.T) {
					fxCheckBatch(t, rand.New(rand.NewPCG(seed, uint64(n*1000+k))), n, k)
				})
			}
		}
	}
}

// fxCheckBatch fills a store with n keys, commits one transaction of k
// random writes, and checks the result against the model (proptest.Model)
// given the same writes.
func fxCheckBatch(t *testing.T, rng *rand.Rand, n, k int) {
	s, clk := fxStore()
	m := proptest.NewModel(clk)
	nss := []core.Namespace{fxNS("a", "x", 1), fxNS("b", "y", 2), fxNS("c", "z", 1)}
	universe := max(2*n, 2*k, 4)
	key := func(i int) core.Key {
		return core.NewKey(nss[i%len(nss)], core.TypeTag(i/len(nss)%3), fmt.Appendf(nil, "%05d", i))
	}
	ttl := func() time.Duration {
		if rng.IntN(2) == 0 {
			return 0
		}
		return time.Duration(1+rng.IntN(3)) * time.Second
	}
	if n > 0 {
		type put struct {
			k   core.Key
			i   int
			ttl time.Duration
		}
		var puts []put
		for _, i := range rng.Perm(universe)[:n] {
			puts = append(puts, put{key(i), i, ttl()})
		}
		fill := func(txn core.Txn) error {
			for _, p := range puts {
				if err := txn.Put(p.k, core.Int64Value(int64(p.i)), p.ttl); err != nil {
					return err
				}
			}
			return nil
		}
		v, err := s.UpdateTxn(fill)
		require.NoError(t, err)
		want, err := m.UpdateTxn(fill)
		require.NoError(t, err)
		require.Equal(t, want, v)
	}
	require.Equal(t, len(m.Stored()), s.Stats().Keys)
	clk.Advance(time.Second) // some keys expired, still stored
	before := s.Snapshot()
	beforeEntries := fxCollect(before.All())
	beforeRoot := s.root.Load()
	beforeLen := len(m.Stored())

	txn, mtxn := s.Begin(), m.Begin()
	for range k {
		kk := key(rng.IntN(universe))
		if rng.IntN(3) == 0 {
			err, want := txn.Delete(kk), mtxn.Delete(kk)
			if want != nil {
				require.ErrorIs(t, err, core.ErrNotFound)
				continue
			}
			require.NoError(t, err)
			continue
		}
		v, tt := core.Int64Value(rng.Int64()), ttl()
		require.NoError(t, txn.Put(kk, v, tt))
		require.NoError(t, mtxn.Put(kk, v, tt))
	}
	next := s.CurrentVersion() + 1
	v, err := txn.Commit()
	require.NoError(t, err)
	want, err := mtxn.Commit()
	require.NoError(t, err)
	require.Equal(t, want, v)
	if v != next {
		require.Same(t, beforeRoot, s.root.Load(), "a commit changing nothing publishes nothing")
		return
	}
	st := s.root.Load().cur
	checkIndices(t, st)
	stored := m.Stored()
	require.Equal(t, len(stored), st.data.Len())
	for _, e := range stored {
		enc := string(e.Key.Encode())
		r, ok := st.get(enc)
		require.True(t, ok, "%s missing", e.Key)
		require.True(t, keyOf(enc).Equal(e.Key))
		fxRequireVV(t, e.Value, r.public(), e.Key.String())
	}
	// Live reads agree with the model judged now.
	fxRequireEntries(t, fxCollect(m.Snapshot().All()), fxCollect(s.Snapshot().All()))
	// The older state is untouched.
	fxRequireEntries(t, beforeEntries, fxCollect(before.All()))
	checkIndices(t, before.st)
	require.Equal(t, beforeLen, before.Len())
}

func TestTxnPutThenDeleteInOneTxn(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	k := core.KVKey(ns, "k")
	txn := s.Begin()
	require.NoError(t, txn.Put(k, core.NullValue(), 0))
	require.NoError(t, txn.Delete(k), "deleting its own write")
	_, err := txn.Get(k)
	require.ErrorIs(t, err, core.ErrNotFound)
	r := s.root.Load()
	v, err := txn.Commit()
	require.NoError(t, err)
	require.Equal(t, uint64(0), v, "the writes change nothing: no version")
	fxUnchanged(t, s, r, "a commit that changes nothing")

	fxPut(t, s, k, 1, 0)
	txn = s.Begin()
	require.NoError(t, txn.Delete(k))
	require.NoError(t, txn.Put(k, core.Int64Value(2), 0), "writing after its own delete")
	got, err := txn.Get(k)
	require.NoError(t, err)
	require.Equal(t, int64(2), got.Value.Int64())
	v, err = txn.Commit()
	require.NoError(t, err)
	require.Equal(t, uint64(2), v)
	got, err = s.Get(k)
	require.NoError(t, err)
	require.Equal(t, int64(2), got.Value.Int64())
	checkIndices(t, s.root.Load().cur)
}
