package mvcc

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
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
// random writes, and checks the result against a model.
func fxCheckBatch(t *testing.T, rng *rand.Rand, n, k int) {
	s, clk := fxStore()
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
	model := fxModel{}
	if n > 0 {
		_, err := s.Update(func(txn *Txn) error {
			for _, i := range rng.Perm(universe)[:n] {
				kk, tt := key(i), ttl()
				if err := txn.Put(kk, core.Int64Value(int64(i)), tt); err != nil {
					return err
				}
				model[string(kk.Encode())] = core.Entry{Key: kk, Value: core.VersionedValue{Value: core.Int64Value(int64(i)), Version: 1, Timestamp: clk.Now(), TTL: tt}}
			}
			return nil
		})
		require.NoError(t, err)
	}
	require.Equal(t, len(model), s.Stats().Keys)
	clk.Advance(time.Second) // some keys expired, still stored
	before := s.Snapshot()
	beforeEntries := fxCollect(before.All())
	beforeRoot := s.root.Load()

	txn := s.Begin()
	next := s.CurrentVersion() + 1
	now := s.Now()
	want := maps.Clone(model)
	final := map[string]bool{} // encoded key -> the txn's last write is a put
	for range k {
		kk := key(rng.IntN(universe))
		enc := string(kk.Encode())
		if rng.IntN(3) == 0 {
			if err := txn.Delete(kk); err != nil {
				require.ErrorIs(t, err, core.ErrNotFound)
				continue
			}
			delete(want, enc)
			final[enc] = false
			continue
		}
		v, tt := core.Int64Value(rng.Int64()), ttl()
		require.NoError(t, txn.Put(kk, v, tt))
		want[enc] = core.Entry{Key: kk, Value: core.VersionedValue{Value: v, Version: next, Timestamp: now, TTL: tt}}
		final[enc] = true
	}
	changed := false // a put, or a delete of a stored key
	for enc, put := range final {
		_, stored := model[enc]
		changed = changed || put || stored
	}
	v, err := txn.Commit()
	require.NoError(t, err)
	if !changed {
		require.Equal(t, next-1, v)
		require.Same(t, beforeRoot, s.root.Load(), "a commit changing nothing publishes nothing")
		return
	}
	require.Equal(t, next, v)
	st := s.root.Load().cur
	checkIndices(t, st)
	require.Equal(t, len(want), st.data.Len())
	for enc, e := range want {
		r, ok := st.get(enc)
		require.True(t, ok, "%s missing", e.Key)
		require.True(t, keyOf(enc).Equal(e.Key))
		fxRequireVV(t, e.Value, r.public(), e.Key.String())
	}
	// Live reads agree with the model judged now.
	fxRequireEntries(t, want.live(s.Now()), fxCollect(s.Snapshot().All()))
	// The older state is untouched.
	fxRequireEntries(t, beforeEntries, fxCollect(before.All()))
	checkIndices(t, before.st)
	require.Equal(t, len(model), before.Len())
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
