package mvcc

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// TestSearchForkSeesItsVersion forks a past version (SnapshotAt) of a store
// with an index, then writes on the store and on the fork apart. At the
// fork, its searches equal the past version's; after each write, each side's
// index holds exactly its own data, its exact searches equal brute force
// over its own snapshot, every indexed hit is its own live value, and the
// past version's snapshot still answers as it did.
func TestSearchForkSeesItsVersion(t *testing.T) {
	idx := WithVectorIndex(VectorIndex{Within: core.TenantPrefix("t"), Dims: 8, M: 4, EfConstruction: 16})
	w := newVXWorld(t, 31, 8, idx)
	for range 120 {
		w.step(t)
	}
	past, err := w.s.SnapshotAt(w.s.CurrentVersion() - 7)
	require.NoError(t, err)
	f, err := past.Fork()
	require.NoError(t, err)
	fw := &vxWorld{s: f, clk: w.clk, r: rand.New(rand.NewPCG(32, 1)), pool: w.pool, nss: w.nss, other: w.other}

	type asked struct {
		p     core.Prefix
		query []float32
		hits  []Hit
	}
	var pastAnswers []asked
	for _, p := range w.scopes() {
		query := w.pool[w.r.IntN(len(w.pool))]
		want, err := past.Search(p, query, 6)
		require.NoError(t, err)
		got, err := f.Search(p, query, 6)
		require.NoError(t, err)
		vxRequireHits(t, want, got, fmt.Sprintf("the fork searches %v as version %d", p, past.Version()))
		pastAnswers = append(pastAnswers, asked{p, query, want})
	}

	for i := range 150 {
		w.step(t)
		fw.step(t)
		for _, side := range []*vxWorld{w, fw} {
			sn := side.s.Snapshot()
			vxCheckIndexes(t, sn.st)
			if i%10 != 0 {
				continue
			}
			for _, p := range side.scopes() {
				query := side.pool[side.r.IntN(len(side.pool))]
				q, _ := core.NewVectorQuery(core.Cosine, query)
				hits, err := sn.Search(p, query, 6)
				require.NoError(t, err)
				vxRequireValidHits(t, sn, p, &q, hits)
				exact, err := sn.Search(p, query, 6, Exact())
				require.NoError(t, err)
				vxRequireHits(t, vxBrute(t, sn, p, query, 6, core.Cosine, nil), exact, fmt.Sprintf("Exact() under %v", p))
			}
		}
	}
	for _, a := range pastAnswers {
		hits, err := past.Search(a.p, a.query, 6)
		require.NoError(t, err)
		vxRequireHits(t, a.hits, hits, fmt.Sprintf("version %d searched again", past.Version()))
	}
	vxCheckIndexes(t, past.st)
}
