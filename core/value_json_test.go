package core

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

var (
	_ json.Marshaler   = Value{}
	_ json.Unmarshaler = (*Value)(nil)
)

func TestMarshalJSON(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{NullValue(), `null`},
		{BoolValue(true), `true`},
		{BoolValue(false), `false`},
		{Int64Value(math.MinInt64), `-9223372036854775808`},
		{Float64Value(1), `1.0`},
		{Float64Value(math.Copysign(0, -1)), `-0.0`},
		{Float64Value(0.1), `0.1`},
		{Float64Value(123456789), `123456789.0`},
		{Float64Value(1e21), `1e+21`},
		{Float64Value(1e-7), `1e-07`},
		{Float64Value(1e20), `100000000000000000000.0`},
		{StringValue(""), `""`},
		{StringValue("a\"b\\c\n\r\t\x01\x1f<&>é🙂"), `"a\"b\\c\n\r\t\u0001\u001f<&>é🙂"`},
		{StringValue("bad\xffutf8\xc3"), `"bad\ufffdutf8\ufffd"`},
		{StringValue("\u2028\u2029"), `"\u2028\u2029"`},
		{BytesValue([]byte{0xca, 0xfe}), `"yv4="`},
		{BytesValue(nil), `""`},
		{VectorValue([]float32{0.1, -2, 1e-7}), `[0.1,-2.0,1e-07]`},
		{VectorValue(nil), `[]`},
		{ArrayValue(), `[]`},
		{ArrayValue(Int64Value(1), StringValue("a"), NullValue()), `[1,"a",null]`},
		{MapValue(nil), `{}`},
		{MapValue(map[string]Value{"b": Int64Value(2), "a": ArrayValue(), "\n": NullValue()}), `{"\n":null,"a":[],"b":2}`},
	}
	for _, tc := range tests {
		got, err := tc.v.MarshalJSON()
		require.NoError(t, err)
		assert.Equal(t, tc.want, string(got), "%v", tc.v)
		assert.True(t, json.Valid(got), "%s", got)
	}
}

func TestMarshalJSONErrors(t *testing.T) {
	for _, v := range []Value{
		Float64Value(math.NaN()),
		Float64Value(math.Inf(1)),
		ArrayValue(Int64Value(1), Float64Value(math.Inf(-1))),
		MapValue(map[string]Value{"a": Float64Value(math.NaN())}),
		VectorValue([]float32{1, float32(math.Inf(1))}),
		nested(MaxValueDepth+1, false),
		nested(MaxValueDepth+1, true),
		wrapArrays(MaxValueDepth, MapValue(nil)),
	} {
		b, err := v.MarshalJSON()
		require.ErrorIs(t, err, ErrInvalidValue, "%v", v)
		assert.Nil(t, b)
		_, err = json.Marshal(v)
		require.ErrorIs(t, err, ErrInvalidValue)
	}
	_, err := nested(MaxValueDepth, true).MarshalJSON()
	require.NoError(t, err)
}

func TestUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Value
	}{
		{`null`, NullValue()},
		{` true `, BoolValue(true)},
		{`-12`, Int64Value(-12)},
		{`9223372036854775807`, Int64Value(math.MaxInt64)},
		{`9223372036854775808`, Float64Value(9223372036854775808)},
		{`1.0`, Float64Value(1)},
		{`-0.0`, Float64Value(math.Copysign(0, -1))},
		{`1e3`, Float64Value(1000)},
		{`"a\u00e9\n"`, StringValue("aé\n")},
		{`[1,"x",[],{}]`, ArrayValue(Int64Value(1), StringValue("x"), ArrayValue(), MapValue(nil))},
		{`{"a":{"b":null},"c":2.5}`, MapValue(map[string]Value{"a": MapValue(map[string]Value{"b": NullValue()}), "c": Float64Value(2.5)})},
		{`{"a":1,"a":2}`, MapValue(map[string]Value{"a": Int64Value(2)})},
	}
	for _, tc := range tests {
		v := StringValue("before")
		require.NoError(t, v.UnmarshalJSON([]byte(tc.in)), tc.in)
		assert.True(t, tc.want.Equal(v), "%s: got %v want %v", tc.in, v, tc.want)
	}
}

func TestUnmarshalJSONErrors(t *testing.T) {
	deep := strings.Repeat("[", MaxValueDepth+1) + strings.Repeat("]", MaxValueDepth+1)
	for _, in := range []string{``, `{`, `[1,]`, `tru`, `1 2`, `1 ]`, `{} x`, `1e400`, `"\x"`, deep} {
		v := Int64Value(5)
		err := v.UnmarshalJSON([]byte(in))
		require.ErrorIs(t, err, ErrInvalidValue, "%q", in)
		assert.Equal(t, int64(5), v.Int64(), "unchanged after %q", in)
	}
	ok := strings.Repeat("[", MaxValueDepth) + strings.Repeat("]", MaxValueDepth)
	var v Value
	require.NoError(t, v.UnmarshalJSON([]byte(ok)))

	var nilPtr *Value
	require.ErrorIs(t, nilPtr.UnmarshalJSON([]byte(`1`)), ErrInvalidValue)
}

