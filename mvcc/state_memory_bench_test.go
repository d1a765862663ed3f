package mvcc

import (
	"runtime"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/benchgc"
)

// BenchmarkBytesPerKey measures the live heap a store of 1M keys (32-byte
// byte values, 100 keys per namespace) holds per key: right after it was
// loaded by one transaction, whose commit record (one change per key) the
// history window holds while that version is in it, and again once
// 2*DefaultHistory more single puts moved the window past it (the window
// drops old versions a chunk at a time, so DefaultHistory puts are not
// enough). One op is the whole experiment; run it with -benchtime 1x.
func BenchmarkBytesPerKey(b *testing.B) {
	const n = 1_000_000
	nss := benchNamespaces(n)
	val := make([]byte, 32)
	var k core.Key
	buf := make([]byte, 0, 32)
	live := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var loaded, slid float64
	for range b.N {
		before := live()
		s := New()
		_, err := s.Update(func(t *Txn) error {
			for i := range n {
				benchKey(&k, buf, nss, "key-", i)
				if err := t.Put(k, core.BytesValue(val), 0); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		loaded += float64(live()-before) / n
		for i := range 2 * DefaultHistory {
			benchKey(&k, buf, nss, "key-", benchPerm(i, n))
			if _, err := s.Put(k, core.BytesValue(val), 0); err != nil {
				b.Fatal(err)
			}
		}
		slid += float64(live()-before) / n
		runtime.KeepAlive(s)
	}
	b.ReportMetric(loaded/float64(b.N), "B/key-loaded")
	b.ReportMetric(slid/float64(b.N), "B/key-after-window")
}

// BenchmarkHeapMark measures what the collector marks in a store of 1M keys
// (100 keys per namespace, loaded in key order by transactions, no history
// window) by the kind of its values: "bytes", a 31-byte byte value of its
// own per key (as inmembench puts); "bytes-scattered", the same store after
// 1M single puts of new byte values to keys in scattered order, so that
// values sit apart from their neighbours' in memory, as in a store that
// lives long; "shared", one string value for every key (no object per
// value, as BenchmarkPut's base); "int64", an integer (no object per value).
// One op is one forced collection; objects and scannable bytes per key are
// exact, the mark CPU (the runtime's estimate, assists and workers) depends
// on the load.
func BenchmarkHeapMark(b *testing.B) {
	for _, kind := range []string{"bytes", "bytes-scattered", "shared", "int64"} {
		b.Run(kind, func(b *testing.B) {
			const n = 1_000_000
			nss := benchNamespaces(n)
			payload := []byte("a value of some thirty-one byte")
			value := func(i int) core.Value {
				switch kind {
				case "shared":
					return benchValue
				case "int64":
					return core.Int64Value(int64(i))
				}
				return core.BytesValue(payload)
			}
			s := New(WithHistory(0))
			var k core.Key
			buf := make([]byte, 0, 32)
			for lo := 0; lo < n; lo += 50_000 {
				t := s.Begin()
				for i := lo; i < lo+50_000; i++ {
					benchKey(&k, buf, nss, "key-", i)
					if err := t.Put(k, value(i), 0); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := t.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			if kind == "bytes-scattered" {
				for i := range n {
					benchKey(&k, buf, nss, "key-", benchPerm(i, n))
					if _, err := s.Put(k, value(i), 0); err != nil {
						b.Fatal(err)
					}
				}
			}
			benchgc.ReportMark(b, n)
			runtime.KeepAlive(s)
		})
	}
}
