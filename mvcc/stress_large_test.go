package mvcc_test

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// largeStore is the store the large stress tests share, built once: one big
// run with bigRunKeys keys in one namespace and type, and smallRuns runs of
// smallRunKeys keys each (half KV, half Event, in two namespaces per run).
// Without -race it holds 1,000,000 keys; under -race (about ten times
// slower) 200,000, with the 100,000-key run unchanged.
type largeStore struct {
	s         *mvcc.Store
	bigNS     core.Namespace
	smallRuns int
	keys      int
}

const (
	bigRunKeys   = 100_000
	smallRunKeys = 100
)

var (
	largeOnce sync.Once
	large     *largeStore
	largeErr  error
)

func smallRunsCount() int {
	if raceEnabled {
		return 1_000 // 100,000 keys besides the big run: 200,000 in all
	}
	return 9_000 // 900,000 keys besides the big run: 1,000,000 in all
}

func runID(i int) core.RunID {
	var r core.RunID
	binary.BigEndian.PutUint64(r[8:], uint64(i)+1)
	return r
}

func smallNS(run, half int) core.Namespace {
	return core.Namespace{Tenant: "small", App: "app", Agent: fmt.Sprintf("agent%d", half), RunID: runID(run)}
}

// smallKey is key j of small run i: even j are KV keys, odd j Event keys; the
// first half of the keys in the run's first namespace.
func smallKey(i, j int) core.Key {
	ns := smallNS(i, j*2/smallRunKeys)
	if j%2 == 0 {
		return core.KVKey(ns, fmt.Sprintf("k%04d", j))
	}
	return core.EventKey(ns, uint64(j))
}

func bigKey(ns core.Namespace, j int) core.Key { return core.KVKey(ns, fmt.Sprintf("%08d", j)) }

func valueOf(i, j int) core.Value { return core.Int64Value(int64(i)*1_000_000 + int64(j)) }

// largeFixture builds the shared store with Put, one key per version.
func largeFixture(t *testing.T) *largeStore {
	t.Helper()
	if testing.Short() {
		t.Skip("large stress test: skipped under -short")
	}
	largeOnce.Do(func() {
		ls := &largeStore{s: mvcc.New(), bigNS: core.Namespace{Tenant: "big", App: "app", Agent: "agent", RunID: runID(-1)}, smallRuns: smallRunsCount()}
		for j := range bigRunKeys {
			if _, err := ls.s.Put(bigKey(ls.bigNS, j), valueOf(-1, j), 0); err != nil {
				largeErr = err
				return
			}
		}
		for i := range ls.smallRuns {
			for j := range smallRunKeys {
				if _, err := ls.s.Put(smallKey(i, j), valueOf(i, j), 0); err != nil {
					largeErr = err
					return
				}
			}
		}
		ls.keys = bigRunKeys + ls.smallRuns*smallRunKeys
		large = ls
	})
	if largeErr != nil {
		t.Fatalf("building the large store: %v", largeErr)
	}
	return large
}

// TestStressMillionKeys: every one of the keys inserted (1,000,000; 200,000
// under -race) reads back with its value and its version, and the version
// count is exact.
func TestStressMillionKeys(t *testing.T) {
	ls := largeFixture(t)
	if got := ls.s.CurrentVersion(); got != uint64(ls.keys) {
		t.Fatalf("CurrentVersion() = %d, want %d", got, ls.keys)
	}
	if st := ls.s.Stats(); st.Keys != ls.keys {
		t.Fatalf("Stats().Keys = %d, want %d", st.Keys, ls.keys)
	}
	for j := range bigRunKeys {
		vv, err := ls.s.Get(bigKey(ls.bigNS, j))
		if err != nil || !vv.Value.Equal(valueOf(-1, j)) || vv.Version != uint64(j)+1 {
			t.Fatalf("Get(big %d) = %v, %v; want %v at version %d", j, vv, err, valueOf(-1, j), j+1)
		}
	}
	for i := range ls.smallRuns {
		for j := range smallRunKeys {
			want := uint64(bigRunKeys + i*smallRunKeys + j + 1)
			vv, err := ls.s.Get(smallKey(i, j))
			if err != nil || !vv.Value.Equal(valueOf(i, j)) || vv.Version != want {
				t.Fatalf("Get(run %d key %d) = %v, %v; want %v at version %d", i, j, vv, err, valueOf(i, j), want)
			}
		}
	}
	if n := len(collect(ls.s.Snapshot().All())); n != ls.keys {
		t.Fatalf("Snapshot().All() yields %d entries, want %d", n, ls.keys)
	}
}

