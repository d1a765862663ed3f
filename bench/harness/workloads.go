package harness

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inmemdb/inmem/bench/dataset"
	"github.com/inmemdb/inmem/bench/systems"
	"github.com/inmemdb/inmem/core"
)

// Workload is one row of the table (per size). Workloads are immutable
// descriptions; running one is not safe concurrently with another run on the
// same system and env.
type Workload struct {
	// ID names the workload for -only.
	ID string
	// Label returns the row's label for a data set.
	Label func(ds *dataset.Set) string
	// Write marks a write workload: B/op and allocs/op are shown.
	Write bool
	// Unit names what one op is when not the operation itself.
	Unit string
	// Garbage marks a workload whose garbage's collection belongs in its
	// cost (writes, and reads with a writer running): each repetition runs
	// until it has allocated at least the live heap (up to Config.MaxTime),
	// so that it pays for about one GC cycle, as a long run would.
	Garbage bool
	// Applies reports whether the system can run the workload.
	Applies func(systems.System) bool
	// Run runs n iterations on sys, timing the measured parts with t, and
	// returns the number of ops done (iterations, or entries for per-entry
	// workloads). It reports a wrong answer from the system as an error.
	Run func(e *env, sys systems.System, t *Timer, n int) (ops int, err error)
}

// env is the state workloads share on one system: the data set, cursors into
// its key order, and a sink the compiler cannot see through.
type env struct {
	ds     *dataset.Set
	cursor int
	sink   any
	extra  map[string]float64 // per-run extras (e.g. commits per group)
}

// live returns the i-th key of the live keys' random order.
func (e *env) liveKey(i int) int { return int(e.ds.Live[i%len(e.ds.Live)]) }

func always(systems.System) bool { return true }

func is[T any](sys systems.System) bool {
	_, ok := sys.(T)
	return ok
}

// Workloads returns every workload, in the table's row order. Bulk load and
// memory are measured while each store is built (see Run).
func Workloads() []*Workload {
	return []*Workload{
		{ID: "put-new", Label: fixed("put, new key"), Write: true, Garbage: true, Applies: always, Run: runPutNew},
		{ID: "put-overwrite", Label: fixed("put, overwrite"), Write: true, Garbage: true, Applies: always, Run: runPutOverwrite},
		{ID: "get", Label: fixed("get"), Applies: always, Run: runGet},
		{ID: "get-under-write", Label: fixed("get, 1 writer running (reader ns/op)"), Garbage: true, Applies: always, Run: runGetUnderWrite},
		{ID: "snapshot", Label: fixed("snapshot"), Applies: is[systems.Snapshotter], Run: runSnapshot},
		{ID: "prefix-scan", Label: func(ds *dataset.Set) string {
			return fmt.Sprintf("prefix scan of %s entries (per entry)", count(ds.BigCount))
		}, Unit: "entry", Applies: always, Run: runPrefixScan},
		{ID: "run-scan", Label: fixed("scan of one 10-key run"), Applies: always, Run: runRunScan},
		{ID: "find-expired", Label: fixed("FindExpired, 10 expired"), Applies: is[systems.ExpiryFinder], Run: runFindExpired},
		{ID: "txn-batch", Label: func(ds *dataset.Set) string {
			return fmt.Sprintf("txn of %s puts (per key)", count(dataset.BatchSize(ds.N)))
		}, Unit: "key", Write: true, Garbage: true, Applies: always, Run: runBatch},
		{ID: "txn-batch-run", Label: func(ds *dataset.Set) string {
			return fmt.Sprintf("txn of %s puts, one run (per key)", count(dataset.BatchSize(ds.N)))
		}, Unit: "key", Write: true, Garbage: true, Applies: always, Run: runBatchRun},
		{ID: "2-writers", Label: fixed("2 writers, overwrite (total ns/op)"), Write: true, Garbage: true, Applies: always, Run: runTwoWriters},
	}
}

// extraGroup is the 2-writers extra of a GroupCommitter: commits per group.
const extraGroup = "commits/group"

// The rows measured while building each store.
const (
	idBulk   = "bulk-load"
	idMemory = "memory"
)

func fixed(s string) func(*dataset.Set) string { return func(*dataset.Set) string { return s } }

// count formats 1000 as 1K and 1000000 as 1M.
func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dK", n/1000)
	}
	return fmt.Sprint(n)
}

func runPutOverwrite(e *env, sys systems.System, t *Timer, n int) (int, error) {
	ds, c := e.ds, e.cursor
	t.Start()
	for i := range n {
		if err := sys.Put(ds.Keys[e.liveKey(c+i)], ds.Updates[(c+i)%len(ds.Updates)]); err != nil {
			t.Stop()
			return 0, err
		}
	}
	t.Stop()
	e.cursor += n
	return n, nil
}

// runPutNew inserts keys absent from the store, at most one batch's worth
// before deleting them again (untimed), so the store stays near its size.
func runPutNew(e *env, sys systems.System, t *Timer, n int) (int, error) {
	ds := e.ds
	for done := 0; done < n; {
		m := min(len(ds.Fresh), n-done)
		t.Start()
		for j := range m {
			if err := sys.Put(ds.Fresh[j], ds.Updates[j%len(ds.Updates)]); err != nil {
				t.Stop()
				return 0, err
			}
		}
		t.Stop()
		if err := deleteAll(sys, ds.Fresh[:m]); err != nil {
			return 0, err
		}
		done += m
	}
	return n, nil
}

