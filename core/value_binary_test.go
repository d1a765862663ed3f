package core

import (
	"bytes"
	"encoding"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

var (
	_ encoding.BinaryMarshaler   = Value{}
	_ encoding.BinaryUnmarshaler = (*Value)(nil)
)

// valueGen draws Values of every kind, nested up to depth levels, with the
// awkward cases common: empty and binary strings, NaN payloads, -0, extreme
// integers, maps whose keys share prefixes.
func valueGen(depth int) *rapid.Generator[Value] {
	return rapid.Custom(func(t *rapid.T) Value {
		k := Kind(rapid.IntRange(0, int(KindVector)).Draw(t, "kind"))
		if depth <= 0 && (k == KindArray || k == KindMap) {
			k = KindVector
		}
		switch k {
		case KindNull:
			return NullValue()
		case KindBool:
			return BoolValue(rapid.Bool().Draw(t, "bool"))
		case KindInt64:
			return Int64Value(rapid.OneOf(rapid.Int64(), rapid.SampledFrom([]int64{0, -1, math.MinInt64, math.MaxInt64})).Draw(t, "int"))
		case KindFloat64:
			return Float64Value(math.Float64frombits(rapid.OneOf(rapid.Uint64(), rapid.SampledFrom([]uint64{
				0, 1 << 63, math.Float64bits(math.NaN()), 0x7ff8000000000123, math.Float64bits(math.Inf(-1)),
			})).Draw(t, "floatBits")))
		case KindString:
			return StringValue(string(bytesGen(8).Draw(t, "string")))
		case KindBytes:
			return BytesValue(bytesGen(8).Draw(t, "bytes"))
		case KindVector:
			bits := rapid.SliceOfN(rapid.OneOf(rapid.Uint32(), rapid.SampledFrom([]uint32{
				0, 1 << 31, math.Float32bits(float32(math.NaN())), 0x7fc00123, math.Float32bits(1.5),
			})), 0, 4).Draw(t, "vectorBits")
			vec := make([]float32, len(bits))
			for i, u := range bits {
				vec[i] = math.Float32frombits(u)
			}
			return VectorValue(vec)
		case KindArray:
			return ArrayValue(rapid.SliceOfN(valueGen(depth-1), 0, 4).Draw(t, "elems")...)
		default:
			keys := rapid.SliceOfN(stringGen(), 0, 4).Draw(t, "keys")
			m := make(map[string]Value, len(keys))
			for _, k := range keys {
				m[k] = valueGen(depth-1).Draw(t, "elem")
			}
			return MapValue(m)
		}
	})
}

func TestPropBinaryRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := valueGen(3).Draw(t, "v")
		prefix := bytesGen(4).Draw(t, "prefix")
		suffix := bytesGen(4).Draw(t, "suffix")

		enc, err := v.MarshalBinary()
		require.NoError(t, err)
		require.Equal(t, len(enc), cap(enc), "MarshalBinary sizes its slice exactly")
		app, err := v.AppendBinary(bytes.Clone(prefix))
		require.NoError(t, err)
		require.Equal(t, concat(prefix, enc), app, "AppendBinary appends MarshalBinary's bytes")

		// Canonical: the encoding of an equal value built afresh is the same.
		again, err := cloneValue(v).MarshalBinary()
		require.NoError(t, err)
		require.Equal(t, enc, again)

		var got Value
		require.NoError(t, got.UnmarshalBinary(enc))
		require.True(t, v.Equal(got), "%v != %v", v, got)

		// DecodeValue reads the value off the front of a longer record.
		rec := concat(enc, suffix)
		d, n, err := DecodeValue(rec)
		require.NoError(t, err)
		require.Equal(t, len(enc), n)
		require.True(t, v.Equal(d))

		// Every strict prefix of an encoding is corrupt.
		cut := rapid.IntRange(0, len(enc)-1).Draw(t, "cut")
		_, _, err = DecodeValue(enc[:cut])
		require.ErrorIs(t, err, ErrCorrupt)
	})
}

// cloneValue rebuilds v through the constructors, so maps get fresh iteration
// orders.
func cloneValue(v Value) Value {
	switch v.Kind() {
	case KindArray:
		a := v.Array()
		for i := range a {
			a[i] = cloneValue(a[i])
		}
		return ArrayValue(a...)
	case KindMap:
		m := map[string]Value{}
		for k, e := range v.Map() {
			m[k] = cloneValue(e)
		}
		return MapValue(m)
	}
	return v
}

func TestPropBinaryEqualIffSameBytes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := valueGen(2).Draw(t, "a")
		b := valueGen(2).Draw(t, "b")
		ea, err := a.MarshalBinary()
		require.NoError(t, err)
		eb, err := b.MarshalBinary()
		require.NoError(t, err)
		require.Equal(t, a.Equal(b), bytes.Equal(ea, eb))
	})
}

