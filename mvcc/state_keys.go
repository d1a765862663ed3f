package mvcc

import (
	"strings"
	"sync"
	"unsafe"

	"github.com/inmemdb/inmem/core"
)

// The data is keyed by core.Key.Encode:
//
//	esc(tenant) 00 01 esc(app) 00 01 esc(agent) 00 01 run(16) type(1) userkey
//
// where esc writes a 00 byte as 00 FF. The helpers below read the parts of an
// encoding the store itself wrote, so they trust it.

// nsLen returns the length of the encoded namespace at the front of enc: the
// offset of the type byte.
func nsLen(enc string) int {
	i := 0
	for range 3 {
		for {
			j := strings.IndexByte(enc[i:], 0)
			if j < 0 || i+j+1 >= len(enc) {
				return len(enc)
			}
			i += j + 2
			if enc[i-1] == 1 {
				break
			}
		}
	}
	return min(i+16, len(enc))
}

// runOf returns the run id of the namespace encoded as encNS.
func runOf(encNS string) core.RunID {
	var r core.RunID
	copy(r[:], encNS[len(encNS)-16:])
	return r
}

// keyDecoder turns encodings into keys the caller owns. Successive keys of
// one namespace share one decoded Namespace, so a scan allocates the
// namespace's strings once per namespace, and each key's user key is a fresh
// copy.
type keyDecoder struct {
	encNS string
	ns    core.Namespace
}

// key returns the key encoded as enc, with its own copy of the user key.
func (kd *keyDecoder) key(enc string) core.Key { return kd.keyIn(enc, nil) }

// keyIn is key with the user key copied into arena's spare capacity when it
// has room (arena nil: a fresh allocation): the keys of one result share one
// allocation.
func (kd *keyDecoder) keyIn(enc string, arena *[]byte) core.Key {
	n := nsLen(enc)
	if kd.encNS == "" || enc[:n] != kd.encNS {
		kd.encNS = strings.Clone(enc[:n])
		kd.ns = decodeNS(kd.encNS)
	}
	uk := enc[min(n+1, len(enc)):]
	k := core.Key{Namespace: kd.ns}
	if a := arena; a != nil && cap(*a)-len(*a) >= len(uk) {
		start := len(*a)
		*a = append(*a, uk...)
		k.UserKey = (*a)[start:len(*a):len(*a)]
	} else {
		k.UserKey = []byte(uk)
	}
	if n < len(enc) {
		k.Type = core.TypeTag(enc[n])
	}
	return k
}

// keyOf decodes one key.
func keyOf(enc string) core.Key {
	var kd keyDecoder
	return kd.key(enc)
}

// decodeNS decodes an encoded namespace the store wrote. The strings share
// encNS's memory when they hold no escaped byte.
func decodeNS(encNS string) core.Namespace {
	var ns core.Namespace
	rest := encNS
	for _, f := range []*string{&ns.Tenant, &ns.App, &ns.Agent} {
		*f, rest = unescape(rest)
	}
	if len(rest) >= 16 {
		copy(ns.RunID[:], rest[:16])
	}
	return ns
}

// unescape reads one escaped string terminated by 00 01 from the front of s.
func unescape(s string) (string, string) {
	var b []byte
	i := 0
	for i < len(s) {
		j := strings.IndexByte(s[i:], 0)
		if j < 0 || i+j+1 >= len(s) {
			break
		}
		if s[i+j+1] == 1 {
			if b == nil {
				return s[:i+j], s[i+j+2:]
			}
			return string(append(b, s[i:i+j]...)), s[i+j+2:]
		}
		b = append(append(b, s[i:i+j]...), 0)
		i += j + 2
	}
	return s, ""
}

// scratch is a reusable buffer for encoding lookup keys: a lookup's key does
// not outlive the lookup, so a pooled buffer spares the allocation.
type scratch struct{ b []byte }

var scratchPool = sync.Pool{New: func() any { return &scratch{b: make([]byte, 0, 128)} }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func (s *scratch) release() {
	if cap(s.b) <= 4096 {
		s.b = s.b[:0]
		scratchPool.Put(s)
	}
}

// view returns a string sharing b's bytes; valid while b is unchanged.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// encodeKey returns key's encoding as a fresh string (one allocation).
func encodeKey(key core.Key) string {
	b := key.AppendEncode(make([]byte, 0, key.EncodedLen()))
	return unsafe.String(unsafe.SliceData(b), len(b))
}
