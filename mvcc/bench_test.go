package mvcc

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"pgregory.net/rapid"
)

// The benchmarks of the package. Large stores are built once per size and
// process (benchBase) and each benchmark works on an O(1) clone of one
// (benchClone): the store is persistent, so a clone shares everything and a
// benchmark's writes never reach the cached base. Reproduce with the
// commands in docs/benchmarks.md.

// benchSizes are the store sizes of the size-dependent benchmarks.
var benchSizes = []struct {
	name string
	n    int
}{{"1K", 1_000}, {"100K", 100_000}, {"1M", 1_000_000}}

// benchPerRun is how many keys each run (namespace) of a base store holds.
const benchPerRun = 100

// benchStart is the clock reading the base stores are built at.
var benchStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

var benchValue = core.StringValue("a value of some thirty-two bytes")

// benchNamespaces returns the namespaces of a base store of n keys: one per
// benchPerRun keys, each with its own run id, built once and shared.
func benchNamespaces(n int) []core.Namespace {
	nss := make([]core.Namespace, max(1, n/benchPerRun))
	for i := range nss {
		var run core.RunID
		run[0], run[1], run[2], run[3] = 0x5a, byte(i>>16), byte(i>>8), byte(i)
		nss[i] = core.Namespace{Tenant: "tenant", App: "app", Agent: "agent-" + strconv.Itoa(i%7), RunID: run}
	}
	return nss
}

// benchKey fills k with key i of a base store (i spread over the
// namespaces), writing the user key into buf; no allocation.
func benchKey(k *core.Key, buf []byte, nss []core.Namespace, prefix string, i int) {
	k.Namespace = nss[i%len(nss)]
	k.Type = core.TypeKV
	b := append(buf[:0], prefix...)
	k.UserKey = benchAppendPadded(b, i)
}

// benchAppendPadded appends i in decimal, zero-padded to 9 digits.
func benchAppendPadded(b []byte, i int) []byte {
	var d [20]byte
	s := strconv.AppendUint(d[:0], uint64(i), 10)
	for range 9 - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}

// benchPerm maps 0..n-1 onto itself in a scattered order.
func benchPerm(i, n int) int { return int(uint64(i) * 2654435761 % uint64(n)) }

type benchBaseStore struct {
	once sync.Once
	s    *Store
	nss  []core.Namespace
}

var benchBases sync.Map // "size/kind" -> *benchBaseStore

// benchBase returns the cached store of n keys "key-%09d" (no TTL), built
// once per process in transactions of 50,000 writes; withTTL builds instead
// one whose every key expires an hour after benchStart.
func benchBase(b *testing.B, n int, withTTL bool) (*Store, []core.Namespace) {
	b.Helper()
	v, _ := benchBases.LoadOrStore(fmt.Sprintf("%d/%v", n, withTTL), &benchBaseStore{})
	bs := v.(*benchBaseStore)
	bs.once.Do(func() {
		bs.nss = benchNamespaces(n)
		bs.s = New(WithClock(core.NewManualClock(benchStart)), WithHistory(0))
		ttl := time.Duration(0)
		if withTTL {
			ttl = time.Hour
		}
		var k core.Key
		buf := make([]byte, 0, 32)
		for lo := 0; lo < n; lo += 50_000 {
			t := bs.s.Begin()
			for i := lo; i < min(n, lo+50_000); i++ {
				benchKey(&k, buf, bs.nss, "key-", i)
				if err := t.Put(k, benchValue, ttl); err != nil {
					panic(err)
				}
			}
			if _, err := t.Commit(); err != nil {
				panic(err)
			}
		}
		runtime.GC()
	})
	return bs.s, bs.nss
}

// benchClone returns a new store, configured by opts (the system clock
// unless opts set another), whose current state is base's: O(1).
func benchClone(base *Store, opts ...Option) *Store {
	s := New(opts...)
	r := &root{cur: base.root.Load().cur}
	if s.cfg.history > 0 {
		r.past = r.past.Push(r.cur.version, r.cur, s.cfg.history+1)
	}
	s.root.Store(r)
	return s
}

// benchRefresh is how many writes a benchmark makes to one clone before it
// starts again on a fresh one, so a store does not drift far from its size.
const benchRefresh = 1 << 14

func BenchmarkPut(b *testing.B) {
	for _, size := range benchSizes {
		// New keys come from a space far larger than the store; overwrites
		// pick among the keys it holds.
		b.Run("new/"+size.name, func(b *testing.B) { benchPuts(b, size.n, "new-", 1<<30) })
		b.Run("overwrite/"+size.name, func(b *testing.B) { benchPuts(b, size.n, "key-", size.n) })
	}
}

