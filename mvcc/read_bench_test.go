package mvcc

import (
	"runtime"
	"sync"
	"testing"

	"github.com/inmemdb/inmem/core"
)

// The benchmarks of the range reads and bulk delete. Reproduce with
//
//	go test -run '^$' -bench 'BenchmarkQuery' -benchmem -count 5 ./mvcc

// benchLogLen is the length of the event log BenchmarkQueryEventLog reads.
const benchLogLen = 200_000

var benchLog struct {
	once sync.Once
	s    *Store
	ns   core.Namespace
}

// benchEventLog returns a store holding one run whose event log has
// benchLogLen entries, built once per process.
func benchEventLog() (*Store, core.Namespace) {
	benchLog.once.Do(func() {
		benchLog.ns = core.Namespace{Tenant: "tenant", App: "app", Agent: "agent", RunID: core.RunID{0x10}}
		benchLog.s = New(WithClock(core.NewManualClock(benchStart)), WithHistory(0))
		for lo := 1; lo <= benchLogLen; lo += 50_000 {
			t := benchLog.s.Begin()
			for i := lo; i < min(benchLogLen+1, lo+50_000); i++ {
				if err := t.Put(core.EventKey(benchLog.ns, uint64(i)), benchValue, 0); err != nil {
					panic(err)
				}
			}
			if _, err := t.Commit(); err != nil {
				panic(err)
			}
		}
		runtime.GC()
	})
	return benchLog.s, benchLog.ns
}

// BenchmarkQueryEventLog reads a 200K-entry event log as "the last 10" and
// as one page of 100 from the middle, against a full ScanPrefix of the log,
// which is what those reads cost before Scan had options.
func BenchmarkQueryEventLog(b *testing.B) {
	s, ns := benchEventLog()
	p := core.NamespacePrefix(ns)
	logPrefix := core.Key{Namespace: ns, Type: core.TypeEvent}
	middle := core.EventKey(ns, benchLogLen/2)
	b.Run("last10", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			n := 0
			for range s.Scan(p, Reverse(), Limit(10)) {
				n++
			}
			if n != 10 {
				b.Fatalf("%d entries", n)
			}
		}
	})
	b.Run("page100", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			n := 0
			for range s.Scan(p, After(middle), Limit(100)) {
				n++
			}
			if n != 100 {
				b.Fatalf("%d entries", n)
			}
		}
	})
	b.Run("ScanPrefixAll", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			es, err := s.ScanPrefix(logPrefix, core.Latest)
			if err != nil || len(es) != benchLogLen {
				b.Fatalf("%d entries, %v", len(es), err)
			}
		}
	})
}

// benchRunLen is the size of the run BenchmarkQueryDeleteRun removes.
const benchRunLen = 10_000

var benchRunStore struct {
	once sync.Once
	s    *Store
	ns   core.Namespace
	keys []core.Key
}

// benchWithRun returns the 100K-key base store plus one run of benchRunLen
// keys, built once per process, and the run's keys.
func benchWithRun(b *testing.B) (*Store, core.Namespace, []core.Key) {
	base, _ := benchBase(b, 100_000, false)
	benchRunStore.once.Do(func() {
		ns := core.Namespace{Tenant: "tenant", App: "app", Agent: "agent-3", RunID: core.RunID{0x77}}
		s := benchClone(base, WithHistory(0))
		t := s.Begin()
		keys := make([]core.Key, benchRunLen)
		for i := range keys {
			keys[i] = core.KVKey(ns, string(benchAppendPadded([]byte("run-"), i)))
			if err := t.Put(keys[i], benchValue, 0); err != nil {
				panic(err)
			}
		}
		if _, err := t.Commit(); err != nil {
			panic(err)
		}
		benchRunStore.s, benchRunStore.ns, benchRunStore.keys = s, ns, keys
		runtime.GC()
	})
	return benchRunStore.s, benchRunStore.ns, benchRunStore.keys
}

// BenchmarkQueryDeleteRun removes a 10K-key run from a store of 100K other
// keys: one DeletePrefix against 10K single Deletes. Each op works on an
// O(1) clone of the same store.
func BenchmarkQueryDeleteRun(b *testing.B) {
	base, ns, keys := benchWithRun(b)
	b.Run("DeletePrefix", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			s := benchClone(base)
			n, _, err := s.DeletePrefix(core.NamespacePrefix(ns))
			if err != nil || n != benchRunLen {
				b.Fatalf("removed %d, %v", n, err)
			}
		}
	})
	b.Run("Deletes", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			s := benchClone(base)
			for _, k := range keys {
				if _, err := s.Delete(k); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
