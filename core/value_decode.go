package core

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Decode stores v into the Go value dst points to: the inverse of ValueOf,
// so that ValueOf(x) followed by Decode into a fresh value of x's type gives
// x back. It follows encoding/json's rules, as ValueOf does:
//
//   - a struct takes a map's entries by its fields' JSON names (the json
//     tag's name, else the field name; an exact match first, then one that
//     differs only in case), promoting the fields of embedded structs; tags
//     "-" skip a field, ",string" reads a number or bool from a string;
//     entries no field takes are ignored;
//   - a map with string keys (or integer keys, or keys of an
//     encoding.TextUnmarshaler type) takes a map's entries, added to the
//     map dst already holds or to a new one;
//   - a slice takes an array (a vector too), a Go array as many elements as
//     fit (the rest zeroed);
//   - []byte takes bytes, or a string in standard base64 (what ValueOf gives
//     for a []byte inside a struct); []float32 takes a vector or an array of
//     numbers;
//   - the integer kinds take an int64 Value, or a float64 one with an
//     integral value, that fits; the float kinds take either; bool, string
//     take their own kinds;
//   - a pointer is allocated as needed and set to nil by a null; a null
//     leaves other kinds unchanged;
//   - a core.Value takes v itself; an interface{} takes what v.Any()
//     returns;
//   - a type implementing json.Unmarshaler (time.Time among them) gets v's
//     JSON (Value.MarshalJSON); one implementing encoding.TextUnmarshaler
//     gets a string's bytes.
//
// A mismatch — a Value of a kind the destination cannot take, a number that
// does not fit, nesting deeper than MaxValueDepth — is an error wrapping
// ErrInvalidValue that names where in dst it happened; dst may then hold
// part of v. A dst that is not a non-nil pointer is an error wrapping
// ErrInvalidArgument. Decode is safe for concurrent use with different
// destinations.
func (v Value) Decode(dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("%w: Decode needs a non-nil pointer, not %T", ErrInvalidArgument, dst)
	}
	d := goDecoder{}
	return d.decode(v, rv.Elem(), 0)
}

var (
	valueType           = reflect.TypeFor[Value]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonNumberType      = reflect.TypeFor[json.Number]()
	byteSliceType       = reflect.TypeFor[[]byte]()
)

// goDecoder carries the path to the value being decoded, for errors.
type goDecoder struct {
	path []string
}

func (d *goDecoder) where() string {
	if len(d.path) == 0 {
		return "the value"
	}
	return strings.Join(d.path, "")
}

func (d *goDecoder) mismatch(v Value, t reflect.Type, why string) error {
	if why != "" {
		why = ": " + why
	}
	return fmt.Errorf("%w: cannot decode a %s into %s at %s%s", ErrInvalidValue, v.Kind(), t, d.where(), why)
}

// decode stores v into rv, which is settable; depth counts the arrays and
// maps around v.
func (d *goDecoder) decode(v Value, rv reflect.Value, depth int) error {
	if depth > MaxValueDepth {
		return fmt.Errorf("%w: nested deeper than %d at %s", ErrInvalidValue, MaxValueDepth, d.where())
	}
	t := rv.Type()
	if t == valueType {
		rv.Set(reflect.ValueOf(v))
		return nil
	}
	if v.Kind() == KindNull {
		switch t.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
			rv.SetZero()
		}
		return nil // encoding/json: a null leaves other kinds as they are
	}
	if t.Kind() == reflect.Pointer {
		if rv.IsNil() {
			rv.Set(reflect.New(t.Elem()))
		}
		return d.decode(v, rv.Elem(), depth)
	}
	if ok, err := d.unmarshaler(v, rv); ok {
		return err
	}
	switch t.Kind() {
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return d.mismatch(v, t, "an interface with methods")
		}
		x, err := d.anyOf(v, depth)
		if err != nil {
			return err
		}
		rv.Set(reflect.ValueOf(&x).Elem())
		return nil
	case reflect.Bool:
		if v.Kind() != KindBool {
			return d.mismatch(v, t, "")
		}
		rv.SetBool(v.num == 1)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, ok := v.integer()
		if !ok {
			return d.mismatch(v, t, "not an integer")
		}
		if rv.OverflowInt(i) {
			return d.mismatch(v, t, fmt.Sprintf("%d overflows it", i))
		}
		rv.SetInt(i)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u, ok := v.unsigned()
		if !ok {
			return d.mismatch(v, t, "not an integer of 0 or more")
		}
		if rv.OverflowUint(u) {
			return d.mismatch(v, t, fmt.Sprintf("%d overflows it", u))
		}
		rv.SetUint(u)
		return nil
	case reflect.Float32, reflect.Float64:
		f, ok := v.number()
		if !ok {
			return d.mismatch(v, t, "")
		}
		if rv.OverflowFloat(f) {
			return d.mismatch(v, t, fmt.Sprintf("%g overflows it", f))
		}
		rv.SetFloat(f)
		return nil
	case reflect.String:
		if t == jsonNumberType {
			if s, ok := v.numberLiteral(); ok {
				rv.SetString(s)
				return nil
			}
		}
		if v.Kind() != KindString {
			return d.mismatch(v, t, "")
		}
		rv.SetString(v.str())
		return nil
	case reflect.Slice:
		return d.slice(v, rv, depth)
	case reflect.Array:
		return d.array(v, rv, depth)
	case reflect.Map:
		return d.mapValue(v, rv, depth)
	case reflect.Struct:
		return d.structValue(v, rv, depth)
	default:
		return d.mismatch(v, t, "no Value decodes into that kind")
	}
}