// benchPuts puts keys prefix+perm(i, span) into a clone of the n-key base
// store, starting again on a fresh clone every benchRefresh writes.
func benchPuts(b *testing.B, n int, prefix string, span int) {
	base, nss := benchBase(b, n, false)
	s := benchClone(base)
	var k core.Key
	buf := make([]byte, 0, 32)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i%benchRefresh == benchRefresh-1 {
			s = benchClone(base)
		}
		benchKey(&k, buf, nss, prefix, benchPerm(i, span))
		if _, err := s.Put(k, benchValue, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			base, nss := benchBase(b, size.n, false)
			s := benchClone(base)
			var k core.Key
			buf := make([]byte, 0, 32)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				benchKey(&k, buf, nss, "key-", benchPerm(i, size.n))
				if _, err := s.Get(k); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchSnapshotSink keeps the benchmarked snapshots escaping, as a caller's
// would.
var benchSnapshotSink *Snapshot

func BenchmarkSnapshot(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			base, _ := benchBase(b, size.n, false)
			s := benchClone(base)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				benchSnapshotSink = s.Snapshot()
			}
			if benchSnapshotSink.Len() != size.n {
				b.Fatalf("snapshot holds %d keys, want %d", benchSnapshotSink.Len(), size.n)
			}
		})
	}
}

// BenchmarkScanPrefix scans the 100 keys of one namespace of the 1M-key store
// and reports the cost per entry returned.
func BenchmarkScanPrefix(b *testing.B) {
	base, nss := benchBase(b, 1_000_000, false)
	s := benchClone(base)
	b.ReportAllocs()
	b.ResetTimer()
	entries := 0
	for i := range b.N {
		es, err := s.ScanPrefix(core.Key{Namespace: nss[benchPerm(i, len(nss))], Type: core.TypeKV}, core.Latest)
		if err != nil || len(es) != benchPerRun {
			b.Fatalf("scan: %d entries, %v", len(es), err)
		}
		entries += len(es)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(entries), "ns/entry")
}

// BenchmarkScanByRun reads a 10-key run out of a 1K- and a 1M-key store.
func BenchmarkScanByRun(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1K", 1_000}, {"1M", 1_000_000}} {
		b.Run(size.name, func(b *testing.B) {
			base, _ := benchBase(b, size.n, false)
			s := benchClone(base)
			run := core.RunID{0x77, 0x77}
			ns := core.Namespace{Tenant: "tenant", App: "app", Agent: "agent-3", RunID: run}
			for i := range 10 {
				if _, err := s.Put(core.EventKey(ns, uint64(i)), benchValue, 0); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if es, err := s.ScanByRun(run, core.Latest); err != nil || len(es) != 10 {
					b.Fatalf("scan: %d entries, %v", len(es), err)
				}
			}
		})
	}
}

// BenchmarkFindExpired finds the 10 expired keys among 1M keys that all have
// a TTL.
func BenchmarkFindExpired(b *testing.B) {
	base, _ := benchBase(b, 1_000_000, true)
	clock := core.NewManualClock(benchStart)
	s := benchClone(base, WithClock(clock))
	ns := core.Namespace{Tenant: "tenant", App: "app", Agent: "short-lived"}
	for i := range 10 {
		if _, err := s.Put(core.KVKey(ns, strconv.Itoa(i)), benchValue, time.Second); err != nil {
			b.Fatal(err)
		}
	}
	now := clock.Advance(2 * time.Second)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if es := s.FindExpired(now, 0); len(es) != 10 {
			b.Fatalf("found %d expired, want 10", len(es))
		}
	}
}

