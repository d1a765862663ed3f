package core

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
)

// Key names one piece of agent memory: a Namespace, a TypeTag and user key
// bytes. User keys are arbitrary bytes; empty, unicode and binary keys are all
// legal.
//
// A Key refers to its UserKey slice; it does not copy it. The store copies the
// user key when it stores a value, so a caller may reuse the slice after a
// write returns. Keys the store returns carry their own copies. A Key is safe
// for concurrent use as long as nobody writes to its UserKey.
type Key struct {
	Namespace Namespace
	Type      TypeTag
	UserKey   []byte
}

// NewKey returns the key of userKey in namespace ns and type t. It does not
// copy userKey.
func NewKey(ns Namespace, t TypeTag, userKey []byte) Key {
	return Key{Namespace: ns, Type: t, UserKey: userKey}
}

// KVKey returns the key-value scratchpad key called name in ns.
func KVKey(ns Namespace, name string) Key {
	return Key{Namespace: ns, Type: TypeKV, UserKey: []byte(name)}
}

// EventKey returns the key of event number seq in ns. The user key is seq as 8
// bytes big-endian, so events sort by sequence number.
func EventKey(ns Namespace, seq uint64) Key {
	return Key{Namespace: ns, Type: TypeEvent, UserKey: binary.BigEndian.AppendUint64(nil, seq)}
}

// VectorKey returns the key of the embedding called name in ns (type
// TypeVector, user key = name).
func VectorKey(ns Namespace, name string) Key {
	return Key{Namespace: ns, Type: TypeVector, UserKey: []byte(name)}
}

// StateKey returns the key of the state machine called name in ns.
func StateKey(ns Namespace, name string) Key {
	return Key{Namespace: ns, Type: TypeStateMachine, UserKey: []byte(name)}
}

// TraceKey returns the key of trace span number seq in ns (8 bytes big-endian).
func TraceKey(ns Namespace, seq uint64) Key {
	return Key{Namespace: ns, Type: TypeTrace, UserKey: binary.BigEndian.AppendUint64(nil, seq)}
}

// RunMetadataKey returns the key of the run's metadata record: its user key is
// the run id's 16 bytes.
func RunMetadataKey(ns Namespace) Key {
	return Key{Namespace: ns, Type: TypeRunMetadata, UserKey: append([]byte(nil), ns.RunID[:]...)}
}

// Compare orders keys by namespace (see Namespace.Compare), then type tag, then
// user key bytewise. It returns -1, 0 or +1, and agrees with the byte order of
// the keys' encodings.
func (k Key) Compare(o Key) int {
	if c := k.Namespace.Compare(o.Namespace); c != 0 {
		return c
	}
	if k.Type != o.Type {
		if k.Type < o.Type {
			return -1
		}
		return 1
	}
	return bytes.Compare(k.UserKey, o.UserKey)
}

// HasPrefix reports whether k matches the prefix key p: the same namespace, the
// same type tag, and a user key that starts with p's user key. An empty user key
// in p therefore matches every key of that namespace and type.
func (k Key) HasPrefix(p Key) bool {
	return k.Namespace == p.Namespace && k.Type == p.Type && bytes.HasPrefix(k.UserKey, p.UserKey)
}

// Equal reports whether k and o name the same key.
func (k Key) Equal(o Key) bool {
	return k.Namespace == o.Namespace && k.Type == o.Type && bytes.Equal(k.UserKey, o.UserKey)
}

// String returns "tenant/app/agent/<run id>/<type>/<user key>". The user key
// of an event or trace key that is exactly 8 bytes prints as its sequence
// number in decimal ("acme/support/triage/<run id>/event/42"); any other user
// key prints as is when it is printable ASCII, and quoted as a Go string when
// it is not.
func (k Key) String() string {
	var b strings.Builder
	b.WriteString(k.Namespace.String())
	b.WriteByte('/')
	b.WriteString(k.Type.String())
	b.WriteByte('/')
	if (k.Type == TypeEvent || k.Type == TypeTrace) && len(k.UserKey) == 8 {
		var buf [20]byte
		b.Write(strconv.AppendUint(buf[:0], binary.BigEndian.Uint64(k.UserKey), 10))
	} else if printable(k.UserKey) {
		b.Write(k.UserKey)
	} else {
		b.WriteString(strconv.Quote(string(k.UserKey)))
	}
	return b.String()
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x21 || c > 0x7e || c == '"' {
			return false
		}
	}
	return true
}
