package core

import (
	"fmt"
	"unsafe"
)

// valueHeader is the size of a Value itself.
const valueHeader = int(unsafe.Sizeof(Value{}))

// Size returns an estimate of the memory v holds, in bytes: the Value itself,
// the bytes of a string or byte slice, 4 bytes per vector element, and for
// arrays and maps their elements (and keys) counted the same way. Stores use
// it to report memory and to bound their history by bytes. Any depth that can
// be built is safe: past recurseDepth levels it walks with a stack of its own.
// It allocates nothing for values nested less deeply; O(size of v); safe for
// concurrent use.
func (v Value) Size() int { return size(v, 0) }

// recurseDepth is how deeply the walks over a Value (Size, Equal) recurse
// before they continue with a stack of their own: deep enough for every
// value of ordinary shape, shallow enough for any goroutine's stack.
const recurseDepth = 128

// size is Size for v inside depth arrays and maps.
func size(v Value, depth int) int {
	switch x := v.any.(type) {
	case stringptr, bytesptr:
		return valueHeader + int(v.num)
	case vectorptr:
		return valueHeader + 4*int(v.num)
	case arrayptr:
		if depth >= recurseDepth {
			return sizeDeep(v)
		}
		n := valueHeader
		for _, e := range unsafe.Slice((*Value)(x), v.num) {
			n += size(e, depth+1)
		}
		return n
	case map[string]Value:
		if depth >= recurseDepth {
			return sizeDeep(v)
		}
		n := valueHeader
		for k, e := range x {
			n += len(k) + 16 + size(e, depth+1)
		}
		return n
	default:
		return valueHeader
	}
}

// sizeDeep is size without recursion, for what lies past recurseDepth.
func sizeDeep(v Value) int {
	var stack []walkFrame
	n := 0
	for {
		switch x := v.any.(type) {
		case arrayptr:
			n += valueHeader
			if v.num > 0 {
				stack = append(stack, walkFrame{rest: unsafe.Slice((*Value)(x), v.num)})
			}
		case map[string]Value:
			n += valueHeader
			if len(x) > 0 {
				stack = append(stack, walkFrame{m: x})
			}
		default:
			n += size(v, 0)
		}
		// The next value to count: the next element of the innermost array,
		// or the values of the innermost map (each counted or queued now).
		for {
			if len(stack) == 0 {
				return n
			}
			f := &stack[len(stack)-1]
			if f.m == nil {
				v = f.rest[0]
				if f.rest = f.rest[1:]; len(f.rest) == 0 {
					stack = stack[:len(stack)-1]
				}
				break
			}
			m := f.m
			stack = stack[:len(stack)-1]
			for k, e := range m {
				n += len(k) + 16
				switch y := e.any.(type) {
				case arrayptr:
					n += valueHeader
					if e.num > 0 {
						stack = append(stack, walkFrame{rest: unsafe.Slice((*Value)(y), e.num)})
					}
				case map[string]Value:
					n += valueHeader
					if len(y) > 0 {
						stack = append(stack, walkFrame{m: y})
					}
				default:
					n += size(e, 0)
				}
			}
		}
	}
}

// walkFrame is what an iterative walk of a Value has yet to visit at one
// level: the rest of an array's elements, or a whole map.
type walkFrame struct {
	rest []Value
	m    map[string]Value
}

// Measure describes a Value as a store checks it before a write: how deeply
// it nests, how long its binary encoding is, and how many bytes of data the
// caller gave.
type Measure struct {
	// Depth is how deeply arrays and maps nest: 0 for a scalar, 1 for an
	// array or map of scalars, and so on.
	Depth int
	// Encoded is the length of the binary encoding (Value.AppendBinary),
	// which the write-ahead log and backups store.
	Encoded int
	// Data is the bytes the caller gave: the length of each string and byte
	// slice, and of each map key; 8 bytes for each int64 and float64, 1 for
	// each bool, 4 for each vector element, 0 for a null; an array or a map
	// adds nothing of its own.
	Data int
	// Size is Value.Size's estimate of the memory the value holds, counted
	// in the same walk.
	Size int
}

// Measure walks v once and returns its Measure. A v that nests deeper than
// MaxValueDepth, which no encoding, log or backup can hold, gives an error
// wrapping ErrInvalidValue (and a Measure whose Depth is MaxValueDepth+1):
// the walk stops there, so any depth that can be built is safe. O(size of
// v, up to that depth); allocates nothing; safe for concurrent use.
func (v Value) Measure() (Measure, error) {
	var m Measure
	if !measure(v, 0, &m) {
		m.Depth = MaxValueDepth + 1
		return m, fmt.Errorf("%w: arrays and maps nested deeper than %d", ErrInvalidValue, MaxValueDepth)
	}
	return m, nil
}

// measure adds v, which sits inside depth arrays and maps, to m; false when
// v nests deeper than MaxValueDepth. It recurses at most MaxValueDepth deep.
func measure(v Value, depth int, m *Measure) bool {
	m.Depth = max(m.Depth, depth)
	m.Encoded++ // the kind byte
	m.Size += valueHeader
	switch x := v.any.(type) {
	case nil:
	case Kind:
		if x == KindBool {
			m.Encoded++
			m.Data++
		} else {
			m.Encoded += 8
			m.Data += 8
		}
	case stringptr, bytesptr:
		m.Encoded += uvarintLen(v.num) + int(v.num)
		m.Data += int(v.num)
		m.Size += int(v.num)
	case vectorptr:
		m.Encoded += uvarintLen(v.num) + 4*int(v.num)
		m.Data += 4 * int(v.num)
		m.Size += 4 * int(v.num)
	case arrayptr:
		if depth >= MaxValueDepth {
			return false
		}
		m.Depth = max(m.Depth, depth+1)
		m.Encoded += uvarintLen(v.num)
		for _, e := range unsafe.Slice((*Value)(x), v.num) {
			if !measure(e, depth+1, m) {
				return false
			}
		}
	case map[string]Value:
		if depth >= MaxValueDepth {
			return false
		}
		m.Depth = max(m.Depth, depth+1)
		m.Encoded += uvarintLen(uint64(len(x)))
		for k, e := range x {
			m.Encoded += uvarintLen(uint64(len(k))) + len(k)
			m.Data += len(k)
			m.Size += len(k) + 16
			if !measure(e, depth+1, m) {
				return false
			}
		}
	}
	return true
}