// BenchmarkCompareAndSwap swaps one key of a 100K-key store, each time
// expecting the version the previous swap returned.
func BenchmarkCompareAndSwap(b *testing.B) {
	base, nss := benchBase(b, 100_000, false)
	s := benchClone(base)
	var k core.Key
	benchKey(&k, nil, nss, "key-", 4242)
	cur, err := s.Get(k)
	if err != nil {
		b.Fatal(err)
	}
	v := cur.Version
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if v, err = s.CompareAndSwap(k, v, benchValue, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriters measures the total throughput of 1 and 2 goroutines
// overwriting random keys of a 100K-key store; ns/op is wall time per put of
// all writers together, commits/group the average size of a group commit
// (Stats: Commits / Groups).
func BenchmarkWriters(b *testing.B) {
	for _, writers := range []int{1, 2} {
		b.Run(strconv.Itoa(writers), func(b *testing.B) {
			base, nss := benchBase(b, 100_000, false)
			s := benchClone(base)
			before := s.Stats()
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var k core.Key
					buf := make([]byte, 0, 32)
					for i := w; i < b.N; i += writers {
						benchKey(&k, buf, nss, "key-", benchPerm(i, 100_000))
						if _, err := s.Put(k, benchValue, 0); err != nil {
							panic(err)
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			after := s.Stats()
			b.ReportMetric(benchGroupSize(before, after), "commits/group")
		})
	}
}

// benchGroupSize is the average group commit size between two Stats.
func benchGroupSize(before, after Stats) float64 {
	g := after.Groups - before.Groups
	if g == 0 {
		return 0
	}
	return float64(after.Commits-before.Commits) / float64(g)
}

// benchBulk is the size of the bulk commits.
const benchBulk = 20_000

// BenchmarkBulk writes 20,000 new keys into an empty and into a 1M-key store,
// as one transaction and as single puts; one op is all 20,000 writes. In
// "spread" the keys fall into the 10,000 namespaces of the 1M-key store, in
// "run" they all belong to one new run.
func BenchmarkBulk(b *testing.B) {
	type layout struct {
		name string
		nss  func(all []core.Namespace) []core.Namespace
	}
	layouts := []layout{
		{"spread", func(all []core.Namespace) []core.Namespace { return all }},
		{"run", func([]core.Namespace) []core.Namespace {
			return []core.Namespace{{Tenant: "tenant", App: "app", Agent: "bulk", RunID: core.RunID{0xb0}}}
		}},
	}
	for _, into := range []struct {
		name string
		n    int
	}{{"empty", 0}, {"1M", 1_000_000}} {
		for _, lay := range layouts {
			for _, how := range []string{"txn", "puts"} {
				b.Run(into.name+"/"+lay.name+"/"+how, func(b *testing.B) {
					var base *Store
					var all []core.Namespace
					if into.n == 0 {
						base, all = New(WithHistory(0)), benchNamespaces(1_000_000)
					} else {
						base, all = benchBase(b, into.n, false)
					}
					nss := lay.nss(all)
					b.ReportAllocs()
					b.ResetTimer()
					for range b.N {
						b.StopTimer()
						s := benchClone(base)
						b.StartTimer()
						benchBulkWrite(b, s, nss, how != "puts")
					}
				})
			}
		}
	}
}

// BenchmarkHistoryMemory measures what a retained version costs at 1M keys:
// two clones of the 1M-key store take the same n overwrites of scattered
// keys, one keeping no history and one keeping n versions; the difference in
// live heap, divided by n, is reported as B/version. One op is the whole
// experiment.
func BenchmarkHistoryMemory(b *testing.B) {
	for _, n := range []int{1024, 8192} {
		b.Run(fmt.Sprintf("1M/%d", n), func(b *testing.B) {
			base, nss := benchBase(b, 1_000_000, false)
			b.ResetTimer()
			var k core.Key
			buf := make([]byte, 0, 32)
			heapAfter := func(history int) uint64 {
				s := benchClone(base, WithHistory(history))
				for i := range n {
					benchKey(&k, buf, nss, "key-", benchPerm(i+1, 1_000_000))
					if _, err := s.Put(k, benchValue, 0); err != nil {
						b.Fatal(err)
					}
				}
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				runtime.KeepAlive(s)
				return ms.HeapAlloc
			}
			var perVersion float64
			b.ReportAllocs()
			for range b.N {
				without := heapAfter(0)
				with := heapAfter(n)
				perVersion += (float64(with) - float64(without)) / float64(n)
			}
			b.ReportMetric(perVersion/float64(b.N), "B/version")
		})
	}
}

// TestSortedWritesOrder checks the prefix-word sort of Commit against a plain
// sort, on keys that share long prefixes, are prefixes of each other or hold
// zero bytes.
func TestSortedWritesOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		prefix := rapid.SampledFrom([]string{"", "namespace-prefix/", "\x00\x00"}).Draw(t, "prefix")
		// Segments of several lengths make groups of keys that share 8,
		// 16 or more bytes past the common prefix, and keys that end
		// inside a word.
		segment := rapid.SampledFrom([]string{"", "a", "a\x00", "tenant-0001", "tenant-0002", "\x00\x01", "run-00000000000000a", "run-00000000000000b"})
		encs := rapid.SliceOfNDistinct(
			rapid.Custom(func(t *rapid.T) string {
				return prefix + segment.Draw(t, "s1") + segment.Draw(t, "s2") + segment.Draw(t, "s3") +
					string(rapid.SliceOfN(rapid.SampledFrom([]byte{0, 1, 'a', 0xff}), 0, 12).Draw(t, "tail"))
			}), 1, 60, rapid.ID[string]).Draw(t, "encs")
		writes := map[string]*txnWrite{}
		for _, e := range encs {
			writes[e] = &txnWrite{enc: e}
		}
		got := sortedWrites(writes)
		slices.Sort(encs)
		for i, w := range got {
			if w.enc != encs[i] {
				t.Fatalf("position %d: %q, want %q (all: %q)", i, w.enc, encs[i], encs)
			}
		}
	})
}

// benchTimed returns how long f took.
func benchTimed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

// benchBulkInto writes benchBulk new keys over nss into a fresh clone of
// base, as one transaction or as single puts.
func benchBulkInto(b *testing.B, base *Store, nss []core.Namespace, txn bool) {
	benchBulkWrite(b, benchClone(base), nss, txn)
}

// benchBulkWrite writes benchBulk new keys over nss into s, as one
// transaction or as single puts.
func benchBulkWrite(b *testing.B, s *Store, nss []core.Namespace, txn bool) {
	var k core.Key
	buf := make([]byte, 0, 32)
	if !txn {
		for i := range benchBulk {
			benchKey(&k, buf, nss, "bulk-", benchPerm(i, benchBulk))
			if _, err := s.Put(k, benchValue, 0); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	t := s.Begin()
	for i := range benchBulk {
		benchKey(&k, buf, nss, "bulk-", benchPerm(i, benchBulk))
		if err := t.Put(k, benchValue, 0); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := t.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBulkRatio is BenchmarkBulk measured side by side: each op runs the
// 20,000-key transaction and the 20,000 single puts twice, in the order txn,
// puts, puts, txn, and the benchmark reports the mean time of each and
// puts/txn, so that load drifting on a shared machine (and the garbage one
// run leaves to the next) weighs on both alike, whatever b.N.
func BenchmarkBulkRatio(b *testing.B) {
	for _, into := range []string{"empty", "1M"} {
		for _, lay := range []string{"spread", "run"} {
			b.Run(into+"/"+lay, func(b *testing.B) {
				base, nss := New(WithHistory(0)), benchNamespaces(1_000_000)
				if into == "1M" {
					base, nss = benchBase(b, 1_000_000, false)
				}
				if lay == "run" {
					nss = []core.Namespace{{Tenant: "tenant", App: "app", Agent: "bulk", RunID: core.RunID{0xb0}}}
				}
				b.ReportAllocs()
				b.ResetTimer()
				var txn, puts time.Duration
				for range b.N {
					txn += benchTimed(func() { benchBulkInto(b, base, nss, true) })
					puts += benchTimed(func() { benchBulkInto(b, base, nss, false) })
					puts += benchTimed(func() { benchBulkInto(b, base, nss, false) })
					txn += benchTimed(func() { benchBulkInto(b, base, nss, true) })
				}
				b.ReportMetric(txn.Seconds()*1e3/float64(2*b.N), "txn-ms")
				b.ReportMetric(puts.Seconds()*1e3/float64(2*b.N), "puts-ms")
				b.ReportMetric(puts.Seconds()/txn.Seconds(), "puts/txn")
			})
		}
	}
}

// BenchmarkWriterModes is BenchmarkWriters measured side by side: each op
// makes 4 rounds of 5,000 overwrites of a 100K-key store with 1 and with 2
// writers, the order alternating from round to round, and reports the wall
// time per put of each and the 2 writers' average group commit size.
func BenchmarkWriterModes(b *testing.B) {
	const rounds, puts = 4, 5_000
	base, nss := benchBase(b, 100_000, false)
	run := func(writers int) (time.Duration, Stats) {
		s := benchClone(base)
		d := benchTimed(func() {
			var wg sync.WaitGroup
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var k core.Key
					buf := make([]byte, 0, 32)
					for i := w; i < puts; i += writers {
						benchKey(&k, buf, nss, "key-", benchPerm(i, 100_000))
						if _, err := s.Put(k, benchValue, 0); err != nil {
							panic(err)
						}
					}
				}()
			}
			wg.Wait()
		})
		return d, s.Stats()
	}
	var total [2]time.Duration
	var commits, groups uint64
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for r := range rounds {
			for j := range 2 {
				w := (r+j)%2 + 1
				d, st := run(w)
				total[w-1] += d
				if w == 2 {
					commits += st.Commits
					groups += st.Groups
				}
			}
		}
	}
	all := float64(b.N * rounds * puts)
	b.ReportMetric(float64(total[0].Nanoseconds())/all, "writers1-ns/put")
	b.ReportMetric(float64(total[1].Nanoseconds())/all, "writers2-ns/put")
	if groups > 0 {
		b.ReportMetric(float64(commits)/float64(groups), "writers2-commits/group")
	}
}
