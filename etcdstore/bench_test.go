package etcdstore

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// The benchmarks run each operation on inmem's mvcc.Store and on the etcd
// store over an embedded 1-member and 3-member cluster (fsync on, loopback
// network, one client), side by side in one process:
//
//	go test -run '^$' -bench . -benchtime 200x -count 3 -benchmem
//
// Each operation's cost on etcd is round trips (see the package
// documentation): put 1 (a transaction through raft and fsync, planned on
// what the store knows of its keys), get 1, ScanByRun 2 (the run index,
// then the range), a snapshot's get 1.

// benchClusters are started on first use, with fsync (unlike the tests'
// shared member), and closed when the package's tests end.
var (
	benchMu       sync.Mutex
	benchClusters = map[int]*cluster{}
	benchDir      string
)

func benchCluster(b *testing.B, members int) *cluster {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if c, ok := benchClusters[members]; ok {
		return c
	}
	if benchDir == "" {
		d, err := os.MkdirTemp("", "etcdstore-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = d
	}
	c, err := startCluster(fmt.Sprintf("%s/%d", benchDir, members), members, false)
	if err != nil {
		b.Fatalf("starting a %d-member cluster: %v", members, err)
	}
	benchClusters[members] = c
	return c
}

// closeBenchClusters stops what the benchmarks started (TestMain calls it).
func closeBenchClusters() {
	benchMu.Lock()
	defer benchMu.Unlock()
	for _, c := range benchClusters {
		c.close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
}

// benchStore is what the benchmarks drive: both stores have these.
type benchStore interface {
	core.Storage
	snapshotGet(k core.Key) (core.VersionedValue, error)
}

type mvccBench struct {
	*mvcc.Store
	sn *mvcc.Snapshot
}

func (m *mvccBench) snapshotGet(k core.Key) (core.VersionedValue, error) {
	if m.sn == nil {
		m.sn = m.Snapshot()
	}
	return m.sn.Get(k)
}

type etcdBench struct {
	*Store
	sn *Snapshot
}

func (e *etcdBench) snapshotGet(k core.Key) (core.VersionedValue, error) {
	if e.sn == nil {
		e.sn = e.Snapshot()
	}
	return e.sn.Get(k)
}

// benchTargets returns the stores to compare, each fresh and empty.
func benchTargets(b *testing.B) []struct {
	name string
	new  func() benchStore
} {
	etcd := func(members int) func() benchStore {
		return func() benchStore {
			c := benchCluster(b, members)
			return &etcdBench{Store: newStoreOn(b, c.cli, newPrefix(b))}
		}
	}
	return []struct {
		name string
		new  func() benchStore
	}{
		{"mvcc", func() benchStore { return &mvccBench{Store: mvcc.New()} }},
		{"etcd-1", etcd(1)},
		{"etcd-3", etcd(3)},
	}
}

const benchKeys = 100 // keys of the run the benchmarks read

func benchKey(ns core.Namespace, i int) core.Key {
	return core.KVKey(ns, fmt.Sprintf("key-%03d", i%benchKeys))
}

// fill writes benchKeys keys into one run of s.
func fill(b *testing.B, s core.Storage, ns core.Namespace) {
	b.Helper()
	for i := range benchKeys {
		if _, err := s.Put(benchKey(ns, i), core.StringValue("a value of some thirty bytes.."), 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPut(b *testing.B) {
	for _, tg := range benchTargets(b) {
		b.Run(tg.name, func(b *testing.B) {
			s, ns := tg.new(), testNS("bench", 1)
			v := core.StringValue("a value of some thirty bytes..")
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := s.Put(benchKey(ns, i), v, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkGet(b *testing.B) {
	for _, tg := range benchTargets(b) {
		b.Run(tg.name, func(b *testing.B) {
			s, ns := tg.new(), testNS("bench", 2)
			fill(b, s, ns)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := s.Get(benchKey(ns, i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkScanByRun100(b *testing.B) {
	for _, tg := range benchTargets(b) {
		b.Run(tg.name, func(b *testing.B) {
			s, ns := tg.new(), testNS("bench", 3)
			fill(b, s, ns)
			fill(b, s, testNS("bench", 4)) // another run beside it
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				es, err := s.ScanByRun(ns.RunID, core.Latest)
				if err != nil || len(es) != benchKeys {
					b.Fatalf("%d entries, %v", len(es), err)
				}
			}
		})
	}
}

func BenchmarkSnapshotGet(b *testing.B) {
	for _, tg := range benchTargets(b) {
		b.Run(tg.name, func(b *testing.B) {
			s, ns := tg.new(), testNS("bench", 5)
			fill(b, s, ns)
			if _, err := s.snapshotGet(benchKey(ns, 0)); err != nil { // take it
				b.Fatal(err)
			}
			fill(b, s, ns) // newer versions the snapshot must not see
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := s.snapshotGet(benchKey(ns, i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
