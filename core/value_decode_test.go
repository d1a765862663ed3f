package core

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

type decodeInner struct {
	Name  string   `json:"name"`
	Score float64  `json:"score,omitempty"`
	Tags  []string `json:"tags"`
}

type DecodeEmbedded struct {
	Shared string
	Depth  int `json:"depth"`
}

type decodeOuter struct {
	DecodeEmbedded
	ID        int64                  `json:"id"`
	Count     uint16                 `json:"count,string"`
	Flag      bool                   `json:"flag,string"`
	Skip      string                 `json:"-"`
	Inner     decodeInner            `json:"inner"`
	Ptr       *decodeInner           `json:"ptr"`
	Many      []decodeInner          `json:"many"`
	ByName    map[string]decodeInner `json:"by_name"`
	ByNum     map[int]string         `json:"by_num"`
	ByAddr    map[netip.Addr]bool    `json:"by_addr"`
	When      time.Time              `json:"when"`
	Blob      []byte                 `json:"blob"`
	Embedding []float32              `json:"embedding"`
	Pair      [2]int                 `json:"pair"`
	Any       any                    `json:"any"`
	Raw       Value                  `json:"raw"`
	Num       json.Number            `json:"num"`
}

func TestDecodeAStruct(t *testing.T) {
	when := time.Date(2025, 3, 4, 5, 6, 7, 8, time.UTC)
	x := decodeOuter{
		DecodeEmbedded: DecodeEmbedded{Shared: "s", Depth: 2},
		ID:             -7, Count: 65535, Flag: true, Skip: "not me",
		Inner:     decodeInner{Name: "in", Score: 0.5, Tags: []string{"a", "b"}},
		Ptr:       &decodeInner{Name: "p", Tags: []string{}},
		Many:      []decodeInner{{Name: "m1"}, {Name: "m2", Score: 2}},
		ByName:    map[string]decodeInner{"k": {Name: "v"}},
		ByNum:     map[int]string{-3: "minus three", 42: "x"},
		ByAddr:    map[netip.Addr]bool{netip.MustParseAddr("10.0.0.1"): true},
		When:      when,
		Blob:      []byte{0, 1, 2, 250},
		Embedding: []float32{0.25, -1, 3.5},
		Pair:      [2]int{4, 5},
		Any:       map[string]any{"k": []any{int64(1), "two"}},
		Raw:       ArrayValue(Int64Value(1), BytesValue([]byte{9})),
		Num:       "12.5",
	}
	v, err := ValueOf(x)
	require.NoError(t, err)
	var y decodeOuter
	require.NoError(t, v.Decode(&y))
	x.Skip = ""
	// ValueOf goes through JSON for a struct: Any comes back as JSON gives it
	// (numbers that are integers as int64), Raw as JSON holds it.
	x.Raw = ArrayValue(Int64Value(1), StringValue("CQ=="))
	require.True(t, x.Raw.Equal(y.Raw), "raw: %s", y.Raw)
	x.Raw, y.Raw = Value{}, Value{}
	require.Equal(t, x, y)

	// Straight from Values, not through JSON: bytes and vectors as such.
	m := MapValue(map[string]Value{
		"blob":      BytesValue([]byte{7}),
		"embedding": VectorValue([]float32{1, 2}),
		"pair":      VectorValue([]float32{9}), // into [2]int: 9 then a zero
		"raw":       BytesValue([]byte{1}),
		"ID":        Float64Value(3), // case-insensitive, from an integral float
		"num":       Int64Value(5),
	})
	var z decodeOuter
	z.Pair = [2]int{1, 1}
	require.NoError(t, m.Decode(&z))
	require.Equal(t, []byte{7}, z.Blob)
	require.Equal(t, []float32{1, 2}, z.Embedding)
	require.Equal(t, [2]int{9, 0}, z.Pair)
	require.True(t, z.Raw.Equal(BytesValue([]byte{1})))
	require.Equal(t, int64(3), z.ID)
	require.Equal(t, json.Number("5"), z.Num)
}

func TestDecodeScalarsAndNull(t *testing.T) {
	var i int8
	require.NoError(t, Int64Value(-128).Decode(&i))
	require.Equal(t, int8(-128), i)
	var f float32
	require.NoError(t, Int64Value(3).Decode(&f))
	require.Equal(t, float32(3), f)
	var s string
	require.NoError(t, StringValue("x").Decode(&s))
	require.Equal(t, "x", s)
	var a any
	require.NoError(t, ArrayValue(BoolValue(true)).Decode(&a))
	require.Equal(t, []any{true}, a)

	// A null sets pointers, maps, slices and interfaces to nil and leaves
	// the rest as they are.
	p, mp, sl := &s, map[string]int{"a": 1}, []int{1}
	a = 3
	n := 7
	for _, dst := range []any{&p, &mp, &sl, &a, &n, &s} {
		require.NoError(t, NullValue().Decode(dst))
	}
	require.Nil(t, p)
	require.Nil(t, mp)
	require.Nil(t, sl)
	require.Nil(t, a)
	require.Equal(t, 7, n)
	require.Equal(t, "x", s)

	// A map adds to the map dst holds.
	mp = map[string]int{"a": 1}
	require.NoError(t, MapValue(map[string]Value{"b": Int64Value(2)}).Decode(&mp))
	require.Equal(t, map[string]int{"a": 1, "b": 2}, mp)
}

