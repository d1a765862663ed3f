package etcdstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/inmemdb/inmem/core"
)

// The value codec. core has no binary codec for Value yet, so the store
// writes its own through Value's public accessors; it can switch to core's
// once there is one (the record's format byte tells the two apart).
//
//	null                   kind
//	bool                   kind, 0 or 1
//	int64, float64         kind, 8 bytes big-endian (a float by its bits)
//	string, bytes          kind, uvarint length, the bytes
//	array                  kind, uvarint count, the elements
//	map                    kind, uvarint count, per entry in key order:
//	                       uvarint key length, the key, the value
//
// Decoding checks every length against what is left, so a corrupt record is
// an error, never a panic or a huge allocation.

// maxValueDepth bounds the nesting of arrays and maps, so that decoding
// cannot exhaust the stack.
const maxValueDepth = 1000

var errValueTooDeep = fmt.Errorf("%w: value nested deeper than %d arrays or maps", core.ErrTooLarge, maxValueDepth)

func appendValue(dst []byte, v core.Value, depth int) ([]byte, error) {
	if depth > maxValueDepth {
		return nil, errValueTooDeep
	}
	k := v.Kind()
	dst = append(dst, byte(k))
	switch k {
	case core.KindNull:
	case core.KindBool:
		b := byte(0)
		if v.Bool() {
			b = 1
		}
		dst = append(dst, b)
	case core.KindInt64:
		dst = binary.BigEndian.AppendUint64(dst, uint64(v.Int64()))
	case core.KindFloat64:
		dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(v.Float64()))
	case core.KindString:
		s := v.String()
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	case core.KindBytes:
		b := v.Bytes()
		dst = binary.AppendUvarint(dst, uint64(len(b)))
		dst = append(dst, b...)
	case core.KindArray:
		vs := v.Array()
		dst = binary.AppendUvarint(dst, uint64(len(vs)))
		for _, e := range vs {
			var err error
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return nil, err
			}
		}
	case core.KindMap:
		m := v.Map()
		keys := make([]string, 0, len(m))
		for key := range m {
			keys = append(keys, key)
		}
		slices.Sort(keys)
		dst = binary.AppendUvarint(dst, uint64(len(keys)))
		for _, key := range keys {
			dst = binary.AppendUvarint(dst, uint64(len(key)))
			dst = append(dst, key...)
			var err error
			if dst, err = appendValue(dst, m[key], depth+1); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("etcdstore: cannot encode a value of kind %v", k)
	}
	return dst, nil
}

var errShort = errors.New("truncated")

// valueDecoder reads values off the front of b.
type valueDecoder struct{ b []byte }

func (d *valueDecoder) byte() (byte, error) {
	if len(d.b) < 1 {
		return 0, errShort
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c, nil
}

func (d *valueDecoder) uint64() (uint64, error) {
	if len(d.b) < 8 {
		return 0, errShort
	}
	u := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return u, nil
}

// length reads a uvarint count of items of at least one byte each: it can
// be no more than the bytes left.
func (d *valueDecoder) length() (int, error) {
	n, w := binary.Uvarint(d.b)
	if w <= 0 {
		return 0, errShort
	}
	d.b = d.b[w:]
	if n > uint64(len(d.b)) {
		return 0, errShort
	}
	return int(n), nil
}

func (d *valueDecoder) bytes() ([]byte, error) {
	n, err := d.length()
	if err != nil {
		return nil, err
	}
	b := d.b[:n]
	d.b = d.b[n:]
	return b, nil
}

func (d *valueDecoder) value(depth int) (core.Value, error) {
	if depth > maxValueDepth {
		return core.Value{}, errValueTooDeep
	}
	k, err := d.byte()
	if err != nil {
		return core.Value{}, err
	}
	switch core.Kind(k) {
	case core.KindNull:
		return core.NullValue(), nil
	case core.KindBool:
		c, err := d.byte()
		if err != nil || c > 1 {
			return core.Value{}, errors.Join(err, errors.New("bad bool"))
		}
		return core.BoolValue(c == 1), nil
	case core.KindInt64:
		u, err := d.uint64()
		return core.Int64Value(int64(u)), err
	case core.KindFloat64:
		u, err := d.uint64()
		return core.Float64Value(math.Float64frombits(u)), err
	case core.KindString:
		b, err := d.bytes()
		return core.StringValue(string(b)), err
	case core.KindBytes:
		b, err := d.bytes()
		return core.BytesValue(b), err
	case core.KindArray:
		n, err := d.length()
		if err != nil {
			return core.Value{}, err
		}
		vs := make([]core.Value, n)
		for i := range vs {
			if vs[i], err = d.value(depth + 1); err != nil {
				return core.Value{}, err
			}
		}
		return core.ArrayValue(vs...), nil
	case core.KindMap:
		n, err := d.length()
		if err != nil {
			return core.Value{}, err
		}
		m := make(map[string]core.Value, n)
		for range n {
			key, err := d.bytes()
			if err != nil {
				return core.Value{}, err
			}
			if m[string(key)], err = d.value(depth + 1); err != nil {
				return core.Value{}, err
			}
		}
		return core.MapValue(m), nil
	default:
		return core.Value{}, fmt.Errorf("unknown kind %d", k)
	}
}
