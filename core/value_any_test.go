package core

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestValueOfNative(t *testing.T) {
	type named int
	tests := []struct {
		name string
		in   any
		want Value
	}{
		{"nil", nil, NullValue()},
		{"bool", true, BoolValue(true)},
		{"string", "s", StringValue("s")},
		{"int", int(-3), Int64Value(-3)},
		{"int8", int8(-8), Int64Value(-8)},
		{"int16", int16(-16), Int64Value(-16)},
		{"int32", int32(-32), Int64Value(-32)},
		{"int64", int64(math.MinInt64), Int64Value(math.MinInt64)},
		{"uint", uint(3), Int64Value(3)},
		{"uint8", uint8(255), Int64Value(255)},
		{"uint16", uint16(65535), Int64Value(65535)},
		{"uint32", uint32(math.MaxUint32), Int64Value(math.MaxUint32)},
		{"uint64", uint64(math.MaxInt64), Int64Value(math.MaxInt64)},
		{"uintptr", uintptr(7), Int64Value(7)},
		{"float32", float32(1.5), Float64Value(1.5)},
		{"float64", -0.25, Float64Value(-0.25)},
		{"float64 NaN", math.NaN(), Float64Value(math.NaN())},
		{"json.Number int", json.Number("-12"), Int64Value(-12)},
		{"json.Number float", json.Number("1.5e3"), Float64Value(1500)},
		{"json.Number exponent integer", json.Number("1e3"), Float64Value(1000)},
		{"json.Number beyond int64", json.Number("9223372036854775808"), Float64Value(9223372036854775808)},
		{"bytes", []byte{1, 2}, BytesValue([]byte{1, 2})},
		{"bytes nil", []byte(nil), BytesValue(nil)},
		{"vector", []float32{1, -0.5}, VectorValue([]float32{1, -0.5})},
		{"Value", StringValue("v"), StringValue("v")},
		{"[]Value", []Value{Int64Value(1)}, ArrayValue(Int64Value(1))},
		{"map[string]Value", map[string]Value{"a": NullValue()}, MapValue(map[string]Value{"a": NullValue()})},
		{"[]any", []any{1, "a", nil, []any{true}}, ArrayValue(Int64Value(1), StringValue("a"), NullValue(), ArrayValue(BoolValue(true)))},
		{"[]any nil", []any(nil), ArrayValue()},
		{"map[string]any", map[string]any{"n": uint8(1), "m": map[string]any{"x": 2.5}}, MapValue(map[string]Value{"n": Int64Value(1), "m": MapValue(map[string]Value{"x": Float64Value(2.5)})})},
		{"[]string", []string{"a", "b"}, ArrayValue(StringValue("a"), StringValue("b"))},
		{"map[string]string", map[string]string{"k": "v"}, MapValue(map[string]Value{"k": StringValue("v")})},
		{"[]float64", []float64{0.5}, ArrayValue(Float64Value(0.5))},
		{"[]int", []int{1, 2}, ArrayValue(Int64Value(1), Int64Value(2))},
		{"[]int64", []int64{-1}, ArrayValue(Int64Value(-1))},
		{"[]bool", []bool{false}, ArrayValue(BoolValue(false))},
		{"named int via JSON", named(5), Int64Value(5)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ValueOf(tc.in)
			require.NoError(t, err)
			assert.True(t, tc.want.Equal(got), "got %v want %v", got, tc.want)
		})
	}
}

func TestValueOfCopies(t *testing.T) {
	b := []byte{1}
	f := []float32{1}
	s := []string{"a"}
	m := map[string]any{"k": "v"}
	vb, _ := ValueOf(b)
	vf, _ := ValueOf(f)
	vs, _ := ValueOf(s)
	vm, _ := ValueOf(m)
	b[0], f[0], s[0], m["k"] = 9, 9, "z", "z"
	assert.Equal(t, []byte{1}, vb.Bytes())
	assert.Equal(t, []float32{1}, vf.Vector())
	assert.Equal(t, "a", vs.Array()[0].String())
	assert.Equal(t, "v", vm.Map()["k"].String())
}

