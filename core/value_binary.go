package core

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// MaxValueDepth is how deeply arrays and maps may nest in a Value that is
// encoded (Value.AppendBinary) or decoded (DecodeValue): an array of scalars
// has depth 1, an array holding such an array depth 2.
const MaxValueDepth = 1000

// AppendBinary appends the binary encoding of v to b and returns the extended
// slice, in the shape of encoding.BinaryAppender. The write-ahead log and
// backups store values in this form. A value encodes as one kind byte (the
// Kind's number) followed by its payload:
//
//	null     0x00
//	bool     0x01  one byte, 0x00 (false) or 0x01 (true)
//	int64    0x02  8 bytes, two's complement, big-endian
//	float64  0x03  8 bytes, the IEEE 754 bits (math.Float64bits), big-endian
//	string   0x04  uvarint(byte length) bytes
//	bytes    0x05  uvarint(byte length) bytes
//	array    0x06  uvarint(element count) element...
//	map      0x07  uvarint(entry count) (uvarint(key length) key value)...
//	vector   0x08  uvarint(element count) (4 bytes: IEEE 754 float32 bits, big-endian)...
//
// uvarint is encoding/binary's unsigned varint, in its shortest form. Map
// entries are sorted by key, bytewise, so every Value has exactly one
// encoding and equal Values (Value.Equal) encode to equal bytes. Floats and
// vector elements keep their exact bits (NaN payloads, -0). Arrays and maps nest at most
// MaxValueDepth deep: a deeper value is an error wrapping ErrInvalidValue,
// and b is returned unextended. A new kind gets a new kind byte, so the kind
// byte also versions the format.
//
// AppendBinary allocates nothing when b has room and v holds no map of more
// than 16 entries. It is safe for concurrent use.
func (v Value) AppendBinary(b []byte) ([]byte, error) {
	out, err := appendValue(b, v, 0)
	if err != nil {
		return b, err
	}
	return out, nil
}

