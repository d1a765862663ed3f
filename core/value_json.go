package core

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// MarshalJSON returns v as natural JSON: null, true or false, a number, a
// string, an array or an object (keys sorted). It implements json.Marshaler.
//
// Floats always carry a fraction or an exponent (1.0, not 1), so that
// UnmarshalJSON gives a float64 Value back, with the same bits (-0.0
// included). Two kinds do not survive a JSON round trip: bytes are written as
// a standard base64 string and come back as a string, and a vector is written
// as an array of numbers and comes back as an array of float64 Values. A NaN or
// infinite float (or vector element), which JSON cannot express, and nesting
// deeper than MaxValueDepth are errors wrapping ErrInvalidValue, as
// encoding/json fails on such floats. Strings that are not valid UTF-8 are
// written with U+FFFD for each bad byte, as encoding/json does. MarshalJSON is
// safe for concurrent use.
func (v Value) MarshalJSON() ([]byte, error) {
	// The binary size is a close guess at the JSON size (a little short for
	// numbers and vectors): it saves most regrowing.
	n := binarySize(v, 0)
	return appendJSON(make([]byte, 0, n+n/2), v, 0)
}

// UnmarshalJSON sets *v to the Value of one JSON text: null, booleans,
// strings, arrays and objects become their kinds; a number written as an
// integer literal that fits int64 becomes an int64 Value, any other number a
// float64 Value. JSON null sets *v to the null Value (null is a Value, so this
// is not the no-op some Unmarshalers make of it). Invalid JSON, data after
// the value, a number beyond the float64 range, or nesting deeper than
// MaxValueDepth is an error wrapping ErrInvalidValue, and *v is left
// unchanged. It implements json.Unmarshaler.
func (v *Value) UnmarshalJSON(data []byte) error {
	if v == nil {
		return fmt.Errorf("%w: UnmarshalJSON into a nil *Value", ErrInvalidValue)
	}
	x, err := decodeJSON(data, 0)
	if err != nil {
		return err
	}
	*v = x
	return nil
}

func appendJSON(b []byte, v Value, depth int) ([]byte, error) {
	var err error
	switch v.Kind() {
	case KindNull:
		b = append(b, "null"...)
	case KindBool:
		b = strconv.AppendBool(b, v.num == 1)
	case KindInt64:
		b = strconv.AppendInt(b, int64(v.num), 10)
	case KindFloat64:
		return appendJSONFloat(b, math.Float64frombits(v.num), 64)
	case KindString:
		b = appendJSONString(b, v.str())
	case KindBytes:
		p := v.bytes()
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, p)
		b = append(b, '"')
	case KindVector:
		b = append(b, '[')
		for i, f := range v.vector() {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSONFloat(b, float64(f), 32); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	case KindArray:
		if depth >= MaxValueDepth {
			return nil, errTooDeep()
		}
		b = append(b, '[')
		for i, e := range v.array() {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	default: // KindMap
		if depth >= MaxValueDepth {
			return nil, errTooDeep()
		}
		m := v.any.(map[string]Value)
		var buf [16]string
		keys := buf[:0]
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			if b, err = appendJSON(b, m[k], depth+1); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	}
	return b, nil
}

// appendJSONFloat appends f (of bitSize 32 or 64) as a JSON number that always
// reads back as a float: with a fraction or an exponent.
func appendJSONFloat(b []byte, f float64, bitSize int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%w: %v has no JSON form", ErrInvalidValue, f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bitSize == 32 {
			abs = float64(float32(abs))
		}
		if abs < 1e-6 || abs >= 1e21 {
			format = 'e'
		}
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, format, -1, bitSize)
	if format == 'f' && !slices.Contains(b[start:], '.') {
		b = append(b, ".0"...)
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaping what JSON requires
// (and U+2028, U+2029, as encoding/json does) and replacing invalid UTF-8 with
// U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