func TestValueOfViaJSON(t *testing.T) {
	type inner struct {
		Score float64 `json:"score"`
	}
	type ticket struct {
		ID     uint64            `json:"id"`
		Title  string            `json:"title"`
		Tags   []string          `json:"tags"`
		Inner  *inner            `json:"inner"`
		Absent *inner            `json:"absent"`
		Attrs  map[int]bool      `json:"attrs"`
		When   time.Time         `json:"when"`
		Raw    json.RawMessage   `json:"raw"`
		Big    uint64            `json:"big"`
		Named  map[string]string `json:"-"`
	}
	in := ticket{
		ID: 42, Title: "refund", Tags: []string{"billing"}, Inner: &inner{Score: 2},
		Attrs: map[int]bool{7: true}, When: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		Raw: json.RawMessage(`{"x":[1,2.0]}`), Big: math.MaxUint64,
	}
	got, err := ValueOf(in)
	require.NoError(t, err)
	want := MapValue(map[string]Value{
		"id":     Int64Value(42),
		"title":  StringValue("refund"),
		"tags":   ArrayValue(StringValue("billing")),
		"inner":  MapValue(map[string]Value{"score": Int64Value(2)}),
		"absent": NullValue(),
		"attrs":  MapValue(map[string]Value{"7": BoolValue(true)}),
		"when":   StringValue("2024-01-02T03:04:05Z"),
		"raw":    MapValue(map[string]Value{"x": ArrayValue(Int64Value(1), Float64Value(2))}),
		"big":    Float64Value(math.MaxUint64),
	})
	assert.True(t, want.Equal(got), "got %v", got)

	// A pointer to a struct and a nil pointer.
	p, err := ValueOf(&inner{Score: 0.5})
	require.NoError(t, err)
	assert.True(t, MapValue(map[string]Value{"score": Float64Value(0.5)}).Equal(p))
	var nilp *inner
	n, err := ValueOf(nilp)
	require.NoError(t, err)
	assert.Equal(t, KindNull, n.Kind())

	// Elements of []any and map[string]any go the same way.
	a, err := ValueOf([]any{inner{Score: 1.5}})
	require.NoError(t, err)
	assert.True(t, ArrayValue(MapValue(map[string]Value{"score": Float64Value(1.5)})).Equal(a))
}

type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("boom") }

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errors.New("no JSON for me") }

func TestValueOfErrors(t *testing.T) {
	cyclicSlice := []any{nil}
	cyclicSlice[0] = cyclicSlice
	cyclicMap := map[string]any{}
	cyclicMap["self"] = cyclicMap
	type node struct {
		Next *node
	}
	cyclicPtr := &node{}
	cyclicPtr.Next = cyclicPtr
	deep := any(nil)
	for range MaxValueDepth + 1 {
		deep = []any{deep}
	}
	tests := []struct {
		name string
		in   any
		msg  string
	}{
		{"uint64 overflow", uint64(math.MaxInt64 + 1), "overflows int64"},
		{"uint overflow", uint(math.MaxUint64), "overflows int64"},
		{"uintptr overflow", uintptr(math.MaxUint64), "overflows int64"},
		{"chan", make(chan int), "chan int"},
		{"func", func() {}, "func()"},
		{"complex", complex(1, 2), "complex128"},
		{"NaN in struct", struct{ F float64 }{math.NaN()}, "unsupported value"},
		{"chan in []any", []any{1, make(chan int)}, "chan int"},
		{"chan in map[string]any", map[string]any{"c": make(chan int)}, "chan int"},
		{"cyclic slice", cyclicSlice, "deeper than 1000"},
		{"cyclic map", cyclicMap, "deeper than 1000"},
		{"cyclic pointer", cyclicPtr, "cycle"},
		{"too deep", deep, "deeper than 1000"},
		{"too deep []string", wrapDeep([]string{"x"}), "deeper than 1000"},
		{"too deep []Value", wrapDeep([]Value{}), "deeper than 1000"},
		{"too deep map[string]string", wrapDeep(map[string]string{}), "deeper than 1000"},
		{"too deep map[string]Value", wrapDeep(map[string]Value{}), "deeper than 1000"},
		{"too deep via JSON", wrapDeep(struct{}{}), "deeper than 1000"},
		{"json.Number garbage", json.Number("12abc"), "not a JSON number"},
		{"json.Number hex", json.Number("0x10"), "not a JSON number"},
		{"json.Number out of range", json.Number("1e400"), "out of the float64 range"},
		{"panicking MarshalJSON", panicky{}, "panicked: boom"},
		{"failing MarshalJSON", failing{}, "no JSON for me"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v Value
			var err error
			require.NotPanics(t, func() { v, err = ValueOf(tc.in) })
			require.ErrorIs(t, err, ErrInvalidValue)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Equal(t, KindNull, v.Kind())
		})
	}
}

