package mvcc

import (
	"fmt"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// TestScanPrefixLongRange scans prefixes of ranges from empty to spanning
// many leaves (a prefix scan counts its range before it collects), with
// expired keys among them and neighbours on both sides, and checks every
// entry in order, from the store and from a snapshot.
func TestScanPrefixLongRange(t *testing.T) {
	for _, n := range []int{0, 1, 4, 9, 64, 775} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s, clk := fxStore()
			ns := fxNS("t", "scan", 1)
			fxPut(t, s, core.KVKey(fxNS("t", "scam", 1), "before"), -1, 0)
			fxPut(t, s, core.KVKey(fxNS("t", "scao", 1), "after"), -2, 0)
			var want []string
			for i := range n {
				ttl := time.Duration(0)
				if i%5 == 3 {
					ttl = time.Second // expired below
				} else {
					want = append(want, fmt.Sprintf("k%05d", i))
				}
				fxPut(t, s, core.KVKey(ns, fmt.Sprintf("k%05d", i)), int64(i), ttl)
			}
			clk.Advance(time.Minute)
			check := func(es []core.Entry, err error) {
				t.Helper()
				require.NoError(t, err)
				require.Len(t, es, len(want))
				for i, e := range es {
					require.Equal(t, want[i], string(e.Key.UserKey))
					require.Equal(t, ns, e.Key.Namespace)
				}
			}
			check(s.ScanPrefix(core.Key{Namespace: ns, Type: core.TypeKV}, core.Latest))
			check(s.Snapshot().ScanPrefix(core.Key{Namespace: ns, Type: core.TypeKV}))
		})
	}
}
