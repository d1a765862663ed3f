package mvcc

import (
	"runtime"
	"testing"

	"github.com/inmemdb/inmem/core"
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