// anyOf returns v as Value.Any does, refusing nesting deeper than
// MaxValueDepth.
func (d *goDecoder) anyOf(v Value, depth int) (any, error) {
	if depth > MaxValueDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d at %s", ErrInvalidValue, MaxValueDepth, d.where())
	}
	switch v.Kind() {
	case KindArray:
		src := v.array()
		a := make([]any, len(src))
		for i, e := range src {
			x, err := d.anyOf(e, depth+1)
			if err != nil {
				return nil, err
			}
			a[i] = x
		}
		return a, nil
	case KindMap:
		src := v.any.(map[string]Value)
		m := make(map[string]any, len(src))
		for k, e := range src {
			x, err := d.anyOf(e, depth+1)
			if err != nil {
				return nil, err
			}
			m[k] = x
		}
		return m, nil
	default:
		return v.anyScalar(), nil
	}
}

// unmarshaler decodes v through rv's json.Unmarshaler or, for a string,
// encoding.TextUnmarshaler, and reports whether rv has one.
func (d *goDecoder) unmarshaler(v Value, rv reflect.Value) (bool, error) {
	if !rv.CanAddr() {
		return false, nil
	}
	p := rv.Addr()
	if p.Type().Implements(jsonUnmarshalerType) {
		data, err := v.MarshalJSON()
		if err == nil {
			err = p.Interface().(json.Unmarshaler).UnmarshalJSON(data)
		}
		if err != nil {
			return true, fmt.Errorf("%w: %s at %s: %w", ErrInvalidValue, rv.Type(), d.where(), err)
		}
		return true, nil
	}
	if v.Kind() == KindString && p.Type().Implements(textUnmarshalerType) {
		if err := p.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(v.str())); err != nil {
			return true, fmt.Errorf("%w: %s at %s: %w", ErrInvalidValue, rv.Type(), d.where(), err)
		}
		return true, nil
	}
	return false, nil
}

// integer returns v as an int64: an int64 Value, or a float64 one holding an
// integral value in int64's range.
func (v Value) integer() (int64, bool) {
	switch v.Kind() {
	case KindInt64:
		return int64(v.num), true
	case KindFloat64:
		f := math.Float64frombits(v.num)
		if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
			return int64(f), true
		}
	}
	return 0, false
}

// unsigned returns v as a uint64: a non-negative int64 Value, or a float64
// one holding an integral value in uint64's range.
func (v Value) unsigned() (uint64, bool) {
	switch v.Kind() {
	case KindInt64:
		if i := int64(v.num); i >= 0 {
			return uint64(i), true
		}
	case KindFloat64:
		f := math.Float64frombits(v.num)
		if f == math.Trunc(f) && f >= 0 && f < math.MaxUint64 {
			return uint64(f), true
		}
	}
	return 0, false
}

// number returns an int64 or float64 Value as a float64.
func (v Value) number() (float64, bool) {
	switch v.Kind() {
	case KindInt64:
		return float64(int64(v.num)), true
	case KindFloat64:
		return math.Float64frombits(v.num), true
	}
	return 0, false
}

// numberLiteral returns an int64 or float64 Value as a JSON number literal.
func (v Value) numberLiteral() (string, bool) {
	switch v.Kind() {
	case KindInt64:
		return strconv.FormatInt(int64(v.num), 10), true
	case KindFloat64:
		f := math.Float64frombits(v.num)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "", false
		}
		return strconv.FormatFloat(f, 'g', -1, 64), true
	}
	return "", false
}

