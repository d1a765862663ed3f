package mvcc

import (
	"fmt"
	"testing"

	"github.com/inmemdb/inmem/core"
)

// benchShapes are values of the shapes agents store: a short string, a JSON
// object of ten fields, and a document of nested objects and arrays.
func benchShapes() []struct {
	name string
	v    core.Value
} {
	object := func(n int) core.Value {
		m := make(map[string]core.Value, n)
		for i := range n {
			m[fmt.Sprintf("field%d", i)] = core.StringValue("a value of some twenty bytes")
		}
		return core.MapValue(m)
	}
	doc := make(map[string]core.Value)
	for i := range 5 {
		doc[fmt.Sprintf("section%d", i)] = core.ArrayValue(object(4), object(4), core.Int64Value(int64(i)))
	}
	return []struct {
		name string
		v    core.Value
	}{
		{"string", core.StringValue("a value of some thirty-two bytes")},
		{"object10", object(10)},
		{"document", core.MapValue(doc)},
	}
}

// BenchmarkPutShapes overwrites one key with values of each shape: what the
// write path costs per shape, the check every write makes of its value
// (core.Value.Measure, one walk) included.
func BenchmarkPutShapes(b *testing.B) {
	for _, sh := range benchShapes() {
		b.Run(sh.name, func(b *testing.B) {
			s := New()
			k := core.KVKey(fxNS("t", "a", 1), "k")
			b.ReportAllocs()
			for range b.N {
				if _, err := s.Put(k, sh.v, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
