package btree

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/immutable"
)

// Benchmarks side by side with immutable.SortedMap, the map the store used before. Keys look
// like the store's: a 60-byte shared prefix and an 8–16 byte suffix. rec is 64 bytes, shaped
// like a stored version (a byte slice, a version, a timestamp, a TTL). The btree keeps rec
// inline in its leaves; immutable keeps a *rec, as the store did. Both maps are persistent, so
// a benchmark that changes a map starts every iteration from the same published base.

type rec struct {
	val     []byte
	version uint64
	ts      time.Time
	ttl     time.Duration
}

// mkrec makes the i-th value, its fields all set like a stored version's.
func mkrec(i int) rec {
	return rec{val: benchVal, version: uint64(i), ts: time.Unix(int64(i), 0), ttl: time.Minute}
}

var benchVal = []byte("value")

type cmpString struct{}

func (cmpString) Compare(a, b string) int { return strings.Compare(a, b) }

const benchPrefix = "ns/agent-run/0123456789abcdef/0123456789abcdef/memory/facts/" // 60 bytes

// seqKey is the i-th key in ascending order: 8 hex digits then 0–8 more bytes.
func seqKey(i int) string {
	return fmt.Sprintf("%s%08x%s", benchPrefix, i, strings.Repeat("z", i%9))
}

// randKey is a key with a random 8–16 byte suffix.
func randKey(r *rand.Rand) string {
	s := strconv.FormatUint(r.Uint64()|1<<63, 16) // 16 hex digits
	return benchPrefix + s[:8+r.IntN(9)]
}

// fixture is a base map of n keys in both implementations, with the keys it holds and keys it
// does not.
type fixture struct {
	keys    []string // in the maps, in insertion order
	absent  []string // not in the maps
	bt      *Map[rec]
	im      *immutable.SortedMap[string, *rec]
	ordered bool
}

var (
	fixMu    sync.Mutex
	keySets  = map[string][2][]string{}
	fixtures = map[string]*fixture{} // kept for the whole run, so every benchmark sees one heap
)

// benchKeys returns (once) n present keys, random or sequential, and 20,000 absent
// ones. Sequential keys are the even seqKeys and their absent keys the odd ones, so a run of
// absent keys is one contiguous key range of the base.
func benchKeys(n int, sequential bool) (keys, absent []string) {
	name := fmt.Sprint(n, sequential)
	if ks, ok := keySets[name]; ok {
		return ks[0], ks[1]
	}
	r := rand.New(rand.NewPCG(uint64(n), 3))
	seen := map[string]bool{}
	next := func(i int) string {
		for {
			k := randKey(r)
			if sequential {
				k = seqKey(i)
			}
			if !seen[k] {
				seen[k] = true
				return k
			}
		}
	}
	for len(keys) < n {
		keys = append(keys, next(2*len(keys)))
	}
	for len(absent) < 20000 {
		absent = append(absent, next(2*len(absent)+1))
	}
	keySets[name] = [2][]string{keys, absent}
	return keys, absent
}

// getFixture returns (once) a base of n keys in both implementations, built by one Edit and by
// immutable's builder.
func getFixture(n int, sequential bool) *fixture {
	fixMu.Lock()
	defer fixMu.Unlock()
	name := fmt.Sprint(n, sequential)
	if f, ok := fixtures[name]; ok {
		return f
	}
	f := &fixture{ordered: sequential}
	f.keys, f.absent = benchKeys(n, sequential)
	e := (*Map[rec])(nil).Edit()
	im := immutable.NewSortedMapBuilder[string, *rec](cmpString{})
	for i, k := range f.keys {
		e.Set(k, mkrec(i))
		r := mkrec(i)
		im.Set(k, &r)
	}
	f.bt, f.im = e.Map(), im.Map()
	fixtures[name] = f
	runtime.GC()
	return f
}

var sizes = []struct {
	name string
	n    int
}{{"1K", 1000}, {"1M", 1000000}}

// quiet switches the test-only owner log off for a benchmark: it would grow without bound
// and charge every Map call for it.
func quiet(b *testing.B) {
	saved := onRetire
	onRetire = nil
	b.Cleanup(func() { onRetire = saved })
}

// eachBase runs body for both sizes and both key orders, btree and immutable side by side.
func eachBase(b *testing.B, body func(b *testing.B, f *fixture, impl string)) {
	quiet(b)
	for _, s := range sizes {
		for _, order := range []string{"random", "seq"} {
			for _, impl := range []string{"btree", "immutable"} {
				b.Run(s.name+"/"+order+"/"+impl, func(b *testing.B) {
					f := getFixture(s.n, order == "seq") // built once, when first run
					b.ResetTimer()
					b.ReportAllocs()
					body(b, f, impl)
				})
			}
		}
	}
}

// BenchmarkPut is the store's single put on a published map: Edit, Set (an existing key, so
// the map keeps its size), Map.
func BenchmarkPut(b *testing.B) {
	eachBase(b, func(b *testing.B, f *fixture, impl string) {
		m, im := f.bt, f.im
		for i := 0; i < b.N; i++ {
			k := f.keys[(i*7919)%len(f.keys)]
			if impl == "btree" {
				e := m.Edit()
				e.Set(k, rec{version: uint64(i)})
				m = e.Map()
			} else {
				im = im.Set(k, &rec{version: uint64(i)})
			}
		}
	})
}