func (d *goDecoder) slice(v Value, rv reflect.Value, depth int) error {
	t := rv.Type()
	if t.Elem().Kind() == reflect.Uint8 && !t.Elem().Implements(textUnmarshalerType) {
		switch v.Kind() {
		case KindBytes:
			rv.SetBytes(append([]byte{}, v.bytes()...))
			if t != byteSliceType {
				rv.Set(rv.Convert(t))
			}
			return nil
		case KindString:
			b, err := base64.StdEncoding.DecodeString(v.str())
			if err != nil {
				return d.mismatch(v, t, "not standard base64")
			}
			rv.SetBytes(b)
			return nil
		}
	}
	if v.Kind() == KindVector {
		vec := v.vector()
		if t.Elem().Kind() == reflect.Float32 {
			s := reflect.MakeSlice(t, len(vec), len(vec))
			for i, f := range vec {
				s.Index(i).SetFloat(float64(f))
			}
			rv.Set(s)
			return nil
		}
		v = vectorArray(vec)
	}
	if v.Kind() != KindArray {
		return d.mismatch(v, t, "")
	}
	elems := v.array()
	s := reflect.MakeSlice(t, len(elems), len(elems))
	for i, e := range elems {
		d.path = append(d.path, "["+strconv.Itoa(i)+"]")
		err := d.decode(e, s.Index(i), depth+1)
		d.path = d.path[:len(d.path)-1]
		if err != nil {
			return err
		}
	}
	rv.Set(s)
	return nil
}

// vectorArray returns the elements of a vector as an array of float64
// Values.
func vectorArray(vec []float32) Value {
	a := make([]Value, len(vec))
	for i, f := range vec {
		a[i] = Float64Value(float64(f))
	}
	return ArrayValue(a...)
}

func (d *goDecoder) array(v Value, rv reflect.Value, depth int) error {
	if v.Kind() == KindVector {
		v = vectorArray(v.vector())
	}
	if v.Kind() != KindArray {
		return d.mismatch(v, rv.Type(), "")
	}
	elems := v.array()
	for i := range rv.Len() {
		if i >= len(elems) {
			rv.Index(i).SetZero()
			continue
		}
		d.path = append(d.path, "["+strconv.Itoa(i)+"]")
		err := d.decode(elems[i], rv.Index(i), depth+1)
		d.path = d.path[:len(d.path)-1]
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *goDecoder) mapValue(v Value, rv reflect.Value, depth int) error {
	t := rv.Type()
	if v.Kind() != KindMap {
		return d.mismatch(v, t, "")
	}
	kt := t.Key()
	textKey := reflect.PointerTo(kt).Implements(textUnmarshalerType)
	switch {
	case textKey, kt.Kind() == reflect.String:
	case kt.Kind() >= reflect.Int && kt.Kind() <= reflect.Uintptr:
	default:
		return d.mismatch(v, t, "its keys are not strings, integers or text")
	}
	if rv.IsNil() {
		rv.Set(reflect.MakeMapWithSize(t, v.Len()))
	}
	for k, e := range v.any.(map[string]Value) {
		key := reflect.New(kt).Elem()
		switch {
		case kt.Kind() == reflect.String && !textKey:
			key.SetString(k)
		case textKey:
			if err := key.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(k)); err != nil {
				return fmt.Errorf("%w: map key %q at %s: %w", ErrInvalidValue, k, d.where(), err)
			}
		case kt.Kind() <= reflect.Int64:
			i, err := strconv.ParseInt(k, 10, 64)
			if err != nil || key.OverflowInt(i) {
				return fmt.Errorf("%w: map key %q is not a %s, at %s", ErrInvalidValue, k, kt, d.where())
			}
			key.SetInt(i)
		default:
			u, err := strconv.ParseUint(k, 10, 64)
			if err != nil || key.OverflowUint(u) {
				return fmt.Errorf("%w: map key %q is not a %s, at %s", ErrInvalidValue, k, kt, d.where())
			}
			key.SetUint(u)
		}
		elem := reflect.New(t.Elem()).Elem()
		d.path = append(d.path, "["+strconv.Quote(k)+"]")
		err := d.decode(e, elem, depth+1)
		d.path = d.path[:len(d.path)-1]
		if err != nil {
			return err
		}
		rv.SetMapIndex(key, elem)
	}
	return nil
}

