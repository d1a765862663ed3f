package core

import (
	"bytes"
	"errors"
	"testing"

	"pgregory.net/rapid"
)

// The alphabet of generated strings and user keys: heavy in the bytes the
// encoding treats specially (0x00 escapes and terminates, 0x01 ends a string,
// 0xff follows an escaped zero), with a few letters, so that escapes, prefixes
// and near-collisions are common.
var keyAlphabet = []byte{0x00, 0x00, 0x00, 0x01, 0x01, 0xff, 0xff, 0x02, 0xfe, 'a', 'b'}

func byteGen() *rapid.Generator[byte] { return rapid.SampledFrom(keyAlphabet) }

func bytesGen(max int) *rapid.Generator[[]byte] { return rapid.SliceOfN(byteGen(), 0, max) }

func stringGen() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string { return string(bytesGen(5).Draw(t, "bytes")) })
}

func runIDGen() *rapid.Generator[RunID] {
	return rapid.Custom(func(t *rapid.T) RunID {
		var r RunID
		switch rapid.IntRange(0, 3).Draw(t, "runKind") {
		case 0: // zero
		case 1: // all 0xff
			for i := range r {
				r[i] = 0xff
			}
		case 2: // differs from zero only in one byte
			r[rapid.IntRange(0, 15).Draw(t, "pos")] = byteGen().Draw(t, "b")
		default:
			copy(r[:], rapid.SliceOfN(byteGen(), 16, 16).Draw(t, "run"))
		}
		return r
	})
}

func namespaceGen() *rapid.Generator[Namespace] {
	return rapid.Custom(func(t *rapid.T) Namespace {
		return Namespace{
			Tenant: stringGen().Draw(t, "tenant"),
			App:    stringGen().Draw(t, "app"),
			Agent:  stringGen().Draw(t, "agent"),
			RunID:  runIDGen().Draw(t, "run"),
		}
	})
}

// typeGen draws valid type tags, and when invalid is set also invalid ones.
func typeGen(invalid bool) *rapid.Generator[TypeTag] {
	if !invalid {
		return rapid.Custom(func(t *rapid.T) TypeTag { return TypeTag(rapid.Uint8Range(0, typeCount-1).Draw(t, "type")) })
	}
	return rapid.Custom(func(t *rapid.T) TypeTag {
		if rapid.IntRange(0, 4).Draw(t, "invalidType") == 0 {
			return TypeTag(rapid.Uint8().Draw(t, "type"))
		}
		return TypeTag(rapid.Uint8Range(0, typeCount-1).Draw(t, "type"))
	})
}

func keyGen(invalidTypes bool) *rapid.Generator[Key] {
	return rapid.Custom(func(t *rapid.T) Key {
		k := Key{
			Namespace: namespaceGen().Draw(t, "ns"),
			Type:      typeGen(invalidTypes).Draw(t, "type"),
			UserKey:   bytesGen(6).Draw(t, "user"),
		}
		if rapid.IntRange(0, 7).Draw(t, "nilUser") == 0 {
			k.UserKey = nil
		}
		return k
	})
}

