package core

import (
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKindString(t *testing.T) {
	want := map[Kind]string{
		KindNull: "null", KindBool: "bool", KindInt64: "int64", KindFloat64: "float64",
		KindString: "string", KindBytes: "bytes", KindArray: "array", KindMap: "map",
		KindVector: "vector",
	}
	for k, s := range want {
		assert.Equal(t, s, k.String())
	}
	assert.Equal(t, Kind(0), KindNull)
	assert.Equal(t, Kind(7), KindMap)
	assert.Equal(t, Kind(8), KindVector)
	assert.Equal(t, "kind(9)", Kind(9).String())
	assert.Equal(t, "kind(255)", Kind(255).String())
}

func TestZeroValueIsNull(t *testing.T) {
	var v Value
	assert.Equal(t, KindNull, v.Kind())
	assert.True(t, v.Equal(NullValue()))
	assert.True(t, NullValue().Equal(v))
	assert.Equal(t, KindNull, NullValue().Kind())
	assert.Equal(t, 0, v.Len())
	assert.Equal(t, "null", v.String())
}

func TestScalarValues(t *testing.T) {
	assert.Equal(t, KindBool, BoolValue(true).Kind())
	assert.True(t, BoolValue(true).Bool())
	assert.False(t, BoolValue(false).Bool())
	assert.False(t, BoolValue(false).Equal(BoolValue(true)))

	for _, i := range []int64{0, 1, -1, 42, math.MaxInt64, math.MinInt64} {
		v := Int64Value(i)
		assert.Equal(t, KindInt64, v.Kind())
		assert.Equal(t, i, v.Int64())
	}

	for _, f := range []float64{0, math.Copysign(0, -1), 1.5, -2.25, math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1), math.Inf(-1)} {
		v := Float64Value(f)
		assert.Equal(t, KindFloat64, v.Kind())
		assert.Equal(t, math.Float64bits(f), math.Float64bits(v.Float64()))
	}
	nan := math.Float64frombits(0x7ff8000000000123)
	assert.Equal(t, uint64(0x7ff8000000000123), math.Float64bits(Float64Value(nan).Float64()), "NaN payload kept")

	for _, s := range []string{"", "a", "hello, world", "ü\x00\xff"} {
		v := StringValue(s)
		assert.Equal(t, KindString, v.Kind())
		assert.Equal(t, s, v.String())
		assert.Equal(t, len(s), v.Len())
	}
}

func TestStringValueKeepsItsString(t *testing.T) {
	b := []byte("mutable")
	v := StringValue(string(b))
	b[0] = 'X'
	assert.Equal(t, "mutable", v.String())
}

func TestBytesValue(t *testing.T) {
	in := []byte{1, 2, 3}
	v := BytesValue(in)
	assert.Equal(t, KindBytes, v.Kind())
	assert.Equal(t, []byte{1, 2, 3}, v.Bytes())
	assert.Equal(t, 3, v.Len())

	in[0] = 9 // the constructor copied
	assert.Equal(t, []byte{1, 2, 3}, v.Bytes())

	out := v.Bytes()
	out[1] = 9 // the accessor returned a copy
	out = append(out[:0], 7, 7, 7, 7)
	_ = out
	assert.Equal(t, []byte{1, 2, 3}, v.Bytes())

	// Sub-slices with spare capacity: appending to the result must not reach
	// another Value.
	big := []byte{1, 2, 3, 4, 5}
	w := BytesValue(big[:2])
	got := w.Bytes()
	_ = append(got, 0xee)
	assert.Equal(t, []byte{1, 2}, w.Bytes())

	for _, empty := range [][]byte{nil, {}} {
		e := BytesValue(empty)
		assert.Equal(t, KindBytes, e.Kind())
		assert.Equal(t, 0, e.Len())
		assert.NotNil(t, e.Bytes())
		assert.Empty(t, e.Bytes())
		assert.True(t, e.Equal(BytesValue(nil)))
		assert.False(t, e.Equal(NullValue()))
		assert.False(t, e.Equal(StringValue("")))
	}
}

