package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// ValueOf returns the Value of an ordinary Go value, such as one an agent
// decoded from a model's JSON output:
//
//   - nil gives null; a bool, a string and every integer kind give bool,
//     string and int64 Values (a uint, uint64 or uintptr above math.MaxInt64 is
//     an error); float32 and float64 give float64 Values;
//   - []byte gives bytes, []float32 a vector (both copied);
//   - a Value is returned as is; []Value and map[string]Value give an array
//     and a map;
//   - []any, map[string]any, []string, map[string]string, []float64, []int,
//     []int64 and []bool give arrays and maps of the Values of their elements
//     (a nil slice or map gives an empty array or map);
//   - json.Number gives an int64 Value when it is an integer literal that
//     fits, otherwise a float64 Value;
//   - anything else (structs, pointers, other maps and slices, named types)
//     goes through encoding/json: it is marshalled, then decoded with integer
//     literals that fit int64 as int64 Values and other numbers as float64
//     Values, objects as maps and arrays as arrays.
//
// Values that cannot be represented (channels, functions, complex numbers,
// NaN or infinite floats inside a value that goes through encoding/json, a
// cycle, or nesting deeper than MaxValueDepth) give an error wrapping
// ErrInvalidValue. ValueOf never panics, even when a MarshalJSON method does,
// and it does not keep x or anything x refers to. It is safe for concurrent
// use as long as nobody writes to x meanwhile.
func ValueOf(x any) (Value, error) {
	return valueOf(x, 0)
}

func errDepth() error {
	return fmt.Errorf("%w: nested deeper than %d (or cyclic)", ErrInvalidValue, MaxValueDepth)
}

// valueOf converts x, which sits inside depth arrays and maps.
func valueOf(x any, depth int) (Value, error) {
	switch x := x.(type) {
	case nil:
		return Value{}, nil
	case Value:
		return x, nil
	case bool:
		return BoolValue(x), nil
	case string:
		return StringValue(x), nil
	case int:
		return Int64Value(int64(x)), nil
	case int8:
		return Int64Value(int64(x)), nil
	case int16:
		return Int64Value(int64(x)), nil
	case int32:
		return Int64Value(int64(x)), nil
	case int64:
		return Int64Value(x), nil
	case uint:
		return uintValue(uint64(x))
	case uint8:
		return Int64Value(int64(x)), nil
	case uint16:
		return Int64Value(int64(x)), nil
	case uint32:
		return Int64Value(int64(x)), nil
	case uint64:
		return uintValue(x)
	case uintptr:
		return uintValue(uint64(x))
	case float32:
		return Float64Value(float64(x)), nil
	case float64:
		return Float64Value(x), nil
	case json.Number:
		return numberValue(string(x))
	case []byte:
		return BytesValue(x), nil
	case []float32:
		return VectorValue(x), nil
	case []Value:
		if depth >= MaxValueDepth {
			return Value{}, errDepth()
		}
		return ArrayValue(x...), nil
	case map[string]Value:
		if depth >= MaxValueDepth {
			return Value{}, errDepth()
		}
		return MapValue(x), nil
	case []any:
		return sliceValue(x, depth, func(e any) (Value, error) { return valueOf(e, depth+1) })
	case map[string]any:
		if depth >= MaxValueDepth {
			return Value{}, errDepth()
		}
		m := make(map[string]Value, len(x))
		for k, e := range x {
			v, err := valueOf(e, depth+1)
			if err != nil {
				return Value{}, err
			}
			m[k] = v
		}
		return Value{any: m}, nil
	case []string:
		return sliceValue(x, depth, func(s string) (Value, error) { return StringValue(s), nil })
	case map[string]string:
		if depth >= MaxValueDepth {
			return Value{}, errDepth()
		}
		m := make(map[string]Value, len(x))
		for k, s := range x {
			m[k] = StringValue(s)
		}
		return Value{any: m}, nil
	case []float64:
		return sliceValue(x, depth, func(f float64) (Value, error) { return Float64Value(f), nil })
	case []int:
		return sliceValue(x, depth, func(i int) (Value, error) { return Int64Value(int64(i)), nil })
	case []int64:
		return sliceValue(x, depth, func(i int64) (Value, error) { return Int64Value(i), nil })
	case []bool:
		return sliceValue(x, depth, func(b bool) (Value, error) { return BoolValue(b), nil })
	default:
		return jsonValueOf(x, depth)
	}
}

