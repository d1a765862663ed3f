package core

import (
	"fmt"
	"maps"
	"math"
	"unsafe"
)

// Kind is the kind of a Value.
type Kind uint8

// The kinds of Value. The zero Value is KindNull.
const (
	KindNull Kind = iota
	KindBool
	KindInt64
	KindFloat64
	KindString
	KindBytes
	KindArray
	KindMap
	KindVector // a vector of float32: an embedding
)

var kindNames = [...]string{"null", "bool", "int64", "float64", "string", "bytes", "array", "map", "vector"}

// String returns the kind's name ("null", "bool", "int64", ..., "vector").
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Value is an immutable value of one of the kinds above, in the style of
// log/slog's Value: it is small (24 bytes on 64-bit machines), it is built by
// the XxxValue constructors, and the zero Value is null.
//
// Constructors copy what they are given and accessors that return a slice or a
// map return a copy, so no caller can change a stored value; Values may be
// shared between goroutines freely.
//
// Costs: NullValue, BoolValue, Int64Value, Float64Value and StringValue
// allocate nothing (a string is immutable and is referenced, not copied);
// BytesValue, VectorValue and ArrayValue allocate one copy of their argument;
// MapValue allocates one map. The accessors Bool, Int64, Float64 and String
// allocate nothing for their own kind; Bytes, Vector, Array and Map allocate
// the copy they return.
type Value struct {
	_   [0]func() // Values are compared with Equal, not ==.
	num uint64    // bool, int64, float64 bits; or the length of a string, bytes, array or vector
	any any       // nil: null; Kind: bool/int64/float64; stringptr, bytesptr, arrayptr, vectorptr; map[string]Value
}

type (
	stringptr *byte
	bytesptr  *byte
	arrayptr  *Value
	vectorptr *float32
)

// NullValue returns the null Value, which is also the zero Value.
func NullValue() Value { return Value{} }

// BoolValue returns a Value holding b.
func BoolValue(b bool) Value {
	var n uint64
	if b {
		n = 1
	}
	return Value{num: n, any: KindBool}
}

// Int64Value returns a Value holding i.
func Int64Value(i int64) Value { return Value{num: uint64(i), any: KindInt64} }

// Float64Value returns a Value holding f.
func Float64Value(f float64) Value { return Value{num: math.Float64bits(f), any: KindFloat64} }

// StringValue returns a Value holding s. It does not allocate.
func StringValue(s string) Value {
	return Value{num: uint64(len(s)), any: stringptr(unsafe.StringData(s))}
}

// BytesValue returns a Value holding a copy of b.
func BytesValue(b []byte) Value {
	if len(b) == 0 {
		return Value{any: bytesptr(nil)}
	}
	c := make([]byte, len(b))
	copy(c, b)
	return Value{num: uint64(len(c)), any: bytesptr(unsafe.SliceData(c))}
}

// ArrayValue returns a Value holding a copy of vs. The elements themselves are
// immutable, so the copy is shallow.
func ArrayValue(vs ...Value) Value {
	if len(vs) == 0 {
		return Value{any: arrayptr(nil)}
	}
	c := make([]Value, len(vs))
	copy(c, vs)
	return Value{num: uint64(len(c)), any: arrayptr(unsafe.SliceData(c))}
}

// MapValue returns a Value holding a copy of m.
func MapValue(m map[string]Value) Value {
	c := make(map[string]Value, len(m))
	maps.Copy(c, m)
	return Value{any: c}
}

// Kind returns v's kind.
func (v Value) Kind() Kind {
	switch x := v.any.(type) {
	case nil:
		return KindNull
	case Kind:
		return x
	case stringptr:
		return KindString
	case bytesptr:
		return KindBytes
	case arrayptr:
		return KindArray
	case map[string]Value:
		return KindMap
	case vectorptr:
		return KindVector
	default:
		panic(fmt.Sprintf("inmem: corrupt Value %T", x))
	}
}

func (v Value) mustBe(k Kind) {
	if got := v.Kind(); got != k {
		panic(fmt.Sprintf("inmem: Value kind is %s, not %s", got, k))
	}
}

// Bool returns v's boolean. It panics if v is not KindBool.
func (v Value) Bool() bool { v.mustBe(KindBool); return v.num == 1 }

// Int64 returns v's integer. It panics if v is not KindInt64.
func (v Value) Int64() int64 { v.mustBe(KindInt64); return int64(v.num) }

// Float64 returns v's float. It panics if v is not KindFloat64.
func (v Value) Float64() float64 { v.mustBe(KindFloat64); return math.Float64frombits(v.num) }

// Bytes returns a copy of v's bytes. It panics if v is not KindBytes.
func (v Value) Bytes() []byte {
	v.mustBe(KindBytes)
	return append([]byte{}, v.bytes()...)
}

// Array returns a copy of v's elements. It panics if v is not KindArray.
func (v Value) Array() []Value {
	v.mustBe(KindArray)
	return append([]Value{}, v.array()...)
}