func TestArrayValue(t *testing.T) {
	in := []Value{Int64Value(1), StringValue("a"), NullValue()}
	v := ArrayValue(in...)
	assert.Equal(t, KindArray, v.Kind())
	assert.Equal(t, 3, v.Len())
	got := v.Array()
	require.Len(t, got, 3)
	assert.True(t, got[0].Equal(Int64Value(1)))
	assert.True(t, got[1].Equal(StringValue("a")))
	assert.True(t, got[2].Equal(NullValue()))

	in[0] = Int64Value(99) // the constructor copied
	assert.True(t, v.Array()[0].Equal(Int64Value(1)))

	got[1] = BoolValue(true) // the accessor returned a copy
	assert.True(t, v.Array()[1].Equal(StringValue("a")))

	assert.True(t, v.Equal(ArrayValue(Int64Value(1), StringValue("a"), NullValue())))

	for _, e := range []Value{ArrayValue(), ArrayValue([]Value{}...), ArrayValue(nil...)} {
		assert.Equal(t, KindArray, e.Kind())
		assert.Equal(t, 0, e.Len())
		assert.NotNil(t, e.Array())
		assert.Empty(t, e.Array())
		assert.True(t, e.Equal(ArrayValue()))
		assert.False(t, e.Equal(NullValue()))
		assert.False(t, e.Equal(MapValue(nil)))
	}
}

func TestMapValue(t *testing.T) {
	in := map[string]Value{"a": Int64Value(1), "b": StringValue("x")}
	v := MapValue(in)
	assert.Equal(t, KindMap, v.Kind())
	assert.Equal(t, 2, v.Len())
	got := v.Map()
	require.Len(t, got, 2)
	assert.True(t, got["a"].Equal(Int64Value(1)))
	assert.True(t, got["b"].Equal(StringValue("x")))

	in["a"] = Int64Value(2) // the constructor copied
	in["c"] = NullValue()
	delete(in, "b")
	assert.Equal(t, 2, v.Len())
	assert.True(t, v.Map()["a"].Equal(Int64Value(1)))
	assert.True(t, v.Map()["b"].Equal(StringValue("x")))

	got["a"] = Int64Value(3) // the accessor returned a copy
	got["z"] = NullValue()
	delete(got, "b")
	assert.Equal(t, 2, v.Len())
	assert.True(t, v.Equal(MapValue(map[string]Value{"a": Int64Value(1), "b": StringValue("x")})))

	for _, e := range []Value{MapValue(nil), MapValue(map[string]Value{})} {
		assert.Equal(t, KindMap, e.Kind())
		assert.Equal(t, 0, e.Len())
		assert.NotNil(t, e.Map())
		assert.Empty(t, e.Map())
		assert.True(t, e.Equal(MapValue(nil)))
		assert.False(t, e.Equal(NullValue()))
	}
}

func TestNestedValuesAreIsolated(t *testing.T) {
	inner := map[string]Value{"k": BytesValue([]byte{1})}
	arr := []Value{MapValue(inner), ArrayValue(Int64Value(1))}
	v := MapValue(map[string]Value{"arr": ArrayValue(arr...)})
	want := MapValue(map[string]Value{"arr": ArrayValue(
		MapValue(map[string]Value{"k": BytesValue([]byte{1})}),
		ArrayValue(Int64Value(1)),
	)})
	require.True(t, v.Equal(want))

	inner["k"] = NullValue()
	arr[1] = NullValue()
	assert.True(t, v.Equal(want))

	// Mutate everything reachable through accessors.
	m := v.Map()
	a := m["arr"].Array()
	im := a[0].Map()
	b := im["k"].Bytes()
	b[0] = 9
	im["k"] = NullValue()
	a[0] = NullValue()
	m["arr"] = NullValue()
	assert.True(t, v.Equal(want))
	assert.Equal(t, `{"arr":[{"k":0x01} [1]]}`, v.String())
}

func TestValueLen(t *testing.T) {
	tests := []struct {
		v    Value
		want int
	}{
		{NullValue(), 0},
		{BoolValue(true), 0},
		{Int64Value(12345), 0},
		{Int64Value(-1), 0},
		{Float64Value(1e300), 0},
		{StringValue("héllo"), 6},
		{BytesValue(make([]byte, 32)), 32},
		{ArrayValue(NullValue(), NullValue()), 2},
		{MapValue(map[string]Value{"a": NullValue(), "b": NullValue(), "c": NullValue()}), 3},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.v.Len(), "%v", tc.v)
	}
}