func TestBinaryFormat(t *testing.T) {
	tests := []struct {
		v    Value
		want []byte
	}{
		{NullValue(), []byte{0}},
		{BoolValue(false), []byte{1, 0}},
		{BoolValue(true), []byte{1, 1}},
		{Int64Value(-2), []byte{2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}},
		{Float64Value(1), []byte{3, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}},
		{StringValue(""), []byte{4, 0}},
		{StringValue("hé"), []byte{4, 3, 'h', 0xc3, 0xa9}},
		{BytesValue(nil), []byte{5, 0}},
		{BytesValue([]byte{0, 0xff}), []byte{5, 2, 0, 0xff}},
		{ArrayValue(), []byte{6, 0}},
		{ArrayValue(NullValue(), BoolValue(true)), []byte{6, 2, 0, 1, 1}},
		{MapValue(nil), []byte{7, 0}},
		{MapValue(map[string]Value{"b": NullValue(), "a": Int64Value(1), "": NullValue()}),
			[]byte{7, 3, 0, 0, 1, 'a', 2, 0, 0, 0, 0, 0, 0, 0, 1, 1, 'b', 0}},
		{StringValue(strings.Repeat("x", 200)), append([]byte{4, 0xc8, 0x01}, strings.Repeat("x", 200)...)},
		{VectorValue(nil), []byte{8, 0}},
		{VectorValue([]float32{1, -2}), []byte{8, 2, 0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0}},
	}
	for _, tc := range tests {
		got, err := tc.v.MarshalBinary()
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%v", tc.v)
		d, n, err := DecodeValue(tc.want)
		require.NoError(t, err)
		assert.Equal(t, len(tc.want), n)
		assert.True(t, tc.v.Equal(d), "%v", tc.v)
	}
}

func TestDecodeValueCorrupt(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		msg  string
	}{
		{"empty", nil, "no kind byte"},
		{"unknown kind", []byte{0x7f}, "unknown kind byte 0x7f at byte 0"},
		{"bool truncated", []byte{1}, "truncated bool"},
		{"bool byte", []byte{1, 2}, "bool byte 0x02"},
		{"int truncated", []byte{2, 0, 0, 0}, "truncated int64"},
		{"float truncated", []byte{3}, "truncated float64"},
		{"string length missing", []byte{4}, "truncated length"},
		{"string length unfinished", []byte{4, 0x80}, "truncated length"},
		{"string too long", []byte{4, 3, 'a', 'b'}, "length 3 exceeds the 2 bytes left"},
		{"absurd length", []byte{5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, "exceeds"},
		{"length overflow", []byte{5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, "overflows"},
		{"non-shortest length", []byte{4, 0x81, 0x00, 'a'}, "shortest form"},
		{"array count too big", []byte{6, 3, 0, 0}, "length 3 exceeds"},
		{"array element bad", []byte{6, 2, 0, 9}, "unknown kind byte 0x09 at byte 3"},
		{"map count too big", []byte{7, 2, 0, 0, 0}, "length 2 exceeds"},
		{"map key too long", []byte{7, 1, 5, 0}, "length 5 exceeds"},
		{"map value missing", []byte{7, 1, 1, 'a'}, "no kind byte at byte 4"},
		{"map value truncated", []byte{7, 1, 0, 2, 0, 0}, "truncated int64"},
		{"map key bad length", []byte{7, 1, 0x80, 0}, "shortest form"},
		{"map keys unsorted", []byte{7, 2, 1, 'b', 0, 1, 'a', 0}, "out of order"},
		{"map keys repeated", []byte{7, 2, 1, 'a', 0, 1, 'a', 0}, "out of order"},
		{"map empty key repeated", []byte{7, 2, 0, 0, 0, 0}, "out of order"},
		{"vector count too big", []byte{8, 2, 0, 0, 0, 0, 0, 0, 0}, "length 2 exceeds the 7 bytes left"},
		{"vector truncated", []byte{8, 1, 0, 0, 0}, "length 1 exceeds"},
		{"vector length missing", []byte{8}, "truncated length"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, n, err := DecodeValue(tc.in)
			require.ErrorIs(t, err, ErrCorrupt)
			assert.Contains(t, err.Error(), tc.msg)
			assert.True(t, v.Equal(NullValue()))
			assert.Zero(t, n)

			got := StringValue("unchanged")
			require.ErrorIs(t, got.UnmarshalBinary(tc.in), ErrCorrupt)
			assert.Equal(t, "unchanged", got.String())
		})
	}
}

func TestUnmarshalBinaryTrailingBytes(t *testing.T) {
	v := Int64Value(7)
	err := v.UnmarshalBinary([]byte{0, 0})
	require.ErrorIs(t, err, ErrCorrupt)
	assert.Contains(t, err.Error(), "trailing bytes after the value at byte 1")
	assert.Equal(t, int64(7), v.Int64())

	var nilPtr *Value
	require.ErrorIs(t, nilPtr.UnmarshalBinary([]byte{0}), ErrInvalidValue)
}

// nested returns depth arrays (or maps, alternating when mixed) around null.
func nested(depth int, mixed bool) Value {
	v := NullValue()
	for i := 0; i < depth; i++ {
		if mixed && i%2 == 1 {
			v = MapValue(map[string]Value{"k": v})
		} else {
			v = ArrayValue(v)
		}
	}
	return v
}

