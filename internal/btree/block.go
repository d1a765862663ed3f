package btree

import "unsafe"

// block holds up to blockMax strings in one pointer-free allocation: a header of blockMax+1
// uint32 offsets, then the bytes of the strings back to back. String i is b[off[i]:off[i+1]];
// off[0] is the header's size. The node that holds a block keeps the count: with n strings,
// off[n] == len(b). The collector never scans a block (it holds no pointer), and a node copy
// shares its block until the copy changes its strings (see the nodes' shared flag).
//
// The methods that change a block work in place and return it, reallocated when it had no
// room; they must only be called on a block that no other node shares.
type block []byte

const (
	// blockMax is the most strings a block holds: a leaf's keys or an inner node's separators.
	blockMax = max(leafMax, innerMax-1)
	// blockHeader is the size of the offsets header.
	blockHeader = 4 * (blockMax + 1)
)

// newBlock returns an empty block with room for size bytes of strings.
func newBlock(size int) block {
	b := make(block, blockHeader, blockHeader+size)
	b.offs()[0] = blockHeader
	return b
}

// offs returns the offsets header. A block's array comes from make, so it is aligned for
// uint32.
func (b block) offs() *[blockMax + 1]uint32 {
	return (*[blockMax + 1]uint32)(unsafe.Pointer(unsafe.SliceData(b)))
}

// at returns string i as a view into the block (no copy).
func (b block) at(i int) string {
	o := b.offs()
	s := b[o[i]:o[i+1]]
	return unsafe.String(unsafe.SliceData(s), len(s))
}

// search returns the position among the first n strings of the first one >= key and whether
// it equals key.
func (b block) search(n int, key string) (int, bool) {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if b.at(m) < key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < n && b.at(lo) == key
}

// upper returns the position among the first n strings of the first one > key.
func (b block) upper(n int, key string) int {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if b.at(m) <= key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// clone returns a copy of the block's first n strings with room for extra more bytes.
func (b block) clone(n, extra int) block {
	size := int(b.offs()[n])
	c := make(block, size, size+extra)
	copy(c, b[:size])
	return c
}

// insert puts key (copied) at position i of the n strings.
func (b block) insert(n, i int, key string) block {
	end := len(b)
	b = append(b, key...) // grow by len(key); the bytes are rewritten below
	o := b.offs()
	at := o[i]
	copy(b[int(at)+len(key):], b[at:end])
	copy(b[at:], key)
	k := uint32(len(key))
	for j := n; j >= i; j-- {
		o[j+1] = o[j] + k
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

// replace sets string i of the n strings to key (copied).
func (b block) replace(n, i int, key string) block {
	o := b.offs()
	if int(o[i+1]-o[i]) == len(key) {
		copy(b[o[i]:], key)
		return b
	}
	return b.remove(n, i).insert(n-1, i, key)
}

// appendFrom appends strings [from, to) of src, another block, after the n strings of b. src
// is not changed.
func (b block) appendFrom(n int, src block, from, to int) block {
	so := src.offs()
	lo, hi := so[from], so[to]
	base := uint32(len(b)) - lo
	b = append(b, src[lo:hi]...)
	o := b.offs()
	for j := from; j < to; j++ {
		o[n+1+j-from] = so[j+1] + base
	}
	return b
}

// shiftOut drops the first k of the n strings.
func (b block) shiftOut(n, k int) block {
	o := b.offs()
	lo := o[k] - blockHeader
	copy(b[blockHeader:], b[o[k]:])
	for j := 0; j <= n-k; j++ {
		o[j] = o[j+k] - lo
	}
	for j := n - k + 1; j <= n; j++ {
		o[j] = 0
	}
	return b[:uint32(len(b))-lo]
}

// truncate keeps the first k of the n strings.
func (b block) truncate(n, k int) block {
	o := b.offs()
	size := o[k]
	for j := k + 1; j <= n; j++ {
		o[j] = 0
	}
	return b[:size]
}

// blockOf returns a block holding ss, in order, with no spare room.
func blockOf(ss ...string) block {
	size := 0
	for _, s := range ss {
		size += len(s)
	}
	b := newBlock(size)
	for i, s := range ss {
		b = b.insert(i, i, s)
	}
	return b
}

// sepBetween returns the shortest separator s with a < s <= b: the shortest prefix of b that
// is greater than a. a must be less than b.
func sepBetween(a, b string) string { return b[:commonPrefix(a, b)+1] }

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b string) int {
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
