package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/inmemdb/inmem/core"
)

// This file is a stand-in for core's binary value codec, which is being
// written on another branch. It encodes through Value's public accessors;
// once core.Value.AppendBinary and core.DecodeValue land, this file goes and
// the package calls them directly.

// errCorrupt stands in for core.ErrCorrupt until it lands.
var errCorrupt = errors.New("inmem: corrupt data")

// maxValueDepth bounds the nesting of arrays and maps a decoder accepts.
const maxValueDepth = 64

func appendValue(b []byte, v core.Value) ([]byte, error) {
	return appendValueDepth(b, v, 0)
}

func appendValueDepth(b []byte, v core.Value, depth int) ([]byte, error) {
	if depth > maxValueDepth {
		return b, fmt.Errorf("%w: value nested deeper than %d", core.ErrTooLarge, maxValueDepth)
	}
	k := v.Kind()
	b = append(b, byte(k))
	switch k {
	case core.KindNull:
	case core.KindBool:
		if v.Bool() {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	case core.KindInt64:
		b = binary.LittleEndian.AppendUint64(b, uint64(v.Int64()))
	case core.KindFloat64:
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Float64()))
	case core.KindString:
		s := v.String()
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	case core.KindBytes:
		s := v.Bytes()
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	case core.KindArray:
		a := v.Array()
		b = binary.AppendUvarint(b, uint64(len(a)))
		for _, e := range a {
			var err error
			if b, err = appendValueDepth(b, e, depth+1); err != nil {
				return b, err
			}
		}
	case core.KindMap:
		m := v.Map()
		keys := make([]string, 0, len(m))
		for key := range m {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		b = binary.AppendUvarint(b, uint64(len(m)))
		for _, key := range keys {
			b = binary.AppendUvarint(b, uint64(len(key)))
			b = append(b, key...)
			var err error
			if b, err = appendValueDepth(b, m[key], depth+1); err != nil {
				return b, err
			}
		}
	}
	return b, nil
}

func decodeValue(b []byte) (core.Value, int, error) {
	return decodeValueDepth(b, 0)
}

func badValue(what string) error { return fmt.Errorf("%w: value: %s", errCorrupt, what) }

func decodeValueDepth(b []byte, depth int) (core.Value, int, error) {
	if depth > maxValueDepth {
		return core.Value{}, 0, badValue("nested too deep")
	}
	if len(b) < 1 {
		return core.Value{}, 0, badValue("truncated kind")
	}
	k, n := core.Kind(b[0]), 1
	switch k {
	case core.KindNull:
		return core.NullValue(), n, nil
	case core.KindBool:
		if len(b) < 2 || b[1] > 1 {
			return core.Value{}, 0, badValue("bad bool")
		}
		return core.BoolValue(b[1] == 1), 2, nil
	case core.KindInt64, core.KindFloat64:
		if len(b) < 9 {
			return core.Value{}, 0, badValue("truncated number")
		}
		u := binary.LittleEndian.Uint64(b[1:])
		if k == core.KindInt64 {
			return core.Int64Value(int64(u)), 9, nil
		}
		return core.Float64Value(math.Float64frombits(u)), 9, nil
	case core.KindString, core.KindBytes:
		l, m := binary.Uvarint(b[n:])
		if m <= 0 || l > uint64(len(b)-n-m) {
			return core.Value{}, 0, badValue("truncated string")
		}
		n += m
		s := b[n : n+int(l)]
		n += int(l)
		if k == core.KindString {
			return core.StringValue(string(s)), n, nil
		}
		return core.BytesValue(s), n, nil
	case core.KindArray:
		l, m := binary.Uvarint(b[n:])
		if m <= 0 || l > uint64(len(b)-n-m) { // every element takes at least one byte
			return core.Value{}, 0, badValue("bad array length")
		}
		n += m
		a := make([]core.Value, 0, l)
		for range l {
			e, m, err := decodeValueDepth(b[n:], depth+1)
			if err != nil {
				return core.Value{}, 0, err
			}
			a = append(a, e)
			n += m
		}
		return core.ArrayValue(a...), n, nil
	case core.KindMap:
		l, m := binary.Uvarint(b[n:])
		if m <= 0 || l > uint64(len(b)-n-m)/2 {
			return core.Value{}, 0, badValue("bad map length")
		}
		n += m
		mp := make(map[string]core.Value, l)
		prev := ""
		for i := range l {
			kl, m := binary.Uvarint(b[n:])
			if m <= 0 || kl > uint64(len(b)-n-m) {
				return core.Value{}, 0, badValue("truncated map key")
			}
			n += m
			key := string(b[n : n+int(kl)])
			n += int(kl)
			if i > 0 && key <= prev {
				return core.Value{}, 0, badValue("map keys out of order")
			}
			prev = key
			e, m, err := decodeValueDepth(b[n:], depth+1)
			if err != nil {
				return core.Value{}, 0, err
			}
			mp[key] = e
			n += m
		}
		return core.MapValue(mp), n, nil
	}
	return core.Value{}, 0, badValue(fmt.Sprintf("unknown kind %d", k))
}