func uintValue(u uint64) (Value, error) {
	if u > math.MaxInt64 {
		return Value{}, fmt.Errorf("%w: unsigned integer %d overflows int64", ErrInvalidValue, u)
	}
	return Int64Value(int64(u)), nil
}

// numberValue converts a JSON number literal.
func numberValue(s string) (Value, error) {
	if !isJSONNumber(s) {
		return Value{}, fmt.Errorf("%w: %q is not a JSON number", ErrInvalidValue, s)
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return Int64Value(i), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return Value{}, fmt.Errorf("%w: number %s is out of the float64 range", ErrInvalidValue, s)
	}
	return Float64Value(f), nil
}

// isJSONNumber reports whether s is a number literal of the JSON grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	digits := func(i int) int { // the index after the digits at s[i:]
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i
	}
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(i + 1)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(s)
}

// sliceValue builds an array Value from the elements of s.
func sliceValue[E any](s []E, depth int, conv func(E) (Value, error)) (Value, error) {
	if depth >= MaxValueDepth {
		return Value{}, errDepth()
	}
	if len(s) == 0 {
		return ArrayValue(), nil
	}
	a := make([]Value, len(s))
	for i, e := range s {
		v, err := conv(e)
		if err != nil {
			return Value{}, err
		}
		a[i] = v
	}
	return Value{num: uint64(len(a)), any: arrayptr(&a[0])}, nil
}

// jsonValueOf converts x by way of its JSON encoding.
func jsonValueOf(x any, depth int) (v Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = Value{}, fmt.Errorf("%w: %T: encoding/json panicked: %v", ErrInvalidValue, x, r)
		}
	}()
	data, err := json.Marshal(x)
	if err != nil {
		return Value{}, fmt.Errorf("%w: %T: %w", ErrInvalidValue, x, err)
	}
	return decodeJSON(data, depth)
}

// decodeJSON converts one JSON text, which sits inside depth arrays and maps.
func decodeJSON(data []byte, depth int) (Value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var y any
	if err := dec.Decode(&y); err != nil {
		return Value{}, fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Value{}, fmt.Errorf("%w: data after the JSON value", ErrInvalidValue)
	}
	return valueOf(y, depth)
}

// Any returns v as an ordinary Go value, the inverse of ValueOf: nil, bool,
// int64, float64, string, []byte, []any, map[string]any, or []float32 for a
// vector. Slices and maps are fresh copies the caller owns. ValueOf(v.Any())
// equals v (for a v ValueOf can take: nested at most MaxValueDepth deep). It
// does not recurse, so any depth that can be built is safe. Any is safe for
// concurrent use.
func (v Value) Any() any {
	type job struct {
		src Value          // an array or a map
		arr []any          // its copy, to fill: for an array
		m   map[string]any // for a map
	}
	var stack []job
	// conv returns e's copy; an array's or map's is filled later, from the
	// stack.
	conv := func(e Value) any {
		switch e.Kind() {
		case KindArray:
			a := make([]any, e.num)
			stack = append(stack, job{src: e, arr: a})
			return a
		case KindMap:
			m := make(map[string]any, e.Len())
			stack = append(stack, job{src: e, m: m})
			return m
		default:
			return e.anyScalar()
		}
	}
	out := conv(v)
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if j.m == nil {
			for i, e := range j.src.array() {
				j.arr[i] = conv(e)
			}
			continue
		}
		for k, e := range j.src.any.(map[string]Value) {
			j.m[k] = conv(e)
		}
	}
	return out
}

// anyScalar is Any for a v that is not an array or a map.
func (v Value) anyScalar() any {
	switch v.Kind() {
	case KindNull:
		return nil
	case KindBool:
		return v.num == 1
	case KindInt64:
		return int64(v.num)
	case KindFloat64:
		return math.Float64frombits(v.num)
	case KindString:
		return v.str()
	case KindBytes:
		return v.Bytes()
	default: // KindVector
		return v.Vector()
	}
}