// TestStressScan100K: a prefix scan, a run scan and a snapshot's Prefix
// iterator over the big run each return its 100,000 entries, in key order,
// with their values.
func TestStressScan100K(t *testing.T) {
	ls := largeFixture(t)
	prefix := core.KVKey(ls.bigNS, "")
	check := func(name string, es []core.Entry, err error) {
		t.Helper()
		if err != nil || len(es) != bigRunKeys {
			t.Fatalf("%s: %d entries, %v; want %d", name, len(es), err, bigRunKeys)
		}
		for j, e := range es {
			if !e.Key.Equal(bigKey(ls.bigNS, j)) || !e.Value.Value.Equal(valueOf(-1, j)) {
				t.Fatalf("%s: entry %d is %s = %v, want %s = %v", name, j, e.Key, e.Value.Value, bigKey(ls.bigNS, j), valueOf(-1, j))
			}
		}
	}
	es, err := ls.s.ScanPrefix(prefix, core.Latest)
	check("ScanPrefix", es, err)
	es, err = ls.s.ScanByRun(ls.bigNS.RunID, core.Latest)
	check("ScanByRun", es, err)
	check("Snapshot.Prefix", collect(ls.s.Snapshot().Prefix(prefix)), nil)
	es, err = ls.s.ScanPrefix(core.KVKey(ls.bigNS, "0009"), core.Latest)
	if err != nil || len(es) != 10_000 || !es[0].Key.Equal(bigKey(ls.bigNS, 90_000)) {
		t.Fatalf("ScanPrefix(0009) = %d entries, %v; want 10000 from key 90000", len(es), err)
	}
}

// TestStressScanByRunLarge: on the large store, ScanByRun of runs spread over
// it returns exactly each run's keys (two namespaces, two types), in key
// order, and a run with no keys returns nothing; ScanByType counts add up.
func TestStressScanByRunLarge(t *testing.T) {
	ls := largeFixture(t)
	for _, i := range []int{0, 1, ls.smallRuns / 2, ls.smallRuns - 1} {
		es, err := ls.s.ScanByRun(runID(i), core.Latest)
		if err != nil || len(es) != smallRunKeys {
			t.Fatalf("ScanByRun(run %d) = %d entries, %v; want %d", i, len(es), err, smallRunKeys)
		}
		want := make([]core.Entry, 0, smallRunKeys)
		for j := range smallRunKeys {
			want = append(want, core.Entry{Key: smallKey(i, j), Value: core.VersionedValue{Value: valueOf(i, j)}})
		}
		slices.SortFunc(want, func(a, b core.Entry) int { return a.Key.Compare(b.Key) })
		for j, e := range es {
			if !e.Key.Equal(want[j].Key) || !e.Value.Value.Equal(want[j].Value.Value) {
				t.Fatalf("ScanByRun(run %d)[%d] = %s = %v, want %s = %v", i, j, e.Key, e.Value.Value, want[j].Key, want[j].Value.Value)
			}
		}
	}
	if es, err := ls.s.ScanByRun(runID(ls.smallRuns+5), core.Latest); err != nil || len(es) != 0 {
		t.Fatalf("ScanByRun(a run with no keys) = %d entries, %v", len(es), err)
	}
	events, err := ls.s.ScanByType(core.TypeEvent, core.Latest)
	if want := ls.smallRuns * smallRunKeys / 2; err != nil || len(events) != want {
		t.Fatalf("ScanByType(Event) = %d entries, %v; want %d", len(events), err, want)
	}
	if st := ls.s.Stats(); st.Runs != 1+2*ls.smallRuns {
		t.Fatalf("Stats().Runs = %d, want %d (run, namespace) pairs", st.Runs, 1+2*ls.smallRuns)
	}
}