// relatedKeyGen draws a key derived from a: a copy with one field changed,
// a truncated or extended user key, or an unrelated key. Keys that share
// most of their encoding are where an encoding's order and prefix bugs hide.
func relatedKeyGen(a Key, invalidTypes bool) *rapid.Generator[Key] {
	return rapid.Custom(func(t *rapid.T) Key {
		b := a
		b.UserKey = bytes.Clone(a.UserKey)
		mutateString := func(s string, label string) string {
			bs := []byte(s)
			switch rapid.IntRange(0, 3).Draw(t, label+"Op") {
			case 0: // truncate
				return string(bs[:rapid.IntRange(0, len(bs)).Draw(t, label+"Len")])
			case 1: // extend
				return string(append(bs, bytesGen(3).Draw(t, label+"Ext")...))
			case 2: // replace a byte
				if len(bs) > 0 {
					bs[rapid.IntRange(0, len(bs)-1).Draw(t, label+"Pos")] = byteGen().Draw(t, label+"Byte")
				}
				return string(bs)
			default:
				return stringGen().Draw(t, label+"New")
			}
		}
		switch rapid.IntRange(0, 8).Draw(t, "relation") {
		case 0:
			return keyGen(invalidTypes).Draw(t, "unrelated")
		case 1:
			b.Namespace.Tenant = mutateString(a.Namespace.Tenant, "tenant")
		case 2:
			b.Namespace.App = mutateString(a.Namespace.App, "app")
		case 3:
			b.Namespace.Agent = mutateString(a.Namespace.Agent, "agent")
		case 4:
			b.Namespace.RunID[rapid.IntRange(0, 15).Draw(t, "runPos")] = byteGen().Draw(t, "runByte")
		case 5:
			b.Type = typeGen(invalidTypes).Draw(t, "otherType")
		case 6: // a real prefix
			b.UserKey = b.UserKey[:rapid.IntRange(0, len(b.UserKey)).Draw(t, "userLen")]
		case 7: // an extension
			b.UserKey = append(b.UserKey, bytesGen(3).Draw(t, "userExt")...)
		default:
			b.UserKey = []byte(mutateString(string(a.UserKey), "user"))
		}
		return b
	})
}

func sign(x int) int {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

// Law (a): the encoding preserves order.
func TestPropEncodePreservesOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := keyGen(true).Draw(t, "a")
		b := relatedKeyGen(a, true).Draw(t, "b")
		want := a.Compare(b)
		if want != -1 && want != 0 && want != 1 {
			t.Fatalf("Compare returned %d", want)
		}
		if got := sign(bytes.Compare(a.Encode(), b.Encode())); got != want {
			t.Fatalf("bytes.Compare(%x, %x) = %d, Compare(%v, %v) = %d", a.Encode(), b.Encode(), got, a, b, want)
		}
		if b.Compare(a) != -want {
			t.Fatalf("Compare is not antisymmetric")
		}
		if a.Equal(b) != (want == 0) {
			t.Fatalf("Equal(%v, %v) = %v, Compare = %d", a, b, a.Equal(b), want)
		}
	})
}

// Law (a), transitivity across three keys, checked through the encodings.
func TestPropCompareTransitive(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := keyGen(true).Draw(t, "a")
		b := relatedKeyGen(a, true).Draw(t, "b")
		c := relatedKeyGen(b, true).Draw(t, "c")
		if a.Compare(b) <= 0 && b.Compare(c) <= 0 && a.Compare(c) > 0 {
			t.Fatalf("not transitive: %v <= %v <= %v but %v > %v", a, b, c, a, c)
		}
		if sign(bytes.Compare(a.Encode(), c.Encode())) != a.Compare(c) {
			t.Fatalf("order law fails for %v, %v", a, c)
		}
	})
}

// Law (b): the encoding preserves prefixes.
func TestPropEncodePreservesPrefix(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := keyGen(true).Draw(t, "k")
		var p Key
		if rapid.Bool().Draw(t, "realPrefix") {
			// Same namespace and type, user key truncated.
			p = Key{Namespace: k.Namespace, Type: k.Type, UserKey: k.UserKey[:rapid.IntRange(0, len(k.UserKey)).Draw(t, "n")]}
			if !k.HasPrefix(p) {
				t.Fatalf("%v does not have its truncation %v as a prefix", k, p)
			}
		} else {
			p = relatedKeyGen(k, true).Draw(t, "p")
		}
		want := k.HasPrefix(p)
		got := bytes.HasPrefix(k.Encode(), p.Encode())
		if got != want {
			t.Fatalf("bytes.HasPrefix(%x, %x) = %v, HasPrefix(%v, %v) = %v", k.Encode(), p.Encode(), got, k, p, want)
		}
		// A prefix match agrees with its definition (Key.HasPrefix's doc).
		def := k.Namespace == p.Namespace && k.Type == p.Type && bytes.HasPrefix(k.UserKey, p.UserKey)
		if want != def {
			t.Fatalf("HasPrefix(%v, %v) = %v, definition says %v", k, p, want, def)
		}
		// A key matching p sorts at or after p.
		if want && k.Compare(p) < 0 {
			t.Fatalf("%v matches prefix %v but sorts before it", k, p)
		}
	})
}