// BenchmarkGet looks up present keys.
func BenchmarkGet(b *testing.B) {
	eachBase(b, func(b *testing.B, f *fixture, impl string) {
		var sum uint64
		for i := 0; i < b.N; i++ {
			k := f.keys[(i*7919)%len(f.keys)]
			if impl == "btree" {
				v, _ := f.bt.Get(k)
				sum += v.version
			} else {
				v, _ := f.im.Get(k)
				sum += v.version
			}
		}
		_ = sum
	})
}

// BenchmarkBatch10K inserts 10,000 absent keys in one Edit and publishes (immutable: 10,000
// Sets). With a random base the keys are random; with a sequential base they are one
// contiguous range interleaved with the base's keys. ns/op is per batch.
func BenchmarkBatch10K(b *testing.B) {
	eachBase(b, func(b *testing.B, f *fixture, impl string) {
		ks := f.absent[:10000]
		for i := 0; i < b.N; i++ {
			if impl == "btree" {
				e := f.bt.Edit()
				for j, k := range ks {
					e.Set(k, rec{version: uint64(j)})
				}
				_ = e.Map()
			} else {
				m := f.im
				for j, k := range ks {
					m = m.Set(k, &rec{version: uint64(j)})
				}
			}
		}
	})
}

// BenchmarkScan100K walks 100,000 entries (the whole map when smaller) in key order from a
// seek; ns/op is per entry.
func BenchmarkScan100K(b *testing.B) {
	eachBase(b, func(b *testing.B, f *fixture, impl string) {
		want := min(100000, len(f.keys))
		var sum uint64
		steps := 0
		for i := 0; i < b.N; i += want {
			steps += want
			n := 0
			if impl == "btree" {
				c := f.bt.Cursor()
				for ok := c.First(); ok && n < want; ok = c.Next() {
					sum += c.Value().version
					n++
				}
			} else {
				it := f.im.Iterator()
				for !it.Done() && n < want {
					_, v, _ := it.Next()
					sum += v.version
					n++
				}
			}
		}
		_ = sum
	})
}

// BenchmarkDelete is a single delete on a published map: Edit, Delete, Map.
func BenchmarkDelete(b *testing.B) {
	eachBase(b, func(b *testing.B, f *fixture, impl string) {
		for i := 0; i < b.N; i++ {
			k := f.keys[(i*7919)%len(f.keys)]
			if impl == "btree" {
				e := f.bt.Edit()
				e.Delete(k)
				_ = e.Map()
			} else {
				_ = f.im.Delete(k)
			}
		}
	})
}

// BenchmarkMemory reports the heap a map of 1M keys retains, per key (key bytes and values
// included), built in random or ascending key order by commits of "batch" keys each (btree:
// one Edit per commit; immutable: one Set per key, cloning the key as the store's encoder
// would). Run it with -benchtime=1x.
func BenchmarkMemory(b *testing.B) {
	quiet(b)
	fixMu.Lock()
	clear(fixtures) // measure against a heap without other maps
	fixMu.Unlock()
	for _, order := range []string{"random", "seq"} {
		keys, _ := benchKeys(1000000, order == "seq")
		for _, impl := range []string{"btree/batch=1", "btree/batch=1000", "immutable"} {
			b.Run(order+"/"+impl, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					before := heapInUse()
					var keep any
					switch impl {
					case "immutable":
						m := immutable.NewSortedMap[string, *rec](cmpString{})
						for j, k := range keys {
							m = m.Set(strings.Clone(k), &rec{version: uint64(j)})
						}
						keep = m
					default:
						batch := 1
						if impl == "btree/batch=1000" {
							batch = 1000
						}
						var m *Map[rec]
						for j := 0; j < len(keys); j += batch {
							e := m.Edit()
							for n, k := range keys[j:min(j+batch, len(keys))] {
								e.Set(k, rec{version: uint64(j + n)})
							}
							m = e.Map()
						}
						keep = m
					}
					after := heapInUse()
					runtime.KeepAlive(keep)
					b.ReportMetric(float64(after-before)/float64(len(keys)), "B/key")
				}
			})
		}
	}
}

func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkLeafSearch compares the leaf key layouts on one full leaf of store-like keys: the
// chosen one (all keys in one block, their shared prefix once, uint32 offsets) against a
// []string per leaf (a header and a separate allocation per key), by binary search for
// present keys.
func BenchmarkLeafSearch(b *testing.B) {
	keys, _ := benchKeys(1000000, false)
	ks := slices.Clone(keys[:leafMax])
	slices.Sort(ks)
	l := &leaf[rec]{w: mkWord(0, len(ks), false), keys: blockOf(ks...)}
	strs := make([]string, len(ks))
	for i, k := range ks {
		strs[i] = strings.Clone(k)
	}
	b.Run("block", func(b *testing.B) {
		n := 0
		for i := 0; i < b.N; i++ {
			j, _ := l.search(ks[i%leafMax])
			n += j
		}
		_ = n
	})
	b.Run("strings", func(b *testing.B) {
		n := 0
		for i := 0; i < b.N; i++ {
			j, _ := slices.BinarySearch(strs, ks[i%leafMax])
			n += j
		}
		_ = n
	})
}