// wrapDeep puts x inside MaxValueDepth arrays.
func wrapDeep(x any) any {
	for range MaxValueDepth {
		x = []any{x}
	}
	return x
}

func TestIsJSONNumber(t *testing.T) {
	for _, s := range []string{"0", "-0", "1", "-12", "0.5", "1e3", "1E+3", "1.25e-7", "123456789012345678901234567890"} {
		assert.True(t, isJSONNumber(s), "%q", s)
	}
	for _, s := range []string{"", "-", "+1", "01", "1.", ".5", "1e", "1e+", "0x1", "NaN", "Inf", "1_000", " 1", "1 ", "--1", "1.2.3"} {
		assert.False(t, isJSONNumber(s), "%q", s)
	}
}

func TestValueAny(t *testing.T) {
	v := MapValue(map[string]Value{
		"null":  NullValue(),
		"bool":  BoolValue(true),
		"int":   Int64Value(-7),
		"float": Float64Value(0.5),
		"str":   StringValue("s"),
		"bytes": BytesValue([]byte{1}),
		"vec":   VectorValue([]float32{2}),
		"arr":   ArrayValue(Int64Value(1), ArrayValue()),
	})
	want := map[string]any{
		"null":  nil,
		"bool":  true,
		"int":   int64(-7),
		"float": 0.5,
		"str":   "s",
		"bytes": []byte{1},
		"vec":   []float32{2},
		"arr":   []any{int64(1), []any{}},
	}
	got := v.Any()
	assert.Equal(t, want, got)

	// Fresh copies.
	got.(map[string]any)["bytes"].([]byte)[0] = 9
	got.(map[string]any)["vec"].([]float32)[0] = 9
	got.(map[string]any)["arr"].([]any)[0] = "x"
	assert.Equal(t, want, v.Any())
}

func TestPropValueOfAnyRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := valueGen(3).Draw(t, "v")
		got, err := ValueOf(v.Any())
		require.NoError(t, err)
		require.True(t, v.Equal(got), "%v != %v", v, got)
	})
}

func TestValueOfAllocations(t *testing.T) {
	m := map[string]any{"id": 42, "title": "refund", "open": true}
	// The new map (its header and its slots) is all that ValueOf allocates.
	allocs := testing.AllocsPerRun(100, func() { sinkValue, _ = ValueOf(m) })
	assert.LessOrEqual(t, allocs, 2.0, "ValueOf of a small map")
	assert.Zero(t, testing.AllocsPerRun(100, func() { sinkValue, _ = ValueOf(int64(1)) }), "ValueOf of an int64")
	assert.Zero(t, testing.AllocsPerRun(100, func() { sinkValue, _ = ValueOf("s") }), "ValueOf of a string")
}

func BenchmarkValueOf(b *testing.B) {
	type ticket struct {
		ID    int    `json:"id"`
		Title string `json:"title"`
		Open  bool   `json:"open"`
	}
	for _, bc := range []struct {
		name string
		x    any
	}{
		{"Int", 42},
		{"SmallMap", map[string]any{"id": 42, "title": "refund", "open": true}},
		{"Slice", []any{1, "two", 3.0, true}},
		{"StructViaJSON", ticket{ID: 42, Title: "refund", Open: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				sinkValue, _ = ValueOf(bc.x)
			}
		})
	}
}

func BenchmarkValueAny(b *testing.B) {
	v := benchValue()
	b.ReportAllocs()
	for range b.N {
		sinkAny = v.Any()
	}
}

var sinkAny any
