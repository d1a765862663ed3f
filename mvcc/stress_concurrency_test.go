package mvcc_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/inmemdb/inmem/mvcc/mvcctest"
)

// TestStressGaplessVersions: 100 goroutines x 1000 puts get exactly the
// versions 1..100,000, each once, and every key holds the value of the write
// that returned its version.
func TestStressGaplessVersions(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test: skipped under -short")
	}
	const writers = 100
	const puts = 1000
	s := mvcc.New()
	ns := core.Namespace{Tenant: "gapless"}
	versions := make([][]uint64, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range puts {
				// Half of the writers share keys, so writes to one key race.
				k := core.KVKey(ns, fmt.Sprintf("w%03d-%04d", w%50, i))
				v, err := s.Put(k, core.Int64Value(int64(w)), 0)
				if err != nil {
					t.Errorf("Put: %v", err)
					return
				}
				versions[w] = append(versions[w], v)
			}
		}()
	}
	waitGroup(t, &wg, "the writers")
	all := slices.Concat(versions...)
	slices.Sort(all)
	if len(all) != writers*puts {
		t.Fatalf("%d versions returned, want %d", len(all), writers*puts)
	}
	for i, v := range all {
		if v != uint64(i)+1 {
			t.Fatalf("sorted versions[%d] = %d, want %d: versions are not exactly 1..%d", i, v, i+1, writers*puts)
		}
	}
	if got := s.CurrentVersion(); got != uint64(writers*puts) {
		t.Fatalf("CurrentVersion() = %d, want %d", got, writers*puts)
	}
	// Each key holds the write with the highest version of the two
	// writers that shared it.
	for w := range writers / 2 {
		for i := range puts {
			win := w
			if versions[w+50][i] > versions[w][i] {
				win = w + 50
			}
			vv, err := s.Get(core.KVKey(ns, fmt.Sprintf("w%03d-%04d", w, i)))
			if err != nil || vv.Version != versions[win][i] || vv.Value.Int64() != int64(win) {
				t.Fatalf("key w%03d-%04d = %v, %v; want writer %d's put at version %d", w, i, vv, err, win, versions[win][i])
			}
		}
	}
	if err := mvcctest.CheckIndices(s); err != nil {
		t.Fatal(err)
	}
}

// TestStressSnapshotsUnderWrites: while writers put new keys (a put-only
// workload, one version per new key), readers take snapshots; each holds
// exactly Version() entries, its reads agree with each other on repetition,
// and a snapshot at version v sees exactly the writes with versions <= v.
func TestStressSnapshotsUnderWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test: skipped under -short")
	}
	const writers, puts, readers, snaps = 4, 3000, 4, 60
	s := mvcc.New()
	run := core.RunID{7}
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ns := core.Namespace{Tenant: fmt.Sprint("w", w), RunID: run}
			for i := range puts {
				if _, err := s.Put(core.EventKey(ns, uint64(i)), core.Int64Value(int64(i)), 0); err != nil {
					t.Errorf("Put: %v", err)
					return
				}
			}
		}()
	}
	var rg sync.WaitGroup
	for range readers {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for range snaps {
				select {
				case <-done:
					return
				default:
				}
				sn := s.Snapshot()
				all := collect(sn.All())
				if uint64(len(all)) != sn.Version() || sn.Len() != len(all) {
					t.Errorf("snapshot at version %d: All() has %d entries, Len() %d", sn.Version(), len(all), sn.Len())
					return
				}
				for _, e := range all {
					if e.Value.Version > sn.Version() {
						t.Errorf("snapshot at version %d holds %s at version %d", sn.Version(), e.Key, e.Value.Version)
						return
					}
				}
				byRun, err := sn.ScanByRun(run)
				if d := diffScan(byRun, err, all, nil, true); d != "" {
					t.Errorf("snapshot at version %d: ScanByRun differs from All: %s", sn.Version(), d)
					return
				}
				if d := diffEntries(collect(sn.All()), all, true); d != "" {
					t.Errorf("snapshot at version %d: a second All() differs: %s", sn.Version(), d)
					return
				}
			}
		}()
	}
	waitGroup(t, &wg, "the writers")
	close(done)
	waitGroup(t, &rg, "the snapshot readers")
	if got := s.CurrentVersion(); got != uint64(writers*puts) {
		t.Fatalf("CurrentVersion() = %d, want %d", got, writers*puts)
	}
	if err := mvcctest.CheckIndices(s); err != nil {
		t.Fatal(err)
	}
}
