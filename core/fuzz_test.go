package core

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzSeedKeys are keys whose encodings seed both fuzz targets: escapes,
// empty strings, 0xff bytes, binary user keys.
func fuzzSeedKeys() []Key {
	run := RunID{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10}
	ff := RunID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	return []Key{
		{},
		KVKey(Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: run}, "name"),
		EventKey(Namespace{Tenant: "t", RunID: run}, 42),
		TraceKey(Namespace{App: "a"}, 1<<63),
		RunMetadataKey(Namespace{Agent: "g", RunID: ff}),
		StateKey(Namespace{Tenant: "\x00", App: "\x00\x00", Agent: "a\x00b"}, "\x00\x01"),
		NewKey(Namespace{Tenant: "\xff", App: "\xff\x00", Agent: "\x00\xff", RunID: ff}, TypeVector, []byte{0xff, 0x00, 0xff}),
		NewKey(Namespace{Tenant: "\x01", App: "\x00\x01", Agent: "\x01\x00"}, TypeKV, []byte{0x00, 0x01}),
		NewKey(Namespace{Tenant: "ü", App: "日本", Agent: "🙂"}, TypeStateMachine, []byte("ключ")),
	}
}

func FuzzDecodeKey(f *testing.F) {
	for _, k := range fuzzSeedKeys() {
		f.Add(k.Encode())
	}
	run := make([]byte, 16)
	term := []byte{0x00, 0x01}
	for _, seed := range [][]byte{
		nil,
		{},
		{0x00},
		{0x00, 0x01},
		{0x00, 0xff},
		{0x00, 0x02},
		{0xff, 0xff, 0xff},
		concat(term, term, term),
		concat(term, term, term, run[:15]),
		concat(term, term, term, run),
		concat(term, term, term, run, []byte{6}),
		concat(term, term, term, run, []byte{255, 0xff}),
		concat([]byte{'t', 0x00, 0x02}, term, term, run, []byte{0}),
		concat([]byte{'a', 0x00, 0xff, 'b', 0x00, 0x02}, term, term, run, []byte{0}),
		concat([]byte{'a', 0x00, 0xff, 0x00}, term, term, run, []byte{0}),
		concat([]byte{0x00, 0xff, 0x00, 0xff, 0x00, 0x01}, term, term, run, []byte{5, 0x00, 0x01}),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		k, err := DecodeKey(in)
		if !bytes.Equal(in, orig) {
			t.Fatalf("DecodeKey modified its input")
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("DecodeKey(%x): error %v does not wrap ErrInvalidKey", in, err)
			}
			if !k.Equal(Key{}) {
				t.Fatalf("DecodeKey(%x) failed but returned %v", in, k)
			}
			return
		}
		if !k.Type.Valid() {
			t.Fatalf("DecodeKey(%x) accepted invalid type %d", in, k.Type)
		}
		enc := k.Encode()
		if !bytes.Equal(enc, in) {
			t.Fatalf("DecodeKey(%x) = %v, which re-encodes to %x", in, k, enc)
		}
		if k.EncodedLen() != len(in) {
			t.Fatalf("EncodedLen() = %d, want %d", k.EncodedLen(), len(in))
		}
		k2, err := DecodeKey(enc)
		if err != nil {
			t.Fatalf("decoding the re-encoding %x: %v", enc, err)
		}
		if !k2.Equal(k) || k2.Compare(k) != 0 {
			t.Fatalf("decoding is not stable: %v then %v", k, k2)
		}
		// The decoded key owns its user key. (The fuzz function must not
		// modify its input, so this works on a copy.)
		if len(k.UserKey) > 0 {
			cp := bytes.Clone(in)
			k3, err := DecodeKey(cp)
			if err != nil {
				t.Fatalf("decoding a copy of %x: %v", in, err)
			}
			cp[len(cp)-1] ^= 0xff
			if !k3.Equal(k) {
				t.Fatalf("decoded user key aliases the input")
			}
		}
	})
}

// fuzzKey builds a key from fuzzed fields; the run id is padded or cut to 16
// bytes.
func fuzzKey(tenant, app, agent string, run []byte, typ uint8, user []byte) Key {
	var r RunID
	copy(r[:], run)
	return Key{Namespace: Namespace{Tenant: tenant, App: app, Agent: agent, RunID: r}, Type: TypeTag(typ), UserKey: user}
}

