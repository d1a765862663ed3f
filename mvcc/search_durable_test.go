package mvcc

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vecdata"
	"github.com/stretchr/testify/require"
)

// TestSearchRecovers: a durable store rebuilds its indexes from what it
// recovers (checkpoint and log), and a restored backup from the backup: the
// indexes hold exactly the recovered vectors and searches answer as before.
func TestSearchRecovers(t *testing.T) {
	const dims = 6
	idx := WithVectorIndex(VectorIndex{Within: core.TenantPrefix("t"), Dims: dims, M: 4, EfConstruction: 16})
	pool := vecdata.Spec{Seed: 9, Dims: dims, Clusters: 4, Spread: 0.3}.Vectors(120)
	clk := core.NewManualClock(fxStart)
	dir := t.TempDir()
	s := fxOpen(t, dir, WithClock(clk), idx)
	ns := fxNS("t", "a", 1)
	write := func(from, to int) {
		for i := from; i < to; i++ {
			key := core.VectorKey(ns, fmt.Sprint(i%40))
			switch {
			case i%7 == 3:
				_, err := s.Delete(key)
				if !isNotFound(err) {
					require.NoError(t, err)
				}
			default:
				ttl := time.Duration(0)
				if i%5 == 0 {
					ttl = time.Minute
				}
				_, err := s.Put(key, core.VectorValue(pool[i%len(pool)]), ttl)
				require.NoError(t, err)
			}
		}
	}
	write(0, 60)
	require.NoError(t, s.Checkpoint())
	write(60, 120)
	query := pool[3]
	want, err := s.Search(core.TenantPrefix("t"), query, 10, Exact())
	require.NoError(t, err)
	var backup bytes.Buffer
	_, err = s.Snapshot().WriteTo(&backup)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	reopened := fxOpen(t, dir, WithClock(clk), idx)
	defer reopened.Close()
	restored, err := Restore(&backup, WithClock(clk), idx)
	require.NoError(t, err)
	for name, r := range map[string]*Store{"reopened": reopened, "restored": restored} {
		vxCheckIndexes(t, r.root.Load().cur)
		exact, err := r.Search(core.TenantPrefix("t"), query, 10, Exact())
		require.NoError(t, err)
		vxRequireHits(t, want, exact, name+" exact")
		hits, err := r.Search(core.TenantPrefix("t"), query, 10, SearchBreadth(200))
		require.NoError(t, err)
		vxRequireHits(t, want, hits, name+" indexed (a breadth above the vectors held finds them all)")
	}
	// Reopened without the option, the store has no index and searches
	// exactly.
	require.NoError(t, reopened.Close())
	plain := fxOpen(t, dir, WithClock(clk))
	require.Empty(t, plain.root.Load().cur.vecs)
	exact, err := plain.Search(core.TenantPrefix("t"), query, 10)
	require.NoError(t, err)
	vxRequireHits(t, want, exact, "no index")
	require.NoError(t, plain.Close())
}