// Map returns a copy of v's map. It panics if v is not KindMap.
func (v Value) Map() map[string]Value {
	v.mustBe(KindMap)
	return maps.Clone(v.any.(map[string]Value))
}

// Len returns the length of a string, bytes, array, map or vector Value, and 0
// for the other kinds.
func (v Value) Len() int {
	if m, ok := v.any.(map[string]Value); ok {
		return len(m)
	}
	if _, ok := v.any.(Kind); ok {
		return 0
	}
	return int(v.num)
}

func (v Value) str() string {
	p, _ := v.any.(stringptr)
	return unsafe.String((*byte)(p), int(v.num))
}

func (v Value) bytes() []byte {
	p, _ := v.any.(bytesptr)
	return unsafe.Slice((*byte)(p), int(v.num))
}

func (v Value) array() []Value {
	p, _ := v.any.(arrayptr)
	return unsafe.Slice((*Value)(p), int(v.num))
}

// Equal reports whether v and o are deeply equal. It is kind-strict:
// Int64Value(1) does not equal Float64Value(1). Floats, and the elements of
// vectors, are equal when their bits are, so a NaN equals the same NaN and 0
// does not equal -0. Any depth that can be built is safe: past recurseDepth
// levels it walks with a stack of its own. Safe for concurrent use.
func (v Value) Equal(o Value) bool { return equal(v, o, 0) }

// equal is Equal for v and o inside depth arrays and maps.
func equal(v, o Value, depth int) bool {
	k := v.Kind()
	if k != o.Kind() {
		return false
	}
	switch k {
	case KindArray:
		a, b := v.array(), o.array()
		if len(a) != len(b) {
			return false
		}
		if depth >= recurseDepth {
			return equalDeep(v, o)
		}
		for i := range a {
			if !equal(a[i], b[i], depth+1) {
				return false
			}
		}
		return true
	case KindMap:
		a, b := v.any.(map[string]Value), o.any.(map[string]Value)
		if len(a) != len(b) {
			return false
		}
		if depth >= recurseDepth {
			return equalDeep(v, o)
		}
		for key, x := range a {
			y, ok := b[key]
			if !ok || !equal(x, y, depth+1) {
				return false
			}
		}
		return true
	default:
		return equalScalar(v, o, k)
	}
}

// equalScalar is Equal for v and o of kind k, which is not an array or a
// map.
func equalScalar(v, o Value, k Kind) bool {
	switch k {
	case KindNull:
		return true
	case KindBool, KindInt64, KindFloat64:
		return v.num == o.num
	case KindString:
		return v.str() == o.str()
	case KindBytes:
		return string(v.bytes()) == string(o.bytes())
	default: // KindVector
		a, b := v.vector(), o.vector()
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				return false
			}
		}
		return true
	}
}

// equalDeep is equal without recursion, for what lies past recurseDepth:
// a stack of pairs still to compare, arrays as the rest of both element
// lists, maps compared key by key as they are taken from the stack.
func equalDeep(v, o Value) bool {
	type pair struct {
		a, b   []Value          // the rest of two arrays of one length
		ma, mb map[string]Value // or two maps of one length
	}
	var stack []pair
	for {
		// v and o are a pair to compare.
		k := v.Kind()
		if k != o.Kind() {
			return false
		}
		switch k {
		case KindArray:
			a, b := v.array(), o.array()
			if len(a) != len(b) {
				return false
			}
			if len(a) > 0 {
				stack = append(stack, pair{a: a, b: b})
			}
		case KindMap:
			a, b := v.any.(map[string]Value), o.any.(map[string]Value)
			if len(a) != len(b) {
				return false
			}
			if len(a) > 0 {
				stack = append(stack, pair{ma: a, mb: b})
			}
		default:
			if !equalScalar(v, o, k) {
				return false
			}
		}
		// The next pair: from the innermost arrays, or, for maps, every
		// pair of values, compared or queued now.
		for {
			if len(stack) == 0 {
				return true
			}
			p := &stack[len(stack)-1]
			if p.ma == nil {
				v, o = p.a[0], p.b[0]
				if p.a, p.b = p.a[1:], p.b[1:]; len(p.a) == 0 {
					stack = stack[:len(stack)-1]
				}
				break
			}
			ma, mb := p.ma, p.mb
			stack = stack[:len(stack)-1]
			for key, x := range ma {
				y, ok := mb[key]
				if !ok {
					return false
				}
				switch kx := x.Kind(); {
				case kx != y.Kind():
					return false
				case kx == KindArray:
					a, b := x.array(), y.array()
					if len(a) != len(b) {
						return false
					}
					if len(a) > 0 {
						stack = append(stack, pair{a: a, b: b})
					}
				case kx == KindMap:
					a, b := x.any.(map[string]Value), y.any.(map[string]Value)
					if len(a) != len(b) {
						return false
					}
					if len(a) > 0 {
						stack = append(stack, pair{ma: a, mb: b})
					}
				case !equalScalar(x, y, kx):
					return false
				}
			}
		}
	}
}