func TestDecodeMismatches(t *testing.T) {
	var i8 int8
	var u uint
	var b bool
	var st decodeOuter
	var fl float32
	var ss []string
	var named fmt.Stringer
	for _, c := range []struct {
		v    Value
		dst  any
		path string
	}{
		{Int64Value(128), &i8, ""},
		{Float64Value(1.5), &i8, ""},
		{Int64Value(-1), &u, ""},
		{StringValue("true"), &b, ""},
		{Float64Value(1e300), &fl, ""},
		{Int64Value(1), &st, ""},
		{MapValue(map[string]Value{"inner": MapValue(map[string]Value{"tags": ArrayValue(StringValue("a"), Int64Value(2))})}), &st, ".inner.tags[1]"},
		{MapValue(map[string]Value{"by_num": MapValue(map[string]Value{"x": StringValue("y")})}), &st, ".by_num"},
		{MapValue(map[string]Value{"blob": StringValue("not base64!")}), &st, ".blob"},
		{MapValue(map[string]Value{"when": StringValue("yesterday")}), &st, ".when"},
		{MapValue(map[string]Value{"count": StringValue("seventy")}), &st, ".count"},
		{StringValue("x"), &ss, ""},
		{StringValue("x"), &named, ""},
		{deepArray(MaxValueDepth+5, NullValue()), new(any), ""},
		{deepArray(MaxValueDepth+5, NullValue()), new([]any), "[0]"},
	} {
		err := c.v.Decode(c.dst)
		require.ErrorIs(t, err, ErrInvalidValue, "%s into %T", c.v.Kind(), c.dst)
		require.Contains(t, err.Error(), c.path, "%s into %T", c.v.Kind(), c.dst)
	}
	for _, dst := range []any{nil, 3, (*int)(nil), decodeInner{}} {
		require.ErrorIs(t, Int64Value(1).Decode(dst), ErrInvalidArgument, "%T", dst)
	}
}

// A random struct type: fields of random types, names and tags, nested.
func decodeRandomType(t *rapid.T, depth int) reflect.Type {
	leaves := []reflect.Type{
		reflect.TypeFor[bool](), reflect.TypeFor[int](), reflect.TypeFor[int8](), reflect.TypeFor[int16](),
		reflect.TypeFor[int32](), reflect.TypeFor[int64](), reflect.TypeFor[uint8](), reflect.TypeFor[uint16](),
		reflect.TypeFor[uint32](), reflect.TypeFor[uint64](), reflect.TypeFor[float32](), reflect.TypeFor[float64](),
		reflect.TypeFor[string](), reflect.TypeFor[[]byte](), reflect.TypeFor[time.Time](), reflect.TypeFor[[]float32](),
	}
	kind := rapid.IntRange(0, 7).Draw(t, "type kind")
	if depth >= 3 || kind < 3 {
		return leaves[rapid.IntRange(0, len(leaves)-1).Draw(t, "leaf")]
	}
	switch kind {
	case 3:
		return reflect.SliceOf(decodeRandomType(t, depth+1))
	case 4:
		return reflect.MapOf(reflect.TypeFor[string](), decodeRandomType(t, depth+1))
	case 5:
		return reflect.PointerTo(decodeRandomType(t, depth+1))
	case 6:
		return reflect.ArrayOf(rapid.IntRange(0, 3).Draw(t, "array length"), decodeRandomType(t, depth+1))
	default:
		n := rapid.IntRange(0, 5).Draw(t, "fields")
		fs := make([]reflect.StructField, n)
		for i := range fs {
			ft := decodeRandomType(t, depth+1)
			tag := ""
			switch rapid.IntRange(0, 3).Draw(t, "tag") {
			case 1:
				tag = fmt.Sprintf(`json:"f%d_%d"`, depth, i)
			case 2:
				tag = fmt.Sprintf(`json:"f%d_%d,omitempty"`, depth, i)
			case 3:
				switch ft.Kind() {
				case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int64, reflect.Uint16, reflect.Float64, reflect.String:
					tag = `json:",string"`
				}
			}
			fs[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: ft, Tag: reflect.StructTag(tag)}
		}
		return reflect.StructOf(fs)
	}
}

// decodeRandomValue fills a new value of type ty with random contents that
// JSON keeps exactly (finite floats, valid UTF-8, uint64s up to MaxInt64,
// times in UTC in years JSON can write).
func decodeRandomValue(t *rapid.T, ty reflect.Type) reflect.Value {
	return decodeRandomValueOf(t, ty, false)
}

