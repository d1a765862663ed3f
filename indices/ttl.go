package indices

import (
	"encoding/binary"
	"iter"
	"time"

	"github.com/benbjohnson/immutable"
)

// expiryLen is the width of the expiry prefix of a TTL member: 8 bytes of
// seconds since the Unix epoch (sign bit flipped, big-endian, so earlier sorts
// first, before 1970 included) and 4 bytes of nanoseconds.
const expiryLen = 12

// appendExpiry appends the 12-byte order-preserving encoding of t to dst.
func appendExpiry(dst []byte, t time.Time) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(t.Unix())^(1<<63))
	return binary.BigEndian.AppendUint32(dst, uint32(t.Nanosecond()))
}

// TTL is the persistent TTL index: members "expiry ‖ encoded key" in expiry
// order (ties in key order), each carrying a V (the store keeps its record
// there, so reading what expired needs no lookup in the data). The zero TTL is
// empty. Add and Remove return a new TTL; a TTL is safe for concurrent use.
type TTL[V any] struct {
	m *immutable.SortedMap[string, V]
}

// Len returns the number of keys with an expiry.
func (x TTL[V]) Len() int {
	if x.m == nil {
		return 0
	}
	return x.m.Len()
}

// Add returns x with the key encKey expiring at expiresAt, carrying v.
// O(log n).
func (x TTL[V]) Add(expiresAt time.Time, encKey string, v V) TTL[V] {
	m := x.m
	if m == nil {
		m = immutable.NewSortedMap[string, V](bytewise{})
	}
	return TTL[V]{m: m.Set(member(expiresAt, encKey), v)}
}

// Remove returns x without the key encKey expiring at expiresAt. O(log n).
func (x TTL[V]) Remove(expiresAt time.Time, encKey string) TTL[V] {
	if x.m == nil {
		return x
	}
	return TTL[V]{m: x.m.Delete(member(expiresAt, encKey))}
}

// Has reports whether encKey is indexed as expiring at expiresAt.
func (x TTL[V]) Has(expiresAt time.Time, encKey string) bool {
	if x.m == nil {
		return false
	}
	_, ok := x.m.Get(member(expiresAt, encKey))
	return ok
}

func member(expiresAt time.Time, encKey string) string {
	b := make([]byte, 0, expiryLen+len(encKey))
	b = appendExpiry(b, expiresAt)
	return string(append(b, encKey...))
}

// Expired yields, in expiry order, the encoded keys and values of every member
// that expires at or before now. Seeking costs O(1) (expired members come
// first), each member O(1) amortized, so reading r of them is O(log n + r).
func (x TTL[V]) Expired(now time.Time) iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		if x.m == nil {
			return
		}
		var limit [expiryLen]byte
		appendExpiry(limit[:0], now)
		it := x.m.Iterator()
		for !it.Done() {
			k, v, _ := it.Next()
			if k[:expiryLen] > string(limit[:]) || !yield(k[expiryLen:], v) {
				return
			}
		}
	}
}

// Between yields, in expiry order, the encoded keys and values of every
// member that expires after from and at or before to: the keys a read judged
// at from sees and one judged at to does not (when from is before to).
// Seeking costs O(log n), each member O(1) amortized.
func (x TTL[V]) Between(from, to time.Time) iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		if x.m == nil || !to.After(from) {
			return
		}
		var lo, hi [expiryLen]byte
		appendExpiry(lo[:0], from)
		appendExpiry(hi[:0], to)
		it := x.m.Iterator()
		it.Seek(string(lo[:]))
		for !it.Done() {
			k, v, _ := it.Next()
			at := k[:expiryLen]
			if at == string(lo[:]) {
				continue // expires at from itself: already gone then
			}
			if at > string(hi[:]) || !yield(k[expiryLen:], v) {
				return
			}
		}
	}
}

// All yields every member's encoded key and value in expiry order.
func (x TTL[V]) All() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		if x.m == nil {
			return
		}
		it := x.m.Iterator()
		for !it.Done() {
			k, v, _ := it.Next()
			if !yield(k[expiryLen:], v) {
				return
			}
		}
	}
}
