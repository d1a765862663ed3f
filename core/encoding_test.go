package core

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestEncodeFormat(t *testing.T) {
	run := RunID{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff}
	k := Key{
		Namespace: Namespace{Tenant: "t", App: "", Agent: "a\x00b", RunID: run},
		Type:      TypeStateMachine,
		UserKey:   []byte("u\x00"),
	}
	want := concat(
		[]byte{'t', 0x00, 0x01},
		[]byte{0x00, 0x01},
		[]byte{'a', 0x00, 0xff, 'b', 0x00, 0x01},
		run[:],
		[]byte{2},
		[]byte{'u', 0x00}, // the user key is raw
	)
	assert.Equal(t, want, k.Encode())
	assert.Equal(t, len(want), k.EncodedLen())

	// The zero key.
	zero := concat([]byte{0, 1, 0, 1, 0, 1}, make([]byte, 16), []byte{0})
	assert.Equal(t, zero, Key{}.Encode())
	assert.Equal(t, len(zero), Key{}.EncodedLen())

	// Escapes of several and adjacent zero bytes.
	k2 := Key{Namespace: Namespace{Tenant: "\x00\x00", App: "\x00", Agent: "\xff\x00\x01"}, Type: TypeVector}
	want2 := concat(
		[]byte{0, 0xff, 0, 0xff, 0, 1},
		[]byte{0, 0xff, 0, 1},
		[]byte{0xff, 0, 0xff, 1, 0, 1},
		make([]byte, 16),
		[]byte{5},
	)
	assert.Equal(t, want2, k2.Encode())
	assert.Equal(t, len(want2), k2.EncodedLen())
}

func TestNamespaceAppendEncodeIsKeyPrefix(t *testing.T) {
	for _, k := range sampleKeys() {
		nsEnc := k.Namespace.AppendEncode(nil)
		enc := k.Encode()
		require.True(t, bytes.HasPrefix(enc, nsEnc), "%v", k)
		assert.Equal(t, len(nsEnc)+1+len(k.UserKey), len(enc))
		assert.Equal(t, byte(k.Type), enc[len(nsEnc)])
	}
	// No key of another namespace starts with a namespace's encoding.
	keys := sampleKeys()
	for _, a := range keys {
		for _, b := range keys {
			same := a.Namespace == b.Namespace
			assert.Equal(t, same, bytes.HasPrefix(b.Encode(), a.Namespace.AppendEncode(nil)), "%v / %v", a, b)
		}
	}
}

// sampleKeys returns keys chosen to collide on escapes and prefixes.
func sampleKeys() []Key {
	strs := []string{"", "\x00", "\x00\x00", "\x00\x01", "\x00\xff", "\x01", "\xff", "a", "a\x00", "a\x00b", "ab", "\xff\x00"}
	runs := []RunID{{}, {15: 1}, {0: 0xff, 15: 0xff}}
	users := [][]byte{nil, {}, {0}, {0, 1}, {0xff}, []byte("a"), []byte("a\x00"), []byte("ab")}
	var keys []Key
	for i, s := range strs {
		keys = append(keys,
			KVKey(Namespace{Tenant: s}, ""),
			KVKey(Namespace{App: s}, "x"),
			NewKey(Namespace{Agent: s, RunID: runs[i%len(runs)]}, TypeTag(i%6), users[i%len(users)]),
			NewKey(Namespace{Tenant: s, App: s, Agent: s}, TypeVector, []byte(s)),
		)
	}
	for _, r := range runs {
		for ty := range TypeTag(6) {
			for _, u := range users {
				keys = append(keys, NewKey(Namespace{Tenant: "a", RunID: r}, ty, u))
			}
		}
	}
	return keys
}

func TestEncodeAppendEncodeEncodedLenAgree(t *testing.T) {
	for _, k := range sampleKeys() {
		enc := k.Encode()
		assert.Len(t, enc, k.EncodedLen(), "%v", k)
		assert.Equal(t, len(enc), cap(enc), "Encode allocates exactly EncodedLen bytes")

		assert.Equal(t, enc, k.AppendEncode(nil))

		prefix := []byte("prefix")
		out := k.AppendEncode(prefix)
		assert.Equal(t, append([]byte("prefix"), enc...), out)

		buf := make([]byte, 3, 3+k.EncodedLen())
		out = k.AppendEncode(buf)
		assert.Equal(t, &buf[0], &out[0], "AppendEncode with room reuses dst")
		assert.Equal(t, enc, out[3:])
	}
}

func TestEncodeDoesNotAliasUserKey(t *testing.T) {
	user := []byte("abc")
	k := KVKey(testNS, "x")
	k.UserKey = user
	enc := k.Encode()
	user[0] = 'X'
	assert.Equal(t, byte('a'), enc[len(enc)-3])
}