// MarshalBinary returns the binary encoding of v in a slice of exactly its
// length (see AppendBinary). It implements encoding.BinaryMarshaler.
func (v Value) MarshalBinary() ([]byte, error) {
	b, err := v.AppendBinary(make([]byte, 0, binarySize(v, 0)))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// UnmarshalBinary sets *v to the Value data encodes. data must hold exactly
// one encoded value: malformed input or trailing bytes are an error wrapping
// ErrCorrupt, and *v is left unchanged. The decoded Value shares no memory
// with data. It implements encoding.BinaryUnmarshaler.
func (v *Value) UnmarshalBinary(data []byte) error {
	if v == nil {
		return fmt.Errorf("%w: UnmarshalBinary into a nil *Value", ErrInvalidValue)
	}
	d := valueDecoder{b: data}
	x, err := d.value(0)
	if err != nil {
		return err
	}
	if d.off != len(data) {
		return d.corrupt("trailing bytes after the value")
	}
	*v = x
	return nil
}

// DecodeValue decodes one value (in the format of Value.AppendBinary) from the
// front of b and returns it with the number of bytes it took, so a caller can
// read values out of a larger record. It accepts exactly the encodings
// AppendBinary produces: a truncated value, an unknown kind byte, a bool byte
// other than 0 or 1, a length or count larger than the bytes that remain can
// hold, a uvarint not in shortest form, map keys out of order or repeated, or
// nesting deeper than MaxValueDepth is an error wrapping ErrCorrupt (with the
// zero Value and 0). Whatever the input claims, decoding allocates at most a
// small constant multiple of its size. The Value shares no memory with b.
// DecodeValue never panics and is safe for concurrent use.
func DecodeValue(b []byte) (Value, int, error) {
	d := valueDecoder{b: b}
	v, err := d.value(0)
	if err != nil {
		return Value{}, 0, err
	}
	return v, d.off, nil
}

func errTooDeep() error {
	return fmt.Errorf("%w: arrays and maps nested deeper than %d", ErrInvalidValue, MaxValueDepth)
}

// appendValue appends v's encoding; depth is the number of arrays and maps
// around v.
func appendValue(b []byte, v Value, depth int) ([]byte, error) {
	k := v.Kind()
	b = append(b, byte(k))
	switch k {
	case KindBool:
		b = append(b, byte(v.num))
	case KindInt64, KindFloat64:
		b = binary.BigEndian.AppendUint64(b, v.num)
	case KindString:
		s := v.str()
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	case KindBytes:
		p := v.bytes()
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	case KindVector:
		vec := v.vector()
		b = binary.AppendUvarint(b, uint64(len(vec)))
		for _, f := range vec {
			b = binary.BigEndian.AppendUint32(b, math.Float32bits(f))
		}
	case KindArray:
		if depth >= MaxValueDepth {
			return b, errTooDeep()
		}
		a := v.array()
		b = binary.AppendUvarint(b, uint64(len(a)))
		for _, e := range a {
			var err error
			if b, err = appendValue(b, e, depth+1); err != nil {
				return b, err
			}
		}
	case KindMap:
		if depth >= MaxValueDepth {
			return b, errTooDeep()
		}
		m := v.any.(map[string]Value)
		b = binary.AppendUvarint(b, uint64(len(m)))
		var buf [16]string
		keys := buf[:0]
		for key := range m {
			keys = append(keys, key)
		}
		slices.Sort(keys)
		for _, key := range keys {
			b = binary.AppendUvarint(b, uint64(len(key)))
			b = append(b, key...)
			var err error
			if b, err = appendValue(b, m[key], depth+1); err != nil {
				return b, err
			}
		}
	}
	return b, nil
}

// binarySize returns the length of v's encoding (a lower bound when v nests
// too deeply, which AppendBinary then rejects).
func binarySize(v Value, depth int) int {
	switch v.Kind() {
	case KindNull:
		return 1
	case KindBool:
		return 2
	case KindInt64, KindFloat64:
		return 9
	case KindString, KindBytes:
		return 1 + uvarintLen(v.num) + int(v.num)
	case KindVector:
		return 1 + uvarintLen(v.num) + 4*int(v.num)
	case KindArray:
		if depth >= MaxValueDepth {
			return 0
		}
		a := v.array()
		n := 1 + uvarintLen(uint64(len(a)))
		for _, e := range a {
			n += binarySize(e, depth+1)
		}
		return n
	default: // KindMap
		if depth >= MaxValueDepth {
			return 0
		}
		m := v.any.(map[string]Value)
		n := 1 + uvarintLen(uint64(len(m)))
		for key, e := range m {
			n += uvarintLen(uint64(len(key))) + len(key) + binarySize(e, depth+1)
		}
		return n
	}
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// valueDecoder reads values off b, starting at off.
type valueDecoder struct {
	b   []byte
	off int
}

func (d *valueDecoder) corrupt(what string) error {
	return fmt.Errorf("%w: value: %s at byte %d", ErrCorrupt, what, d.off)
}

// value decodes one value; depth is the number of arrays and maps around it.
func (d *valueDecoder) value(depth int) (Value, error) {
	if d.off >= len(d.b) {
		return Value{}, d.corrupt("truncated: no kind byte")
	}
	k := Kind(d.b[d.off])
	d.off++
	switch k {
	case KindNull:
		return Value{}, nil
	case KindBool:
		if d.off >= len(d.b) {
			return Value{}, d.corrupt("truncated bool")
		}
		c := d.b[d.off]
		if c > 1 {
			return Value{}, d.corrupt(fmt.Sprintf("bool byte 0x%02x", c))
		}
		d.off++
		return BoolValue(c == 1), nil
	case KindInt64, KindFloat64:
		if len(d.b)-d.off < 8 {
			return Value{}, d.corrupt("truncated " + k.String())
		}
		n := binary.BigEndian.Uint64(d.b[d.off:])
		d.off += 8
		return Value{num: n, any: k}, nil
	case KindString:
		n, err := d.count(1)
		if err != nil {
			return Value{}, err
		}
		s := string(d.b[d.off : d.off+n])
		d.off += n
		return StringValue(s), nil
	case KindBytes:
		n, err := d.count(1)
		if err != nil {
			return Value{}, err
		}
		v := BytesValue(d.b[d.off : d.off+n])
		d.off += n
		return v, nil
	case KindVector:
		return d.vectorValue()
	case KindArray:
		return d.array(depth)
	case KindMap:
		return d.mapValue(depth)
	default:
		d.off--
		return Value{}, d.corrupt(fmt.Sprintf("unknown kind byte 0x%02x", byte(k)))
	}
}

func (d *valueDecoder) array(depth int) (Value, error) {
	if depth >= MaxValueDepth {
		return Value{}, d.corrupt(fmt.Sprintf("nested deeper than %d", MaxValueDepth))
	}
	n, err := d.count(1) // every element takes at least its kind byte
	if err != nil {
		return Value{}, err
	}
	if n == 0 {
		return ArrayValue(), nil
	}
	a := make([]Value, n)
	for i := range a {
		if a[i], err = d.value(depth + 1); err != nil {
			return Value{}, err
		}
	}
	return Value{num: uint64(n), any: arrayptr(&a[0])}, nil
}

func (d *valueDecoder) vectorValue() (Value, error) {
	n, err := d.count(4)
	if err != nil {
		return Value{}, err
	}
	if n == 0 {
		return VectorValue(nil), nil
	}
	vec := make([]float32, n)
	for i := range vec {
		vec[i] = math.Float32frombits(binary.BigEndian.Uint32(d.b[d.off:]))
		d.off += 4
	}
	return Value{num: uint64(n), any: vectorptr(&vec[0])}, nil
}

func (d *valueDecoder) mapValue(depth int) (Value, error) {
	if depth >= MaxValueDepth {
		return Value{}, d.corrupt(fmt.Sprintf("nested deeper than %d", MaxValueDepth))
	}
	n, err := d.count(2) // every entry takes at least a key length and a kind byte
	if err != nil {
		return Value{}, err
	}
	m := make(map[string]Value, n)
	var prev []byte
	for i := 0; i < n; i++ {
		kl, err := d.count(1)
		if err != nil {
			return Value{}, err
		}
		key := d.b[d.off : d.off+kl]
		if i > 0 && string(key) <= string(prev) {
			return Value{}, d.corrupt("map keys out of order or repeated")
		}
		d.off += kl
		prev = key
		e, err := d.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		m[string(key)] = e
	}
	return Value{any: m}, nil
}

// count reads a shortest-form uvarint that counts items of at least min bytes
// each, and checks that the bytes remaining can hold that many.
func (d *valueDecoder) count(min int) (int, error) {
	x, n := binary.Uvarint(d.b[d.off:])
	if n == 0 {
		return 0, d.corrupt("truncated length")
	}
	if n < 0 {
		return 0, d.corrupt("length overflows 64 bits")
	}
	if n > 1 && d.b[d.off+n-1] == 0 {
		return 0, d.corrupt("length not in shortest form")
	}
	if left := len(d.b) - d.off - n; x > uint64(left/min) {
		return 0, d.corrupt(fmt.Sprintf("length %d exceeds the %d bytes left", x, left))
	}
	d.off += n
	return int(x), nil
}