// wrapArrays puts v inside n arrays.
func wrapArrays(n int, v Value) Value {
	for range n {
		v = ArrayValue(v)
	}
	return v
}

func TestBinaryDepthLimit(t *testing.T) {
	for _, mixed := range []bool{false, true} {
		ok := nested(MaxValueDepth, mixed)
		enc, err := ok.MarshalBinary()
		require.NoError(t, err)
		d, n, err := DecodeValue(enc)
		require.NoError(t, err)
		assert.Equal(t, len(enc), n)
		assert.True(t, ok.Equal(d))

		for _, deep := range []Value{
			nested(MaxValueDepth+1, mixed),
			wrapArrays(MaxValueDepth, MapValue(nil)),
			MapValue(map[string]Value{"a": nested(MaxValueDepth, mixed)}),
			ArrayValue(Int64Value(1), nested(MaxValueDepth, !mixed)),
		} {
			prefix := []byte("head")
			out, err := deep.AppendBinary(prefix)
			require.ErrorIs(t, err, ErrInvalidValue)
			assert.Equal(t, []byte("head"), out, "b returned unextended")
			_, err = deep.MarshalBinary()
			require.ErrorIs(t, err, ErrInvalidValue)
		}
	}

	// Hand-made input nested one level too deep.
	for _, k := range []byte{byte(KindArray), byte(KindMap)} {
		var in []byte
		for i := 0; i < MaxValueDepth; i++ {
			in = append(in, byte(KindArray), 1)
		}
		in = append(in, k, 0)
		_, _, err := DecodeValue(in)
		require.ErrorIs(t, err, ErrCorrupt)
		assert.Contains(t, err.Error(), "nested deeper than 1000")
	}
}

func TestDecodeValueDoesNotAliasInput(t *testing.T) {
	v := MapValue(map[string]Value{"key": StringValue("str"), "b": BytesValue([]byte("raw"))})
	enc, err := v.MarshalBinary()
	require.NoError(t, err)
	d, _, err := DecodeValue(enc)
	require.NoError(t, err)
	for i := range enc {
		enc[i] = 'X'
	}
	assert.True(t, v.Equal(d), "%v", d)
}

func TestAppendBinaryAllocations(t *testing.T) {
	v := benchValue()
	buf := make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		buf, err = v.AppendBinary(buf[:0])
		if err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "AppendBinary with room")
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { sinkBytes, _ = v.MarshalBinary() }), "MarshalBinary")
}

// FuzzDecodeValue checks that DecodeValue never panics, rejects with
// ErrCorrupt, and accepts only canonical encodings: what it decodes encodes
// back to exactly the bytes it consumed.
func FuzzDecodeValue(f *testing.F) {
	for _, v := range append(allKinds(), benchValue(), nested(5, true), Float64Value(math.NaN()), StringValue("\x00\xff")) {
		enc, err := v.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	for _, seed := range [][]byte{
		nil, {0x7f}, {1, 2}, {4, 0x81, 0}, {5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
		{6, 0xff, 0xff, 0x03}, {7, 2, 1, 'b', 0, 1, 'a', 0}, {6, 1, 6, 1, 6, 1, 6, 0}, {0, 0, 0},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		v, n, err := DecodeValue(in)
		if !bytes.Equal(in, orig) {
			t.Fatal("DecodeValue modified its input")
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			if n != 0 {
				t.Fatalf("n = %d on error", n)
			}
			return
		}
		if n <= 0 || n > len(in) {
			t.Fatalf("n = %d for %d bytes", n, len(in))
		}
		enc, err := v.MarshalBinary()
		if err != nil {
			t.Fatalf("re-encoding a decoded value: %v", err)
		}
		if !bytes.Equal(enc, in[:n]) {
			t.Fatalf("not canonical: decoded %x, re-encoded %x", in[:n], enc)
		}
	})
}

func benchValue() Value {
	return MapValue(map[string]Value{
		"id":    Int64Value(42),
		"score": Float64Value(0.75),
		"open":  BoolValue(true),
		"title": StringValue("refund requested for order 1234"),
		"tags":  ArrayValue(StringValue("urgent"), StringValue("billing")),
		"raw":   BytesValue([]byte{0xca, 0xfe, 0xba, 0xbe}),
		"owner": NullValue(),
		"embed": VectorValue([]float32{0.25, -1, 3.5, 0}),
	})
}

func BenchmarkAppendBinary(b *testing.B) {
	v := benchValue()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		buf, _ = v.AppendBinary(buf[:0])
	}
	sinkBytes = buf
}

func BenchmarkMarshalBinary(b *testing.B) {
	v := benchValue()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		sinkBytes, _ = v.MarshalBinary()
	}
}

func BenchmarkDecodeValue(b *testing.B) {
	enc, err := benchValue().MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		v, _, err := DecodeValue(enc)
		if err != nil {
			b.Fatal(err)
		}
		sinkValue = v
	}
}
