package btree

import (
	"strings"
	"unsafe"
)

// block holds up to a fixed number of strings (its slots) that share a prefix, in one
// pointer-free allocation: a header of the header's own size h and slots+1 uint32 offsets, the
// prefix once, then the rest of each string (its suffix) back to back. String i is the prefix
// followed by b[off[i]:off[i+1]]; the prefix is b[h:off[0]]. A leaf's block has leafMax slots,
// an inner node's innerMax-1, so that a leaf's block does not pay for the wider inner nodes'
// offsets. The node that holds a block keeps the count: with n strings, off[n] == len(b). The collector never scans a block (it holds no pointer), and a node copy
// shares its block until the copy changes its strings (see the nodes' shared flag).
//
// The prefix is one that every string of the block starts with, not always the longest: a
// block built from a list of strings takes their longest common prefix, a block changed in
// place keeps its prefix while the strings it gains start with it. A probe compares a key with
// the prefix once and then only with suffixes; a copy copies the prefix once.
//
// The methods that change a block work in place and return it, reallocated when it had no
// room; they must only be called on a block that no other node shares.
type block []byte

const (
	// blockMax is the most strings a block holds: a leaf's keys or an inner node's separators.
	blockMax = max(leafMax, innerMax-1)
	// leafHeader and innerHeader are the header sizes of a leaf's block (leafMax slots) and
	// of an inner node's (innerMax-1 slots).
	leafHeader  = 4 * (leafMax + 2)
	innerHeader = 4 * (innerMax - 1 + 2)
)

// header returns the size of the header of a block with the given slots.
func header(slots int) int { return 4 * (slots + 2) }

// hdr returns the block's header size. A block's array comes from make, so it is aligned for
// uint32.
func (b block) hdr() uint32 { return *(*uint32)(unsafe.Pointer(unsafe.SliceData(b))) }

// offs returns the offsets of the header.
func (b block) offs() []uint32 {
	p := unsafe.Pointer(unsafe.SliceData(b))
	return unsafe.Slice((*uint32)(unsafe.Add(p, 4)), *(*uint32)(p)/4-1)
}

// str returns b[lo:hi] as a string view (no copy). It slices rather than adds to the block's
// address: an empty string at the block's end must not point past its allocation.
func (b block) str(lo, hi uint32) string {
	s := b[lo:hi]
	return unsafe.String(unsafe.SliceData(s), len(s))
}

// prefix returns the prefix every string of the block starts with, as a view.
func (b block) prefix() string { return b.str(b.hdr(), b.offs()[0]) }

// suffix returns the rest of string i after the prefix, as a view.
func (b block) suffix(i int) string {
	o := b.offs()
	return b.str(o[i], o[i+1])
}

// piece returns string i as a view in two parts.
func (b block) piece(i int) piece { return piece{b.prefix(), b.suffix(i)} }