// allKinds holds one Value of each kind.
func allKinds() []Value {
	return []Value{
		NullValue(),
		BoolValue(true),
		Int64Value(1),
		Float64Value(1),
		StringValue("s"),
		BytesValue([]byte("s")),
		ArrayValue(Int64Value(1)),
		MapValue(map[string]Value{"k": Int64Value(1)}),
		VectorValue([]float32{1}),
	}
}

func TestWrongKindAccessorsPanic(t *testing.T) {
	accessors := map[Kind]func(Value){
		KindBool:    func(v Value) { v.Bool() },
		KindInt64:   func(v Value) { v.Int64() },
		KindFloat64: func(v Value) { v.Float64() },
		KindBytes:   func(v Value) { v.Bytes() },
		KindArray:   func(v Value) { v.Array() },
		KindMap:     func(v Value) { v.Map() },
		KindVector:  func(v Value) { v.Vector() },
	}
	for _, v := range allKinds() {
		for k, get := range accessors {
			if v.Kind() == k {
				assert.NotPanics(t, func() { get(v) }, "%s accessor on %s", k, v.Kind())
			} else {
				assert.Panics(t, func() { get(v) }, "%s accessor on %s", k, v.Kind())
			}
		}
		// String never panics.
		assert.NotPanics(t, func() { _ = v.String() })
		assert.NotPanics(t, func() { _ = v.Len() })
	}
	var zero Value
	assert.PanicsWithValue(t, "inmem: Value kind is null, not int64", func() { zero.Int64() })
	assert.PanicsWithValue(t, "inmem: Value kind is string, not bytes", func() { StringValue("x").Bytes() })
}

func TestValueEqual(t *testing.T) {
	negZero := math.Copysign(0, -1)
	nan := math.NaN()
	otherNaN := math.Float64frombits(math.Float64bits(nan) ^ 1)
	tests := []struct {
		name string
		a, b Value
		want bool
	}{
		{"null null", NullValue(), Value{}, true},
		{"bool", BoolValue(true), BoolValue(true), true},
		{"bool differ", BoolValue(true), BoolValue(false), false},
		{"int", Int64Value(7), Int64Value(7), true},
		{"int differ", Int64Value(7), Int64Value(-7), false},
		{"int vs float", Int64Value(1), Float64Value(1), false},
		{"int 0 vs null", Int64Value(0), NullValue(), false},
		{"false vs null", BoolValue(false), NullValue(), false},
		{"bool true vs int 1", BoolValue(true), Int64Value(1), false},
		{"float", Float64Value(2.5), Float64Value(2.5), true},
		{"float 0 vs -0", Float64Value(0), Float64Value(negZero), false},
		{"float -0 vs -0", Float64Value(negZero), Float64Value(negZero), true},
		{"NaN same bits", Float64Value(nan), Float64Value(nan), true},
		{"NaN other bits", Float64Value(nan), Float64Value(otherNaN), false},
		{"float vs int bits", Float64Value(math.Float64frombits(1)), Int64Value(1), false},
		{"string", StringValue("abc"), StringValue("abc"), true},
		{"string differ", StringValue("abc"), StringValue("abd"), false},
		{"string length differ", StringValue("ab"), StringValue("abc"), false},
		{"empty strings", StringValue(""), StringValue(""), true},
		{"string vs bytes", StringValue("abc"), BytesValue([]byte("abc")), false},
		{"bytes", BytesValue([]byte{1, 2}), BytesValue([]byte{1, 2}), true},
		{"bytes differ", BytesValue([]byte{1, 2}), BytesValue([]byte{1, 3}), false},
		{"bytes length differ", BytesValue([]byte{1}), BytesValue([]byte{1, 0}), false},
		{"array", ArrayValue(Int64Value(1), StringValue("a")), ArrayValue(Int64Value(1), StringValue("a")), true},
		{"array order", ArrayValue(Int64Value(1), Int64Value(2)), ArrayValue(Int64Value(2), Int64Value(1)), false},
		{"array length", ArrayValue(Int64Value(1)), ArrayValue(Int64Value(1), Int64Value(1)), false},
		{"array element kind", ArrayValue(Int64Value(1)), ArrayValue(Float64Value(1)), false},
		{"nested arrays", ArrayValue(ArrayValue(ArrayValue(BytesValue([]byte{0})))), ArrayValue(ArrayValue(ArrayValue(BytesValue([]byte{0})))), true},
		{"nested arrays differ deep", ArrayValue(ArrayValue(ArrayValue(BytesValue([]byte{0})))), ArrayValue(ArrayValue(ArrayValue(BytesValue([]byte{1})))), false},
		{"array vs map", ArrayValue(), MapValue(nil), false},
		{"map", MapValue(map[string]Value{"a": Int64Value(1), "b": NullValue()}), MapValue(map[string]Value{"b": NullValue(), "a": Int64Value(1)}), true},
		{"map value differs", MapValue(map[string]Value{"a": Int64Value(1)}), MapValue(map[string]Value{"a": Int64Value(2)}), false},
		{"map key differs", MapValue(map[string]Value{"a": Int64Value(1)}), MapValue(map[string]Value{"b": Int64Value(1)}), false},
		{"map missing key with null", MapValue(map[string]Value{"a": NullValue()}), MapValue(map[string]Value{"b": NullValue()}), false},
		{"map size differs", MapValue(map[string]Value{"a": NullValue()}), MapValue(map[string]Value{"a": NullValue(), "b": NullValue()}), false},
		{"nested maps", MapValue(map[string]Value{"m": MapValue(map[string]Value{"x": ArrayValue(Float64Value(nan))})}), MapValue(map[string]Value{"m": MapValue(map[string]Value{"x": ArrayValue(Float64Value(nan))})}), true},
		{"nested maps differ", MapValue(map[string]Value{"m": MapValue(map[string]Value{"x": ArrayValue(Float64Value(0))})}), MapValue(map[string]Value{"m": MapValue(map[string]Value{"x": ArrayValue(Float64Value(negZero))})}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.a.Equal(tc.b))
			assert.Equal(t, tc.want, tc.b.Equal(tc.a))
			assert.True(t, tc.a.Equal(tc.a), "reflexive")
			assert.True(t, tc.b.Equal(tc.b), "reflexive")
		})
	}
	// Distinct kinds are never equal.
	kinds := allKinds()
	for i, a := range kinds {
		for j, b := range kinds {
			assert.Equal(t, i == j, a.Equal(b), "%s vs %s", a.Kind(), b.Kind())
		}
	}
}