// Law (c): DecodeKey inverts Encode, and re-encoding gives the same bytes.
func TestPropDecodeInvertsEncode(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := keyGen(false).Draw(t, "k")
		enc := k.Encode()
		if len(enc) != k.EncodedLen() {
			t.Fatalf("len(Encode()) = %d, EncodedLen() = %d", len(enc), k.EncodedLen())
		}
		prefix := bytesGen(4).Draw(t, "dst")
		if app := k.AppendEncode(bytes.Clone(prefix)); !bytes.Equal(app, append(bytes.Clone(prefix), enc...)) {
			t.Fatalf("AppendEncode(%x) = %x, want %x + %x", prefix, app, prefix, enc)
		}
		got, err := DecodeKey(enc)
		if err != nil {
			t.Fatalf("DecodeKey(%x) of %v: %v", enc, k, err)
		}
		if !got.Equal(k) {
			t.Fatalf("DecodeKey(Encode(%v)) = %v", k, got)
		}
		if !bytes.Equal(got.Encode(), enc) {
			t.Fatalf("re-encoding %v gives %x, want %x", got, got.Encode(), enc)
		}
	})
}

// Keys with invalid type tags encode, but DecodeKey rejects the encoding.
func TestPropDecodeRejectsInvalidType(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := keyGen(false).Draw(t, "k")
		k.Type = TypeTag(rapid.Uint8Range(typeCount, 255).Draw(t, "type"))
		_, err := DecodeKey(k.Encode())
		if !errors.Is(err, ErrInvalidKey) {
			t.Fatalf("DecodeKey of %v with invalid type: err = %v", k, err)
		}
	})
}

// encodingLikeGen draws byte strings that look like encodings: tokens of the
// escape syntax, valid and invalid, followed by run-id-sized and type-tag-sized
// tails, or valid encodings with one byte inserted, deleted or changed.
func encodingLikeGen() *rapid.Generator[[]byte] {
	tokens := [][]byte{
		{0x00, 0x01}, {0x00, 0x01}, {0x00, 0x01}, {0x00, 0xff}, {0x00, 0x02}, {0x00, 0x00},
		{0x00}, {0x01}, {0xff}, {'a'}, {0, 1, 0, 1, 0, 1},
		make([]byte, 16), make([]byte, 15), {0}, {5}, {6}, {0xff},
	}
	return rapid.Custom(func(t *rapid.T) []byte {
		if rapid.Bool().Draw(t, "mutate") {
			enc := keyGen(false).Draw(t, "k").Encode()
			if len(enc) == 0 {
				return enc
			}
			pos := rapid.IntRange(0, len(enc)-1).Draw(t, "pos")
			switch rapid.IntRange(0, 3).Draw(t, "op") {
			case 0:
				enc[pos] = byteGen().Draw(t, "b")
			case 1:
				enc = append(enc[:pos], enc[pos+1:]...)
			case 2:
				enc = append(enc[:pos], append([]byte{byteGen().Draw(t, "b")}, enc[pos:]...)...)
			default:
				enc = enc[:pos]
			}
			return enc
		}
		var out []byte
		for _, i := range rapid.SliceOfN(rapid.IntRange(0, len(tokens)-1), 0, 14).Draw(t, "tokens") {
			out = append(out, tokens[i]...)
		}
		return append(out, bytesGen(20).Draw(t, "tail")...)
	})
}

// Every byte string DecodeKey accepts is canonical: it re-encodes to itself.
func TestPropDecodeAcceptsOnlyCanonical(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := encodingLikeGen().Draw(t, "in")
		orig := bytes.Clone(in)
		k, err := DecodeKey(in)
		if !bytes.Equal(in, orig) {
			t.Fatalf("DecodeKey modified its input")
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("DecodeKey(%x): error %v does not wrap ErrInvalidKey", in, err)
			}
			return
		}
		if !k.Type.Valid() {
			t.Fatalf("DecodeKey(%x) accepted type %d", in, k.Type)
		}
		if re := k.Encode(); !bytes.Equal(re, in) {
			t.Fatalf("DecodeKey(%x) = %v, which re-encodes to %x", in, k, re)
		}
	})
}