func TestDecodeKeyRoundTrip(t *testing.T) {
	for _, k := range sampleKeys() {
		enc := k.Encode()
		got, err := DecodeKey(enc)
		require.NoError(t, err, "%v", k)
		assert.True(t, got.Equal(k), "%v != %v", got, k)
		assert.Equal(t, enc, got.Encode())
		assert.NotNil(t, got.UserKey)
	}
}

func TestDecodeKeyCopiesUserKey(t *testing.T) {
	enc := KVKey(testNS, "user").Encode()
	k, err := DecodeKey(enc)
	require.NoError(t, err)
	enc[len(enc)-1] = 'X'
	assert.Equal(t, []byte("user"), k.UserKey)
	// Strings are copies too.
	enc2 := KVKey(Namespace{Tenant: "a\x00b"}, "").Encode()
	k2, err := DecodeKey(enc2)
	require.NoError(t, err)
	enc2[0] = 'Z'
	assert.Equal(t, "a\x00b", k2.Namespace.Tenant)
}

func TestDecodeKeyErrors(t *testing.T) {
	run := make([]byte, 16)
	term := []byte{0, 1}
	tests := []struct {
		name string
		in   []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"no terminator", []byte("abc")},
		{"lone zero at end", []byte{'a', 0}},
		{"bad escape 0x00 0x02", concat([]byte{'t', 0x00, 0x02}, term, term, run, []byte{0})},
		{"bad escape 0x00 0x00", concat([]byte{0x00, 0x00, 0x01}, term, term, run, []byte{0})},
		{"bad escape 0x00 0xfe", concat([]byte{0x00, 0xfe}, term, term, run, []byte{0})},
		{"bad escape after an escaped zero", concat([]byte{'a', 0x00, 0xff, 'b', 0x00, 0x02}, term, term, run, []byte{0})},
		{"bad escape in app", concat(term, []byte{0x00, 0x02}, term, run, []byte{0})},
		{"bad escape in agent", concat(term, term, []byte{'x', 0x00, 0x7f}, run, []byte{0})},
		{"unterminated after escaped zero", []byte{'a', 0x00, 0xff, 'b'}},
		{"unterminated after escaped zero, lone zero", []byte{'a', 0x00, 0xff, 0x00}},
		{"escaped zero at end", []byte{0x00, 0xff}},
		{"missing app", term},
		{"missing agent", concat(term, term)},
		{"unterminated app", concat(term, []byte("app"))},
		{"unterminated agent", concat(term, term, []byte("agent\x00"))},
		{"no run id", concat(term, term, term)},
		{"short run id", concat(term, term, term, make([]byte, 15))},
		{"run id without type", concat(term, term, term, run)},
		{"unknown type tag 6", concat(term, term, term, run, []byte{6})},
		{"unknown type tag 6 with user key", concat(term, term, term, run, []byte{6, 'a'})},
		{"unknown type tag 255", concat(term, term, term, run, []byte{255})},
		{"unknown type tag 128", concat([]byte("t"), term, term, term, run, []byte{128, 0, 1})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := DecodeKey(tc.in)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidKey), "%v", err)
			assert.True(t, k.Equal(Key{}), "a failed decode returns the zero key, got %v", k)
			assert.Nil(t, k.UserKey)
		})
	}

	// Every proper prefix of an encoding with an empty user key is invalid.
	for _, k := range sampleKeys() {
		if len(k.UserKey) > 0 {
			continue
		}
		enc := k.Encode()
		for n := range len(enc) {
			_, err := DecodeKey(enc[:n])
			assert.ErrorIs(t, err, ErrInvalidKey, "%v truncated to %d", k, n)
		}
	}
}

func TestDecodeKeyErrorMessages(t *testing.T) {
	_, err := DecodeKey([]byte{0, 1, 0, 2})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "app")
	assert.Contains(t, err.Error(), "bad escape")

	_, err = DecodeKey([]byte("tenant"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tenant")
	assert.Contains(t, err.Error(), "unterminated")

	_, err = DecodeKey(concat([]byte{0, 1, 0, 1, 0, 1}, make([]byte, 16), []byte{9}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "type tag 9")
}

func TestDecodeKeyAcceptsInvalidUTF8AndRawUserKey(t *testing.T) {
	k := NewKey(Namespace{Tenant: "\xff\xfe", App: "ü", Agent: "\x00\x01\x02"}, TypeTrace, []byte{0, 0, 1, 0xff})
	got, err := DecodeKey(k.Encode())
	require.NoError(t, err)
	assert.True(t, k.Equal(got))
}
