package mvcc

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unsafe"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/btree"
)

// packMin is the fewest changes a commit record must have for finish to
// pack it: smaller records keep their plain changes. A variable only so
// that tests can build the same history with plain records to compare.
var packMin = 64

// The bits of a packed change's op byte besides its core.ChangeOp.
const (
	packOwnVal  = 1 << 6 // a put whose value is in packedChanges.vals
	packHadPrev = 1 << 7 // a change whose prev is in packedChanges.prevs
	packOpMask  = packOwnVal - 1
)

// packedChanges is the compact form of a big commit record's changes, made
// once the group's state is published (its log write is done by then):
// the keys in one block, each kept as the length of the prefix it shares
// with the key before it and the rest; one op byte per change; the values
// before (prev) only for the changes that had one; and a put's value only
// when the state that holds the record does not hold that very version
// (a later commit of the same group changed the key). Every other put's
// value is read from that state, whose entry under the key has the
// record's version, value and TTL.
type packedChanges struct {
	keys  []byte   // per change: uvarint shared prefix length, uvarint suffix length, suffix
	ops   []byte   // per change: its core.ChangeOp | packOwnVal | packHadPrev
	vals  []putVal // the values of the puts marked packOwnVal, in change order
	prevs []stored // the values before of the changes marked packHadPrev, in change order
}

// putVal is a put's value and TTL, as a change holds them.
type putVal struct {
	val core.Value
	ttl int64
}

// size returns the bytes p holds.
func (p *packedChanges) size() int64 {
	return int64(unsafe.Sizeof(*p)) + int64(cap(p.keys)+cap(p.ops)) +
		int64(cap(p.vals))*int64(unsafe.Sizeof(putVal{})) + int64(cap(p.prevs))*int64(unsafe.Sizeof(stored{}))
}

// pack replaces rec's changes by their packed form, whose put values are
// read from st, the state that publishes rec (see packedChanges).
func (rec *commitRec) pack(st *state) {
	p := &packedChanges{ops: make([]byte, len(rec.changes))}
	cur := st.data.Cursor()
	nkeys, nvals, nprevs := 0, 0, 0
	last := ""
	for i := range rec.changes {
		c := &rec.changes[i]
		op := byte(c.op)
		if c.hadPrev() {
			op |= packHadPrev
			nprevs++
		}
		if c.op == core.ChangePut {
			if r, ok := seekForward(cur, c.enc); !ok || r.version != rec.version {
				op |= packOwnVal
				nvals++
			}
		}
		p.ops[i] = op
		n := btree.CommonPrefix(last, c.enc)
		nkeys += uvarintLen(n) + uvarintLen(len(c.enc)-n) + len(c.enc) - n
		last = c.enc
	}
	p.keys = make([]byte, 0, nkeys)
	if nvals > 0 {
		p.vals = make([]putVal, 0, nvals)
	}
	if nprevs > 0 {
		p.prevs = make([]stored, 0, nprevs)
	}
	last = ""
	for i := range rec.changes {
		c := &rec.changes[i]
		n := btree.CommonPrefix(last, c.enc)
		p.keys = binary.AppendUvarint(p.keys, uint64(n))
		p.keys = binary.AppendUvarint(p.keys, uint64(len(c.enc)-n))
		p.keys = append(p.keys, c.enc[n:]...)
		last = c.enc
		if p.ops[i]&packOwnVal != 0 {
			p.vals = append(p.vals, putVal{val: c.val, ttl: c.ttl})
		}
		if c.hadPrev() {
			p.prevs = append(p.prevs, *c.prevIn(rec))
		}
	}
	rec.changes, rec.morePrevs, rec.onePrev, rec.packed = nil, nil, stored{}, p
}

// each calls fn with each change of p, in key order, until fn returns
// false; st is the state that holds the record (nil: fn needs no put
// values, which are then left zero). The change's enc is a view of a
// buffer the next change reuses: fn must copy what it keeps.
func (p *packedChanges) each(rec *commitRec, st *state, fn func(c *change) bool) {
	var cur *btree.Cursor[stored]
	if st != nil {
		cur = st.data.Cursor()
	}
	var kb [128]byte
	buf := kb[:0]
	keys := p.keys
	vi, pi := 0, 0
	for _, op := range p.ops {
		shared, n := binary.Uvarint(keys)
		keys = keys[n:]
		suffix, n := binary.Uvarint(keys)
		keys = keys[n:]
		buf = append(buf[:shared], keys[:suffix]...)
		keys = keys[suffix:]
		c := change{enc: view(buf), op: core.ChangeOp(op & packOpMask)}
		if op&packHadPrev != 0 {
			pi++
			c.prev = int32(pi)
		}
		switch {
		case op&packOwnVal != 0:
			c.val, c.ttl = p.vals[vi].val, p.vals[vi].ttl
			vi++
		case c.op == core.ChangePut && cur != nil:
			r, ok := seekForward(cur, c.enc)
			if !ok || r.version != rec.version {
				panic(fmt.Sprintf("mvcc: the put of %s at version %d is not in the state of version %d that holds its record", keyText(c.enc), rec.version, st.version))
			}
			c.val, c.ttl = r.val, r.ttl
		}
		if !fn(&c) {
			return
		}
	}
}

// unpack returns p's changes without their put values, in an order undo
// can walk backwards: the keys share one new block, except a restored
// value's, which the indices may keep (a copy of its own).
func (p *packedChanges) unpack(rec *commitRec) []change {
	n := 0
	for keys := p.keys; len(keys) > 0; {
		shared, w := binary.Uvarint(keys)
		keys = keys[w:]
		suffix, w := binary.Uvarint(keys)
		keys = keys[w+int(suffix):]
		n += int(shared + suffix)
	}
	out := make([]change, 0, len(p.ops))
	arena := make([]byte, 0, n)
	p.each(rec, nil, func(c *change) bool {
		k := *c
		if c.hadPrev() {
			k.enc = strings.Clone(c.enc)
		} else {
			start := len(arena)
			arena = append(arena, c.enc...)
			k.enc = view(arena[start:])
		}
		out = append(out, k)
		return true
	})
	return out
}

// seekForward returns the entry under enc in cur's map, moving cur forward
// a few steps from where it is when enc is near, seeking otherwise: the
// keys asked for must ascend.
func seekForward(cur *btree.Cursor[stored], enc string) (*stored, bool) {
	for range 4 {
		if !cur.Valid() {
			break
		}
		switch cmp := cur.Compare(enc); {
		case cmp == 0:
			return cur.Value(), true
		case cmp > 0:
			return nil, false
		}
		cur.Next()
	}
	if !cur.SeekGE(enc) || cur.Compare(enc) != 0 {
		return nil, false
	}
	return cur.Value(), true
}

// uvarintLen returns the length of n as a uvarint.
func uvarintLen(n int) int {
	l := 1
	for ; n >= 0x80; n >>= 7 {
		l++
	}
	return l
}