func TestValueString(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{NullValue(), "null"},
		{BoolValue(true), "true"},
		{BoolValue(false), "false"},
		{Int64Value(42), "42"},
		{Int64Value(-42), "-42"},
		{Int64Value(math.MinInt64), "-9223372036854775808"},
		{Float64Value(1.5), "1.5"},
		{Float64Value(1), "1"},
		{Float64Value(1e21), "1e+21"},
		{Float64Value(math.Copysign(0, -1)), "-0"},
		{Float64Value(math.NaN()), "NaN"},
		{Float64Value(math.Inf(1)), "+Inf"},
		{Float64Value(math.Inf(-1)), "-Inf"},
		{StringValue(`a "quoted" string`), `a "quoted" string`},
		{StringValue(""), ""},
		{BytesValue([]byte{0x0a, 0x0b}), "0x0a0b"},
		{BytesValue(nil), "0x"},
		{ArrayValue(), "[]"},
		{ArrayValue(Int64Value(1), StringValue("a")), `[1 "a"]`},
		{ArrayValue(NullValue(), BoolValue(false), Float64Value(0.25), BytesValue([]byte{0xff}), ArrayValue()), `[null false 0.25 0xff []]`},
		{MapValue(nil), "{}"},
		{MapValue(map[string]Value{"k": Int64Value(1)}), `{"k":1}`},
		{MapValue(map[string]Value{"b": StringValue("x"), "a": ArrayValue(StringValue("y\n")), "": NullValue()}), `{"":null "a":["y\n"] "b":"x"}`},
		{MapValue(map[string]Value{"q\"": MapValue(map[string]Value{"z": Int64Value(-1)})}), `{"q\"":{"z":-1}}`},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.v.String())
	}
}

func TestValueConcurrentReads(t *testing.T) {
	v := MapValue(map[string]Value{
		"a": ArrayValue(Int64Value(1), BytesValue([]byte{1, 2})),
		"s": StringValue("x"),
	})
	want := v.String()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				m := v.Map()
				a := m["a"].Array()
				b := a[1].Bytes()
				b[0] = 0xee
				a[0] = NullValue()
				m["s"] = NullValue()
				if v.String() != want || !v.Equal(v) {
					t.Error("value changed")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestCorruptValueKindPanics(t *testing.T) {
	assert.Panics(t, func() { _ = Value{any: 42}.Kind() })
}