func FuzzKeyOrder(f *testing.F) {
	seeds := fuzzSeedKeys()
	for i, a := range seeds {
		b := seeds[(i+1)%len(seeds)]
		for mode := range uint8(6) {
			f.Add(a.Namespace.Tenant, a.Namespace.App, a.Namespace.Agent, a.Namespace.RunID[:], uint8(a.Type), a.UserKey,
				b.Namespace.Tenant, b.Namespace.App, b.Namespace.Agent, b.Namespace.RunID[:], uint8(b.Type), b.UserKey, mode)
		}
	}
	f.Add("", "", "", []byte{}, uint8(0), []byte{}, "", "", "", []byte{}, uint8(0), []byte{}, uint8(0))
	f.Add("a", "", "", []byte{}, uint8(0), []byte{}, "a\x00", "", "", []byte{}, uint8(0), []byte{}, uint8(0))
	f.Add("a", "b", "", []byte{}, uint8(1), []byte("x"), "a\x00b", "", "", []byte{}, uint8(1), []byte("x"), uint8(0))
	f.Add("\x00", "\x01", "\xff", []byte{0xff}, uint8(6), []byte{0xff}, "\x00\x00", "", "\x00", []byte{0, 1}, uint8(255), []byte{0}, uint8(0))
	f.Add("t", "a", "g", []byte{1}, uint8(2), []byte("prefix-and-more"), "", "", "", []byte{}, uint8(0), []byte("prefix"), uint8(1))
	f.Add("t", "a", "g", []byte{1}, uint8(2), []byte("abc"), "", "", "", []byte{}, uint8(0), []byte{}, uint8(2))

	f.Fuzz(func(t *testing.T,
		t1, a1, g1 string, r1 []byte, ty1 uint8, u1 []byte,
		t2, a2, g2 string, r2 []byte, ty2 uint8, u2 []byte,
		mode uint8,
	) {
		a := fuzzKey(t1, a1, g1, r1, ty1, u1)
		var b Key
		switch mode % 6 {
		case 0: // independent keys
			b = fuzzKey(t2, a2, g2, r2, ty2, u2)
		case 1: // same namespace and type, another user key
			b = Key{Namespace: a.Namespace, Type: a.Type, UserKey: u2}
		case 2: // a real prefix of a: user key truncated
			b = Key{Namespace: a.Namespace, Type: a.Type, UserKey: a.UserKey[:len(u2)%(len(a.UserKey)+1)]}
		case 3: // same tenant and app, the rest fuzzed
			b = fuzzKey(t1, a1, g2, r2, ty2, u2)
		case 4: // same namespace, type and user key fuzzed
			b = Key{Namespace: a.Namespace, Type: TypeTag(ty2), UserKey: u2}
		default: // a's strings extended by b's
			b = fuzzKey(t1+t2, a1+a2, g1+g2, r1, ty1, append(bytes.Clone(u1), u2...))
		}

		for _, pair := range [2][2]Key{{a, b}, {b, a}} {
			x, y := pair[0], pair[1]
			ex, ey := x.Encode(), y.Encode()

			// Order law.
			c := x.Compare(y)
			if c != -1 && c != 0 && c != 1 {
				t.Fatalf("Compare returned %d", c)
			}
			if got := sign(bytes.Compare(ex, ey)); got != c {
				t.Fatalf("order law: bytes.Compare(%x, %x) = %d, Compare(%v, %v) = %d", ex, ey, got, x, y, c)
			}
			if x.Equal(y) != (c == 0) {
				t.Fatalf("Equal(%v, %v) = %v but Compare = %d", x, y, x.Equal(y), c)
			}

			// Prefix law.
			hp := x.HasPrefix(y)
			if got := bytes.HasPrefix(ex, ey); got != hp {
				t.Fatalf("prefix law: bytes.HasPrefix(%x, %x) = %v, HasPrefix(%v, %v) = %v", ex, ey, got, x, y, hp)
			}

			// Round trip.
			if len(ex) != x.EncodedLen() {
				t.Fatalf("len(Encode()) = %d, EncodedLen() = %d", len(ex), x.EncodedLen())
			}
			got, err := DecodeKey(ex)
			if !x.Type.Valid() {
				if !errors.Is(err, ErrInvalidKey) {
					t.Fatalf("DecodeKey of %v (invalid type): err = %v", x, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("DecodeKey(Encode(%v)): %v", x, err)
			}
			if !got.Equal(x) {
				t.Fatalf("DecodeKey(Encode(%v)) = %v", x, got)
			}
			if !bytes.Equal(got.Encode(), ex) {
				t.Fatalf("re-encoding %v gives %x, want %x", got, got.Encode(), ex)
			}
		}
	})
}