// search returns the position among the first n strings of the first one >= key and whether
// it equals key.
func (b block) search(n int, key string) (int, bool) {
	o := b.offs()
	p := b.str(b.hdr(), o[0])
	if len(key) < len(p) || key[:len(p)] != p {
		// key does not start with the prefix: it sorts below every string or above them all.
		if key < p {
			return 0, false
		}
		return n, false
	}
	rest := key[len(p):]
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if b.str(o[m], o[m+1]) < rest {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < n && b.str(o[lo], o[lo+1]) == rest
}

// upper returns the position among the first n strings of the first one > key.
func (b block) upper(n int, key string) int {
	o := b.offs()
	p := b.str(b.hdr(), o[0])
	if len(key) < len(p) || key[:len(p)] != p {
		if key < p {
			return 0
		}
		return n
	}
	rest := key[len(p):]
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if b.str(o[m], o[m+1]) <= rest {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// grow returns b with room for need more bytes: b itself when it has the room, else a copy
// with the room and some more (as much again, at least blockSlack), so that a batch adding
// strings one by one to a block it owns copies the block now and then rather than every
// time, without doubling it.
func (b block) grow(need int) block {
	if cap(b)-len(b) >= need {
		return b
	}
	c := make(block, len(b), len(b)+need+max(need, blockSlack))
	copy(c, b)
	return c
}

// blockSlack is the least spare room a block grown by an insert gets.
const blockSlack = 32

// insert puts the string whose rest after the block's prefix is suffix (copied) at position i
// of the n strings.
func (b block) insert(n, i int, suffix piece) block {
	k := suffix.len()
	b = b.grow(k)
	end := len(b)
	b = b[:end+k]
	o := b.offs()
	at := int(o[i])
	copy(b[at+k:], b[at:end])
	copy(b[at:], suffix.p)
	copy(b[at+len(suffix.p):], suffix.s)
	for j := n; j >= i; j-- {
		o[j+1] = o[j] + uint32(k)
	}
	return b
}

// remove drops string i of the n strings.
func (b block) remove(n, i int) block {
	o := b.offs()
	lo, hi := o[i], o[i+1]
	k := hi - lo
	copy(b[lo:], b[hi:])
	for j := i + 1; j <= n; j++ {
		o[j-1] = o[j] - k
	}
	o[n] = 0
	return b[:uint32(len(b))-k]
}

// piece is a string in two parts, p followed by s: a key or separator of a block (its prefix
// and suffix, both views into the block), or a part of one. Pieces let a node's strings move
// into a new block without first being put together.
type piece struct{ p, s string }

// str returns the piece as one string (allocating when both parts are non-empty).
func (x piece) str() string {
	if x.s == "" {
		return x.p
	}
	if x.p == "" {
		return x.s
	}
	return x.p + x.s
}

func (x piece) len() int { return len(x.p) + len(x.s) }

// tail returns the piece from position from on, as a piece.
func (x piece) tail(from int) piece {
	if from <= len(x.p) {
		return piece{x.p[from:], x.s}
	}
	return piece{"", x.s[from-len(x.p):]}
}

// head returns the first n bytes of the piece, as a piece.
func (x piece) head(n int) piece {
	if n <= len(x.p) {
		return piece{x.p[:n], ""}
	}
	return piece{x.p, x.s[:n-len(x.p)]}
}

// appendFrom appends the piece's bytes from position from on to dst.
func (x piece) appendFrom(dst []byte, from int) []byte {
	if from < len(x.p) {
		dst = append(dst, x.p[from:]...)
		return append(dst, x.s...)
	}
	return append(dst, x.s[from-len(x.p):]...)
}

// cmp compares the piece with key: -1, 0 or +1 as the piece sorts before, equal to or after
// it.
func (x piece) cmp(key string) int {
	if len(key) <= len(x.p) {
		if c := strings.Compare(x.p[:len(key)], key); c != 0 || len(x.p)+len(x.s) == len(key) {
			return c
		}
		return 1 // key is a proper prefix of the piece
	}
	if c := strings.Compare(x.p, key[:len(x.p)]); c != 0 {
		return c
	}
	return strings.Compare(x.s, key[len(x.p):])
}

// hasPrefix reports whether the piece starts with prefix.
func (x piece) hasPrefix(prefix string) bool {
	if len(prefix) <= len(x.p) {
		return x.p[:len(prefix)] == prefix
	}
	return x.p == prefix[:len(x.p)] && strings.HasPrefix(x.s, prefix[len(x.p):])
}

// commonPrefixKey returns the length of the longest common prefix of the piece and key.
func (x piece) commonPrefixKey(key string) int {
	n := CommonPrefix(x.p, key)
	if n < len(x.p) {
		return n
	}
	return n + CommonPrefix(x.s, key[n:])
}

// commonPrefixPieces returns the length of the longest common prefix of two pieces.
func commonPrefixPieces(a, b piece) int {
	if len(a.p) > len(b.p) {
		a, b = b, a
	}
	// a.p is the shorter first part: compare it with b's first part, then a's second part
	// with the rest of b.
	n := CommonPrefix(a.p, b.p)
	if n < len(a.p) {
		return n
	}
	rest := b.p[n:]
	m := CommonPrefix(a.s, rest)
	if m < len(rest) {
		return n + m
	}
	return n + m + CommonPrefix(a.s[m:], b.s)
}

// layout returns the longest common prefix of the strings ps (ascending) and the bytes a
// block of them takes after its header.
func layout(ps []piece) (plen, size int) {
	if len(ps) == 0 {
		return 0, 0
	}
	plen = commonPrefixPieces(ps[0], ps[len(ps)-1])
	size = plen
	for _, x := range ps {
		size += x.len() - plen
	}
	return plen, size
}

// build writes a block of the strings ps (ascending) with the prefix of length plen that they
// share and a header of h bytes (header) into dst, which must have the room (layout), and
// returns it.
func build(dst block, ps []piece, plen, h int) block {
	b := dst[:h]
	*(*uint32)(unsafe.Pointer(unsafe.SliceData(b))) = uint32(h)
	if len(ps) > 0 {
		pfx := ps[0].head(plen)
		b = append(b, pfx.p...)
		b = append(b, pfx.s...)
	}
	o := b.offs()
	clear(o)
	o[0] = uint32(len(b))
	for i, x := range ps {
		b = x.appendFrom(b, plen)
		o[i+1] = uint32(len(b))
	}
	return b
}

// blockOfPieces returns a block with a header of h bytes holding the strings ps (ascending),
// with their longest common prefix as its prefix and room for extra more bytes.
func blockOfPieces(ps []piece, extra, h int) block {
	plen, size := layout(ps)
	return build(make(block, h, h+size+extra), ps, plen, h)
}

// blockOf returns a block holding ss (ascending), with their longest common prefix as its
// prefix and no spare room.
func blockOf(ss ...string) block {
	var ps [blockMax]piece
	for i, s := range ss {
		ps[i] = piece{s, ""}
	}
	return blockOfPieces(ps[:len(ss)], 0, header(blockMax))
}

// sepBetween returns the shortest separator s with a < s <= b: the shortest prefix of b that
// is greater than a. a must be less than b.
func sepBetween(a, b piece) piece { return b.head(commonPrefixPieces(a, b) + 1) }

// CommonPrefix returns the length of the longest common prefix of a and b, comparing 8 bytes
// at a time. Safe for concurrent use.
func CommonPrefix(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i+8 <= n && a[i:i+8] == b[i:i+8] {
		i += 8
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}
