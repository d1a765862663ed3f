package core

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Sinks keep the compiler from optimising benchmarked calls away.
var (
	sinkBytes []byte
	sinkInt   int
	sinkKey   Key
	sinkValue Value
)

var benchKey = Key{
	Namespace: Namespace{Tenant: "tenant-0001", App: "support\x00bot", Agent: "triage", RunID: testRun},
	Type:      TypeEvent,
	UserKey:   []byte("event/0000000000000042"),
}

func TestValueIs24Bytes(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the size promise is for 64-bit machines")
	}
	assert.Equal(t, uintptr(24), unsafe.Sizeof(Value{}))
}

func TestZeroAllocations(t *testing.T) {
	s := "a string that is not copied"
	n := int64(12345678)
	f := 3.25
	cases := []struct {
		name string
		fn   func()
	}{
		{"NullValue", func() { sinkValue = NullValue() }},
		{"BoolValue", func() { sinkValue = BoolValue(true) }},
		{"Int64Value", func() { sinkValue = Int64Value(n) }},
		{"Float64Value", func() { sinkValue = Float64Value(f) }},
		{"StringValue", func() { sinkValue = StringValue(s) }},
		{"Value.String of a string", func() { sinkInt = len(sinkValue.String()) }},
		{"Value.Kind", func() { sinkInt = int(sinkValue.Kind()) }},
		{"Value.Int64", func() { sinkInt = int(Int64Value(n).Int64()) }},
		{"Value.Equal", func() { sinkInt = len(sinkValue.String()) + boolInt(StringValue(s).Equal(StringValue(s))) }},
		{"Key.Compare", func() { sinkInt = benchKey.Compare(benchKey) }},
		{"Key.EncodedLen", func() { sinkInt = benchKey.EncodedLen() }},
	}
	sinkValue = StringValue(s)
	for _, tc := range cases {
		assert.Zero(t, testing.AllocsPerRun(100, tc.fn), tc.name)
	}

	buf := make([]byte, 0, 256)
	require.GreaterOrEqual(t, cap(buf), benchKey.EncodedLen())
	allocs := testing.AllocsPerRun(100, func() {
		sinkBytes = benchKey.AppendEncode(buf[:0])
	})
	assert.Zero(t, allocs, "AppendEncode with room")

	// Encode allocates exactly its result.
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { sinkBytes = benchKey.Encode() }), "Encode")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func BenchmarkEncode(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		sinkBytes = benchKey.Encode()
	}
}

func BenchmarkAppendEncode(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 256)
	b.ResetTimer()
	for range b.N {
		buf = benchKey.AppendEncode(buf[:0])
	}
	sinkBytes = buf
}

func BenchmarkEncodedLen(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		sinkInt = benchKey.EncodedLen()
	}
}

func BenchmarkCompare(b *testing.B) {
	other := benchKey
	other.UserKey = []byte("event/0000000000000043")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		sinkInt = benchKey.Compare(other)
	}
}

func BenchmarkDecodeKey(b *testing.B) {
	enc := benchKey.Encode()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		k, err := DecodeKey(enc)
		if err != nil {
			b.Fatal(err)
		}
		sinkKey = k
	}
}

func BenchmarkValueConstructors(b *testing.B) {
	bs := make([]byte, 32)
	arr := []Value{Int64Value(1), StringValue("two"), Float64Value(3), BoolValue(true)}
	m := map[string]Value{"a": Int64Value(1), "b": StringValue("two"), "c": Float64Value(3), "d": BoolValue(true)}
	str := "a string value"
	benches := []struct {
		name string
		fn   func()
	}{
		{"Null", func() { sinkValue = NullValue() }},
		{"Bool", func() { sinkValue = BoolValue(true) }},
		{"Int64", func() { sinkValue = Int64Value(42) }},
		{"Float64", func() { sinkValue = Float64Value(4.2) }},
		{"String", func() { sinkValue = StringValue(str) }},
		{"Bytes32", func() { sinkValue = BytesValue(bs) }},
		{"Array4", func() { sinkValue = ArrayValue(arr...) }},
		{"Map4", func() { sinkValue = MapValue(m) }},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				bb.fn()
			}
		})
	}
}

// BenchmarkValueWalks measures the walks over a value a write makes (Size
// for the store's byte counts, Measure for the acceptance check) and Equal,
// on a JSON object of ten fields and on a document of nested objects and
// arrays.
func BenchmarkValueWalks(b *testing.B) {
	object := func(n int) Value {
		m := make(map[string]Value, n)
		for i := range n {
			m[fmt.Sprintf("field%d", i)] = StringValue("a value of some twenty bytes")
		}
		return MapValue(m)
	}
	doc := make(map[string]Value)
	for i := range 5 {
		doc[fmt.Sprintf("section%d", i)] = ArrayValue(object(4), object(4), Int64Value(int64(i)))
	}
	for _, sh := range []struct {
		name string
		v    Value
	}{{"object10", object(10)}, {"document", MapValue(doc)}} {
		b.Run(sh.name+"/Size", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				_ = sh.v.Size()
			}
		})
		b.Run(sh.name+"/Measure", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				_, _ = sh.v.Measure()
			}
		})
		b.Run(sh.name+"/Equal", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				_ = sh.v.Equal(sh.v)
			}
		})
	}
}