// decodeRandomValueOf is decodeRandomValue; with nonNil, a slice, map or
// pointer is never nil (a pointer to a nil one is JSON's null, read back as
// a nil pointer).
func decodeRandomValueOf(t *rapid.T, ty reflect.Type, nonNil bool) reflect.Value {
	v := reflect.New(ty).Elem()
	switch ty {
	case reflect.TypeFor[time.Time]():
		sec := rapid.Int64Range(-2e9, 4e9).Draw(t, "sec")
		v.Set(reflect.ValueOf(time.Unix(sec, rapid.Int64Range(0, 999_999_999).Draw(t, "nsec")).UTC()))
		return v
	}
	switch ty.Kind() {
	case reflect.Bool:
		v.SetBool(rapid.Bool().Draw(t, "bool"))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := ty.Bits()
		v.SetInt(rapid.Int64Range(-1<<(bits-1), 1<<(bits-1)-1).Draw(t, "int"))
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		hi := uint64(1)<<ty.Bits() - 1
		if ty.Bits() == 64 {
			hi = math.MaxInt64
		}
		v.SetUint(rapid.Uint64Range(0, hi).Draw(t, "uint"))
	case reflect.Float32:
		v.SetFloat(float64(rapid.Float32Range(-1e30, 1e30).Draw(t, "float32")))
	case reflect.Float64:
		v.SetFloat(rapid.Float64Range(-1e300, 1e300).Draw(t, "float64"))
	case reflect.String:
		v.SetString(rapid.String().Draw(t, "string"))
	case reflect.Slice, reflect.Map, reflect.Pointer:
		if !nonNil && rapid.IntRange(0, 4).Draw(t, "nil") == 0 {
			return v
		}
		n := rapid.IntRange(0, 3).Draw(t, "len")
		switch ty.Kind() {
		case reflect.Slice:
			v.Set(reflect.MakeSlice(ty, n, n))
			for i := range n {
				v.Index(i).Set(decodeRandomValue(t, ty.Elem()))
			}
		case reflect.Map:
			v.Set(reflect.MakeMap(ty))
			for i := range n {
				v.SetMapIndex(reflect.ValueOf(fmt.Sprintf("k%d", i)), decodeRandomValue(t, ty.Elem()))
			}
		default:
			p := reflect.New(ty.Elem())
			p.Elem().Set(decodeRandomValueOf(t, ty.Elem(), true))
			v.Set(p)
		}
	case reflect.Array:
		for i := range ty.Len() {
			v.Index(i).Set(decodeRandomValue(t, ty.Elem()))
		}
	case reflect.Struct:
		for i := range ty.NumField() {
			v.Field(i).Set(decodeRandomValue(t, ty.Field(i).Type))
		}
	}
	return v
}

// Decode inverts ValueOf over random struct types and contents, and agrees
// with encoding/json's round trip.
func TestDecodeInvertsValueOf(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ty := decodeRandomType(t, 0)
		if ty.Kind() != reflect.Struct {
			ty = reflect.StructOf([]reflect.StructField{{Name: "X", Type: ty}})
		}
		x := decodeRandomValue(t, ty)
		v, err := ValueOf(x.Interface())
		if err != nil {
			t.Fatalf("ValueOf: %v", err)
		}
		y := reflect.New(ty)
		if err := v.Decode(y.Interface()); err != nil {
			t.Fatalf("Decode of %s into %s: %v", v, ty, err)
		}
		data, err := json.Marshal(x.Interface())
		if err != nil {
			t.Fatal(err)
		}
		viaJSON := reflect.New(ty)
		if err := json.Unmarshal(data, viaJSON.Interface()); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(viaJSON.Elem().Interface(), y.Elem().Interface()) {
			t.Fatalf("Decode and encoding/json differ on %s:\njson %#v\n got %#v", data, viaJSON.Elem().Interface(), y.Elem().Interface())
		}
		// omitempty drops empty maps and slices, which come back nil: the
		// one loss of the JSON round trip ValueOf takes for a struct.
		if !decodeHasOmitempty(ty) && !reflect.DeepEqual(x.Interface(), y.Elem().Interface()) {
			t.Fatalf("round trip of %s:\nwant %#v\n got %#v", ty, x.Interface(), y.Elem().Interface())
		}
	})
}

// decodeHasOmitempty reports whether a struct type in ty has a field tagged
// omitempty.
func decodeHasOmitempty(ty reflect.Type) bool {
	switch ty.Kind() {
	case reflect.Slice, reflect.Array, reflect.Pointer, reflect.Map:
		return decodeHasOmitempty(ty.Elem())
	case reflect.Struct:
		if ty == reflect.TypeFor[time.Time]() {
			return false
		}
		for i := range ty.NumField() {
			f := ty.Field(i)
			if strings.Contains(f.Tag.Get("json"), "omitempty") || decodeHasOmitempty(f.Type) {
				return true
			}
		}
	}
	return false
}
