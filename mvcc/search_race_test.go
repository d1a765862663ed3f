package mvcc

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vecdata"
	"github.com/stretchr/testify/require"
)

// TestSearchWhileWriting runs 8 writers (puts, overwrites, deletes,
// transactions, TTLs, expiry) and 4 searchers on one store with an index.
// Each searcher takes a snapshot (now, or a retained version: SnapshotAt
// rewinds group commits), searches it at several scopes, and counts a
// disagreement for every hit that is not the snapshot's live value of its
// key, and for every index that does not hold exactly the snapshot's
// vectors. There must be none. Run under -race.
func TestSearchWhileWriting(t *testing.T) {
	const dims = 8
	s, clk := fxStore(WithVectorIndex(VectorIndex{Within: core.TenantPrefix("t"), Dims: dims, Metric: core.Euclidean, M: 4, EfConstruction: 16}))
	pool := vecdata.Spec{Seed: 21, Dims: dims, Clusters: 5, Spread: 0.3}.Vectors(200)
	writes := 150
	if raceBuild {
		writes = 60
	}
	var disagreements, searches atomic.Int64
	var writersDone sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 12)
	for w := range 8 {
		writersDone.Add(1)
		go func() {
			defer writersDone.Done()
			r := rand.New(rand.NewPCG(uint64(w), 3))
			ns := fxNS("t", fmt.Sprint("a", w%3), byte(w%2))
			for i := range writes {
				key := core.VectorKey(ns, fmt.Sprint("m", r.IntN(12)))
				vec := core.VectorValue(pool[r.IntN(len(pool))])
				var err error
				switch r.IntN(8) {
				case 0, 1, 2:
					_, err = s.Put(key, vec, 0)
				case 3:
					_, err = s.Put(key, vec, time.Duration(1+r.IntN(3))*time.Second)
				case 4:
					_, err = s.Delete(key)
				case 5:
					_, err = s.Update(func(tx *Txn) error {
						for range 3 {
							if err := tx.Put(core.VectorKey(ns, fmt.Sprint("m", r.IntN(12))), core.VectorValue(pool[r.IntN(len(pool))]), 0); err != nil {
								return err
							}
						}
						return nil
					})
				case 6:
					_, err = s.Put(core.KVKey(ns, fmt.Sprint("note", i)), core.StringValue("x"), 0)
				default:
					if w == 0 {
						clk.Advance(700 * time.Millisecond)
					}
					_, err = s.Expire(2)
				}
				if err != nil && !isNotFound(err) {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		}()
	}
	var searchersDone sync.WaitGroup
	for g := range 4 {
		searchersDone.Add(1)
		go func() {
			defer searchersDone.Done()
			r := rand.New(rand.NewPCG(uint64(g), 4))
			for {
				select {
				case <-stop:
					return
				default:
				}
				sn := s.Snapshot()
				if g%2 == 1 && sn.Version() > 3 {
					if past, err := s.SnapshotAt(sn.Version() - uint64(r.IntN(3))); err == nil {
						sn = past
					}
				}
				query := pool[r.IntN(len(pool))]
				q, _ := core.NewVectorQuery(core.Euclidean, query)
				for _, p := range []core.Prefix{core.TenantPrefix("t"), core.AgentPrefix("t", "app", "a1"), core.NamespacePrefix(fxNS("t", "a2", 1))} {
					hits, err := sn.Search(p, query, 4)
					if err != nil {
						errs <- err
						return
					}
					for _, h := range hits {
						got, err := sn.Get(h.Key)
						if err != nil || !fxEqualVV(got, h.Value) || !p.Match(h.Key) {
							disagreements.Add(1)
							continue
						}
						if sc, _ := q.Score(h.Value.Value); sc != h.Score {
							disagreements.Add(1)
						}
					}
				}
				if vxIndexError(sn.st) != nil {
					disagreements.Add(1)
				}
				searches.Add(1)
			}
		}()
	}
	waitOrFail(t, &writersDone, time.Minute, "the 8 writers")
	close(stop)
	waitOrFail(t, &searchersDone, time.Minute, "the 4 searchers")
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Zero(t, disagreements.Load(), "index/data disagreements")
	require.NotZero(t, searches.Load())
	vxCheckIndexes(t, s.root.Load().cur)
	t.Logf("%d searches, %d versions, %d groups", searches.Load(), s.CurrentVersion(), s.Stats().Groups)
}

// waitOrFail waits for wg, failing the test after d with what it waited for.
func waitOrFail(t *testing.T, wg *sync.WaitGroup, d time.Duration, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("waited %v for %s", d, what)
	}
}
