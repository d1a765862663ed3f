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

func (v Value) render(b *strings.Builder) {
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
	case KindArray:
		b.WriteByte('[')
		for i, e := range v.array() {
			if i > 0 {
				b.WriteByte(' ')
			}
			e.render(b)
		}
		b.WriteByte(']')
	case KindMap:
		m := v.any.(map[string]Value)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			m[k].render(b)
		}
		b.WriteByte('}')
	}
}