func TestJSONInStructs(t *testing.T) {
	type doc struct {
		V Value  `json:"v"`
		P *Value `json:"p"`
	}
	in := doc{V: MapValue(map[string]Value{"x": Float64Value(2), "s": StringValue("<&>")})}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	assert.Equal(t, `{"v":{"s":"\u003c\u0026\u003e","x":2.0},"p":null}`, string(b))

	var out doc
	require.NoError(t, json.Unmarshal(b, &out))
	assert.True(t, in.V.Equal(out.V), "%v", out.V)
	assert.Nil(t, out.P)

	require.NoError(t, json.Unmarshal([]byte(`{"v":null,"p":[1]}`), &out))
	assert.Equal(t, KindNull, out.V.Kind(), "JSON null sets the null Value")
	require.NotNil(t, out.P)
	assert.True(t, ArrayValue(Int64Value(1)).Equal(*out.P))
}

// jsonKindsGen draws Values without bytes and vectors, and without NaN or
// infinite floats: the values whose kind a JSON round trip keeps.
func jsonKindsGen(depth int) *rapid.Generator[Value] {
	return rapid.Custom(func(t *rapid.T) Value {
		v := valueGen(depth).Draw(t, "v")
		return jsonable(v)
	})
}

// jsonable replaces what JSON cannot round-trip: bytes become strings,
// vectors arrays of floats, NaN and infinities 0.5.
func jsonable(v Value) Value {
	switch v.Kind() {
	case KindFloat64:
		if f := v.Float64(); math.IsNaN(f) || math.IsInf(f, 0) {
			return Float64Value(0.5)
		}
	case KindBytes:
		return StringValue(string(v.Bytes()))
	case KindVector:
		a := []Value{}
		for _, f := range v.Vector() {
			a = append(a, jsonable(Float64Value(float64(f))))
		}
		return ArrayValue(a...)
	case KindArray:
		a := v.Array()
		for i := range a {
			a[i] = jsonable(a[i])
		}
		return ArrayValue(a...)
	case KindMap:
		m := v.Map()
		for k, e := range m {
			m[k] = jsonable(e)
		}
		return MapValue(m)
	}
	return v
}

// validUTF8 reports whether every string in v is valid UTF-8.
func validUTF8(v Value) bool {
	switch v.Kind() {
	case KindString:
		return strings.ToValidUTF8(v.String(), "\ufffd") == v.String()
	case KindArray:
		for _, e := range v.Array() {
			if !validUTF8(e) {
				return false
			}
		}
	case KindMap:
		for k, e := range v.Map() {
			if !validUTF8(StringValue(k)) || !validUTF8(e) {
				return false
			}
		}
	}
	return true
}

func TestPropJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := jsonKindsGen(3).Draw(t, "v")
		b, err := v.MarshalJSON()
		require.NoError(t, err)
		require.True(t, json.Valid(b), "%s", b)

		// encoding/json reads the same document.
		var std any
		require.NoError(t, json.Unmarshal(b, &std))

		var got Value
		require.NoError(t, got.UnmarshalJSON(b))
		again, err := got.MarshalJSON()
		require.NoError(t, err)
		if validUTF8(v) {
			require.True(t, v.Equal(got), "%v -> %s -> %v", v, b, got)
			require.Equal(t, string(b), string(again))
			return
		}
		// Invalid UTF-8 became U+FFFD; from there on the round trip is exact.
		var third Value
		require.NoError(t, third.UnmarshalJSON(again))
		require.True(t, got.Equal(third), "%v -> %s -> %v", got, again, third)
	})
}

func TestJSONBytesAndVectorsLoseTheirKind(t *testing.T) {
	var v Value
	b, err := BytesValue([]byte("hi")).MarshalJSON()
	require.NoError(t, err)
	require.NoError(t, v.UnmarshalJSON(b))
	assert.True(t, StringValue("aGk=").Equal(v))

	b, err = VectorValue([]float32{0.5, 2}).MarshalJSON()
	require.NoError(t, err)
	require.NoError(t, v.UnmarshalJSON(b))
	assert.True(t, ArrayValue(Float64Value(0.5), Float64Value(2)).Equal(v))
}

func BenchmarkMarshalJSON(b *testing.B) {
	v := benchValue()
	b.ReportAllocs()
	for range b.N {
		sinkBytes, _ = v.MarshalJSON()
	}
}