func (d *goDecoder) structValue(v Value, rv reflect.Value, depth int) error {
	t := rv.Type()
	if v.Kind() != KindMap {
		return d.mismatch(v, t, "")
	}
	fields := jsonFieldsOf(t)
	for k, e := range v.any.(map[string]Value) {
		f, ok := fields.byName[k]
		if !ok {
			f, ok = fields.byFold[strings.ToLower(k)]
		}
		if !ok {
			continue
		}
		fv, err := fieldByIndex(rv, f.index)
		if err != nil {
			return fmt.Errorf("%w at %s", err, d.where())
		}
		d.path = append(d.path, "."+f.name)
		if f.quoted {
			err = d.quoted(e, fv, depth+1)
		} else {
			err = d.decode(e, fv, depth+1)
		}
		d.path = d.path[:len(d.path)-1]
		if err != nil {
			return err
		}
	}
	return nil
}

// quoted decodes a field tagged ",string": a string holding the JSON of a
// number, bool or string.
func (d *goDecoder) quoted(v Value, rv reflect.Value, depth int) error {
	if v.Kind() != KindString {
		return d.decode(v, rv, depth)
	}
	switch rv.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.String:
		var inner Value
		if err := inner.UnmarshalJSON([]byte(v.str())); err != nil {
			return d.mismatch(v, rv.Type(), "a ,string jsonField whose string is not JSON")
		}
		return d.decode(inner, rv, depth)
	}
	return d.decode(v, rv, depth)
}

// fieldByIndex returns the field at index in rv, allocating the embedded
// struct pointers on its way.
func fieldByIndex(rv reflect.Value, index []int) (reflect.Value, error) {
	for i, x := range index {
		if i > 0 && rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				if !rv.CanSet() {
					return reflect.Value{}, fmt.Errorf("%w: an embedded pointer to an unexported struct type", ErrInvalidValue)
				}
				rv.Set(reflect.New(rv.Type().Elem()))
			}
			rv = rv.Elem()
		}
		rv = rv.Field(x)
	}
	return rv, nil
}

// jsonField is a struct field as encoding/json sees it.
type jsonField struct {
	name   string
	index  []int
	tagged bool
	quoted bool
}

// jsonFields are a struct type's fields by JSON name, and by lower-cased name
// for matches that differ only in case.
type jsonFields struct {
	byName map[string]jsonField
	byFold map[string]jsonField
}

var fieldCache sync.Map // reflect.Type -> jsonFields

// jsonFieldsOf returns t's fields under encoding/json's rules: exported
// fields (and embedded structs, whose fields are promoted) by their tag's
// name or their own; of several fields of one name the shallowest wins, then
// a tagged one, and a tie hides them all.
func jsonFieldsOf(t reflect.Type) jsonFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(jsonFields)
	}
	type queued struct {
		t     reflect.Type
		index []int
	}
	var all []jsonField
	depthOf := map[string]int{}
	current := []queued{{t: t}}
	visited := map[reflect.Type]bool{}
	for depth := 0; len(current) > 0; depth++ {
		var next []queued
		count := map[string]int{}
		var level []jsonField
		for _, q := range current {
			if visited[q.t] {
				continue
			}
			visited[q.t] = true
			for i := range q.t.NumField() {
				sf := q.t.Field(i)
				ft := sf.Type
				if sf.Anonymous {
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				index := append(append([]int{}, q.index...), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, queued{t: ft, index: index})
					continue
				}
				tagged := name != ""
				if name == "" {
					name = sf.Name
				}
				quoted := false
				for _, o := range strings.Split(opts, ",") {
					quoted = quoted || o == "string"
				}
				level = append(level, jsonField{name: name, index: index, tagged: tagged, quoted: quoted})
				count[name]++
			}
		}
		// The fields of this depth whose name no shallower field took.
		for _, f := range level {
			if _, shallower := depthOf[f.name]; shallower {
				continue
			}
			if count[f.name] > 1 {
				tagged := 0
				for _, g := range level {
					if g.name == f.name && g.tagged {
						tagged++
					}
				}
				if tagged != 1 || !f.tagged {
					continue
				}
			}
			all = append(all, f)
		}
		for name := range count {
			if _, ok := depthOf[name]; !ok {
				depthOf[name] = depth
			}
		}
		current = next
	}
	fs := jsonFields{byName: map[string]jsonField{}, byFold: map[string]jsonField{}}
	for _, f := range all {
		fs.byName[f.name] = f
		if _, ok := fs.byFold[strings.ToLower(f.name)]; !ok {
			fs.byFold[strings.ToLower(f.name)] = f
		}
	}
	fieldCache.Store(t, fs)
	return fs
}
