package core

import (
	"bytes"
	"fmt"
)

// The key encoding. A key encodes as
//
//	esc(Tenant) 0x00 0x01  esc(App) 0x00 0x01  esc(Agent) 0x00 0x01
//	RunID (16 bytes)  Type (1 byte)  UserKey (raw)
//
// where esc writes each 0x00 byte of a string as 0x00 0xFF. The terminator
// 0x00 0x01 sorts below every escaped byte that can follow a string's end, so
// a shorter string sorts first, as in strings.Compare; the run id and type tag
// have fixed widths, so the user key comes last and raw. Hence the encoding
// preserves order (bytes.Compare of two encodings has the sign of
// Key.Compare) and prefixes (an encoding starts with a prefix key's encoding
// exactly when Key.HasPrefix holds), and a prefix scan is a byte-range scan.
// Every key has exactly one encoding, and DecodeKey rejects every byte string
// that is not one.
const (
	escByte  = 0x00
	escZero  = 0xFF // 0x00 0xFF: a 0x00 inside a string
	escEnd   = 0x01 // 0x00 0x01: the end of a string
	runIDLen = 16
)

// EncodedLen returns len(k.Encode()) without encoding.
func (k Key) EncodedLen() int {
	return k.Namespace.encodedLen() + 1 + len(k.UserKey)
}

func (n Namespace) encodedLen() int {
	return escapedLen(n.Tenant) + escapedLen(n.App) + escapedLen(n.Agent) + 6 + runIDLen
}

func escapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if s[i] == escByte {
			n++
		}
	}
	return n
}

// Encode returns the order- and prefix-preserving encoding of k (see the
// package documentation of the format). It allocates one slice of exactly
// k.EncodedLen() bytes.
func (k Key) Encode() []byte {
	return k.AppendEncode(make([]byte, 0, k.EncodedLen()))
}

// AppendEncode appends k's encoding to dst and returns the extended slice. It
// allocates nothing when dst has room, which makes it the hot-path form.
func (k Key) AppendEncode(dst []byte) []byte {
	dst = k.Namespace.AppendEncode(dst)
	dst = append(dst, byte(k.Type))
	return append(dst, k.UserKey...)
}

// AppendEncode appends the encoding of n to dst: the bytes every encoded key
// of namespace n starts with, and no key of another namespace does.
func (n Namespace) AppendEncode(dst []byte) []byte {
	dst = appendEscaped(dst, n.Tenant)
	dst = appendEscaped(dst, n.App)
	dst = appendEscaped(dst, n.Agent)
	return append(dst, n.RunID[:]...)
}

func appendEscaped(dst []byte, s string) []byte {
	for {
		i := indexZero(s)
		if i < 0 {
			dst = append(dst, s...)
			return append(dst, escByte, escEnd)
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, escZero)
		s = s[i+1:]
	}
}

func indexZero(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == escByte {
			return i
		}
	}
	return -1
}

// DecodeKey is the inverse of Key.Encode. Any input that Encode cannot have
// produced (a truncated string, a bad escape, a short run id, a missing or
// unknown type tag) is rejected with an error wrapping ErrInvalidKey. It never
// panics. The returned key's UserKey is a fresh copy.
func DecodeKey(b []byte) (Key, error) {
	var k Key
	rest := b
	var err error
	if k.Namespace.Tenant, rest, err = decodeEscaped(rest); err != nil {
		return Key{}, decodeErr(b, "tenant", err)
	}
	if k.Namespace.App, rest, err = decodeEscaped(rest); err != nil {
		return Key{}, decodeErr(b, "app", err)
	}
	if k.Namespace.Agent, rest, err = decodeEscaped(rest); err != nil {
		return Key{}, decodeErr(b, "agent", err)
	}
	if len(rest) < runIDLen+1 {
		return Key{}, fmt.Errorf("%w: encoded key %x: truncated run id or type", ErrInvalidKey, b)
	}
	copy(k.Namespace.RunID[:], rest[:runIDLen])
	k.Type = TypeTag(rest[runIDLen])
	if !k.Type.Valid() {
		return Key{}, fmt.Errorf("%w: encoded key %x: unknown type tag %d", ErrInvalidKey, b, k.Type)
	}
	k.UserKey = append([]byte{}, rest[runIDLen+1:]...)
	return k, nil
}

func decodeErr(b []byte, field string, err error) error {
	return fmt.Errorf("%w: encoded key %x: %s: %v", ErrInvalidKey, b, field, err)
}

type decodeError string

func (e decodeError) Error() string { return string(e) }

const (
	errUnterminated = decodeError("unterminated string")
	errBadEscape    = decodeError("bad escape after 0x00")
)

// decodeEscaped reads one escaped, terminated string off the front of b.
func decodeEscaped(b []byte) (string, []byte, error) {
	i := bytes.IndexByte(b, escByte)
	if i < 0 || i+1 >= len(b) {
		return "", nil, errUnterminated
	}
	if b[i+1] == escEnd {
		return string(b[:i]), b[i+2:], nil
	}
	// Slow path: the string holds escaped zero bytes.
	out := make([]byte, 0, len(b))
	for {
		if i < 0 || i+1 >= len(b) {
			return "", nil, errUnterminated
		}
		out = append(out, b[:i]...)
		switch b[i+1] {
		case escEnd:
			return string(out), b[i+2:], nil
		case escZero:
			out = append(out, escByte)
			b = b[i+2:]
			i = bytes.IndexByte(b, escByte)
		default:
			return "", nil, errBadEscape
		}
	}
}