func deleteAll(sys systems.System, keys []core.Key) error {
	for _, k := range keys {
		if err := sys.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func runGet(e *env, sys systems.System, t *Timer, n int) (int, error) {
	ds, c := e.ds, e.cursor
	misses := 0
	t.Start()
	for i := range n {
		if !sys.Get(ds.Keys[e.liveKey(c+i)]) {
			misses++
		}
	}
	t.Stop()
	e.cursor += n
	if misses > 0 {
		return 0, fmt.Errorf("get: %d of %d live keys not found", misses, n)
	}
	return n, nil
}

// runGetUnderWrite times n gets while another goroutine overwrites keys
// without pause.
func runGetUnderWrite(e *env, sys systems.System, t *Timer, n int) (int, error) {
	ds, c := e.ds, e.cursor
	var stop atomic.Bool
	var writes atomic.Int64
	errc := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		w := len(ds.Live) / 2 // the writer's keys start half way round
		close(started)
		var err error
		for i := 0; !stop.Load(); i++ {
			if err = sys.Put(ds.Keys[e.liveKey(c+w+i)], ds.Updates[i%len(ds.Updates)]); err != nil {
				break
			}
			writes.Add(1)
		}
		errc <- err
	}()
	<-started
	misses := 0
	t.Start()
	for i := range n {
		if !sys.Get(ds.Keys[e.liveKey(c+i)]) {
			misses++
		}
	}
	t.Stop()
	stop.Store(true)
	if err := <-errc; err != nil {
		return 0, err
	}
	e.cursor += n
	e.extra["writer puts/read"] = float64(writes.Load()) / float64(n)
	if misses > 0 {
		return 0, fmt.Errorf("get under write: %d of %d live keys not found", misses, n)
	}
	return n, nil
}

func runSnapshot(e *env, sys systems.System, t *Timer, n int) (int, error) {
	sn := sys.(systems.Snapshotter)
	var v systems.View
	t.Start()
	for range n {
		v = sn.Snapshot()
	}
	t.Stop()
	e.sink = v
	if v == nil {
		return 0, fmt.Errorf("snapshot: nil view")
	}
	return n, nil
}

func runPrefixScan(e *env, sys systems.System, t *Timer, n int) (int, error) {
	ops := 0
	var r systems.Rows
	t.Start()
	for range n {
		r = sys.ScanPrefix(e.ds.Big)
		ops += r.Len()
	}
	t.Stop()
	e.sink = r
	if ops != n*e.ds.BigCount {
		return 0, fmt.Errorf("prefix scan: %d entries in %d scans, want %d each", ops, n, e.ds.BigCount)
	}
	return ops, nil
}

func runRunScan(e *env, sys systems.System, t *Timer, n int) (int, error) {
	got := 0
	var r systems.Rows
	t.Start()
	for range n {
		r = sys.ScanRun(e.ds.SmallRun)
		got += r.Len()
	}
	t.Stop()
	e.sink = r
	if got != n*dataset.RunSize {
		return 0, fmt.Errorf("run scan: %d entries in %d scans, want %d each", got, n, dataset.RunSize)
	}
	return n, nil
}

func runFindExpired(e *env, sys systems.System, t *Timer, n int) (int, error) {
	fe := sys.(systems.ExpiryFinder)
	now := time.Now().Add(dataset.ExpiringTTL) // the expiring keys are surely expired
	got := 0
	t.Start()
	for range n {
		got += fe.FindExpired(now)
	}
	t.Stop()
	if got != n*dataset.Expiring {
		return 0, fmt.Errorf("find expired: %d in %d calls, want %d each", got, n, dataset.Expiring)
	}
	return n, nil
}

// runBatch commits a batch of new keys spread over runs (Fresh) in one
// transaction per iteration, and deletes them again (untimed).
func runBatch(e *env, sys systems.System, t *Timer, n int) (int, error) {
	return batch(e.ds, e.ds.Fresh, sys, t, n)
}

// runBatchRun is runBatch with the keys of one new run (FreshRun).
func runBatchRun(e *env, sys systems.System, t *Timer, n int) (int, error) {
	return batch(e.ds, e.ds.FreshRun, sys, t, n)
}

func batch(ds *dataset.Set, keys []core.Key, sys systems.System, t *Timer, n int) (int, error) {
	vals := ds.Updates
	vs := make([][]byte, len(keys))
	for i := range vs {
		vs[i] = vals[i%len(vals)]
	}
	for range n {
		t.Start()
		err := sys.Batch(keys, vs)
		t.Stop()
		if err != nil {
			return 0, err
		}
		if err := deleteAll(sys, keys); err != nil {
			return 0, err
		}
	}
	return n * len(keys), nil
}

// runTwoWriters runs n overwrites split between two goroutines that start
// together, on disjoint key sequences.
func runTwoWriters(e *env, sys systems.System, t *Timer, n int) (int, error) {
	ds, c := e.ds, e.cursor
	var c0, g0 uint64
	gc, counts := sys.(systems.GroupCommitter)
	if counts {
		c0, g0 = gc.CommitGroups()
	}
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	gate := make(chan struct{})
	errs := make([]error, 2)
	half := max(n/2, 1)
	for w := range 2 {
		wg.Add(1)
		ready.Add(1)
		go func() {
			defer wg.Done()
			base := c + w*len(ds.Live)/2
			ready.Done()
			<-gate
			for i := range half {
				if err := sys.Put(ds.Keys[e.liveKey(base+i)], ds.Updates[(w+i)%len(ds.Updates)]); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	ready.Wait()
	t.Start()
	close(gate)
	wg.Wait()
	t.Stop()
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	e.cursor += half
	if counts {
		c1, g1 := gc.CommitGroups()
		if g1 > g0 {
			e.extra[extraGroup] = float64(c1-c0) / float64(g1-g0)
		}
	}
	return 2 * half, nil
}
