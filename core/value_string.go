package core

import (
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// String returns the string of a KindString Value, unquoted and without
// allocating. For the other kinds it returns a readable rendering: null, true,
// 42, 1.5, 0x0a0b for bytes, [1 "a"] for arrays, {"k":1} for maps (keys
// sorted) and vector[0.5 -1] for vectors, with strings inside arrays and maps
// quoted.
func (v Value) String() string {
	if v.Kind() == KindString {
		return v.str()
	}
	var b strings.Builder
	v.render(&b)
	return b.String()
}

// render writes v's rendering to b. It does not recurse, so any depth that
// can be built is safe: arrays and maps being written wait on a stack.
func (v Value) render(b *strings.Builder) {
	type frame struct {
		arr   []Value          // an array's elements
		keys  []string         // or a map's keys, sorted
		m     map[string]Value //
		isMap bool
		i     int // the next element or key
	}
	var stack []frame
	for {
		switch v.Kind() {
		case KindArray:
			b.WriteByte('[')
			stack = append(stack, frame{arr: v.array()})
		case KindMap:
			m := v.any.(map[string]Value)
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			b.WriteByte('{')
			stack = append(stack, frame{keys: keys, m: m, isMap: true})
		default:
			v.renderScalar(b)
		}
		// The next value to write, closing what is finished.
		for {
			if len(stack) == 0 {
				return
			}
			f := &stack[len(stack)-1]
			n, closer := len(f.arr), byte(']')
			if f.isMap {
				n, closer = len(f.keys), '}'
			}
			if f.i == n {
				b.WriteByte(closer)
				stack = stack[:len(stack)-1]
				continue
			}
			if f.i > 0 {
				b.WriteByte(' ')
			}
			if f.isMap {
				k := f.keys[f.i]
				b.WriteString(strconv.Quote(k))
				b.WriteByte(':')
				v = f.m[k]
			} else {
				v = f.arr[f.i]
			}
			f.i++
			break
		}
	}
}

// renderScalar writes v, which is not an array or a map, to b.
func (v Value) renderScalar(b *strings.Builder) {
	switch v.Kind() {
	case KindNull:
		b.WriteString("null")
	case KindBool:
		b.WriteString(strconv.FormatBool(v.num == 1))
	case KindInt64:
		b.WriteString(strconv.FormatInt(int64(v.num), 10))
	case KindFloat64:
		b.WriteString(strconv.FormatFloat(v.Float64(), 'g', -1, 64))
	case KindString:
		b.WriteString(strconv.Quote(v.str()))
	case KindBytes:
		b.WriteString("0x")
		b.WriteString(hex.EncodeToString(v.bytes()))
	case KindVector:
		b.WriteString("vector[")
		for i, f := range v.vector() {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.FormatFloat(float64(f), 'g', -1, 32))
		}
		b.WriteByte(']')
	}
}
