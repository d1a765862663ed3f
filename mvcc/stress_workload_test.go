package mvcc_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/inmemdb/inmem/mvcc/mvcctest"
)

// TestStressWorkloads runs read-heavy (90% reads), write-heavy (90% writes)
// and mixed workloads with deletes, from several goroutines at once, on keys
// that share namespaces, runs and types. Each goroutine owns its keys, so it
// knows what each must hold: every read must see the goroutine's own last
// write (or its delete). At the end the store holds exactly the union of
// what the goroutines expect, and CheckIndices passes.
func TestStressWorkloads(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test: skipped under -short")
	}
	workloads := []struct {
		name            string
		readPct, delPct int // of all operations; the rest are puts
	}{
		{"read-heavy 90/10", 90, 3},
		{"write-heavy 10/90", 10, 20},
		{"mixed with deletes", 50, 25},
	}
	const goroutines, ops, keysEach = 8, 4000, 64
	for wi, wl := range workloads {
		t.Run(wl.name, func(t *testing.T) {
			s := mvcc.New()
			expect := make([]map[string]core.Entry, goroutines)
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					expect[g] = workload(t, s, g, uint64(wi), ops, keysEach, wl.readPct, wl.delPct)
				}()
			}
			waitGroup(t, &wg, "the workload goroutines")
			var want []core.Entry
			for _, m := range expect {
				for _, e := range m {
					want = append(want, e)
				}
			}
			slices.SortFunc(want, func(a, b core.Entry) int { return a.Key.Compare(b.Key) })
			if d := diffEntries(collect(s.Snapshot().All()), want, true); d != "" {
				t.Fatalf("the store does not hold what the goroutines wrote: %s", d)
			}
			if err := mvcctest.CheckIndices(s); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// workload runs one goroutine's operations on its own keys and returns what
// they must hold at the end.
func workload(t *testing.T, s *mvcc.Store, g int, seed uint64, ops, keys, readPct, delPct int) map[string]core.Entry {
	rng := rand.New(rand.NewPCG(seed, uint64(g)))
	mine := map[string]core.Entry{}
	key := func(i int) core.Key {
		ns := core.Namespace{Tenant: "w", App: fmt.Sprint(i % 4), RunID: core.RunID{byte(i % 3)}}
		if i%2 == 0 {
			return core.KVKey(ns, fmt.Sprintf("g%d-%d", g, i))
		}
		return core.StateKey(ns, fmt.Sprintf("g%d-%d", g, i))
	}
	for op := range ops {
		k := key(rng.IntN(keys))
		id := string(k.Encode())
		want, ok := mine[id]
		switch p := rng.IntN(100); {
		case p < readPct:
			vv, err := s.Get(k)
			if !ok && !errors.Is(err, core.ErrNotFound) || ok && (err != nil || vv.Version != want.Value.Version || !vv.Value.Equal(want.Value.Value)) {
				t.Errorf("goroutine %d: Get(%s) = %v, %v; want %v (present %v)", g, k, vv, err, want.Value, ok)
				return mine
			}
		case p < readPct+delPct:
			vv, err := s.Delete(k)
			if !ok && !errors.Is(err, core.ErrNotFound) || ok && (err != nil || vv.Version != want.Value.Version) {
				t.Errorf("goroutine %d: Delete(%s) = %v, %v; want %v (present %v)", g, k, vv, err, want.Value, ok)
				return mine
			}
			delete(mine, id)
		default:
			val := core.Int64Value(int64(op))
			v, err := s.Put(k, val, 0)
			if err != nil {
				t.Errorf("goroutine %d: Put(%s): %v", g, k, err)
				return mine
			}
			vv, _ := s.Get(k)
			mine[id] = core.Entry{Key: k, Value: core.VersionedValue{Value: val, Version: v, Timestamp: vv.Timestamp}}
		}
	}
	return mine
}
