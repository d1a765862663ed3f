package mvcc

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Append buffers a write of value under the next event key of ns as the
// transaction sees it (the log at Begin and the transaction's own writes),
// and returns that key. The commit validates it: if another writer appends to
// (or deletes the tail of) the same log first, Commit fails with ErrConflict,
// and Update runs the function again on the new tail, so appends in
// transactions are gapless too. Errors as Txn.Put.
func (t *Txn) Append(ns core.Namespace, value core.Value, ttl time.Duration) (core.Key, error) {
	if t.done {
		return core.Key{}, ErrTxnDone
	}
	probe := core.EventKey(ns, 0)
	if err := checkTTL(ttl); err != nil {
		return core.Key{}, err
	}
	enc := encodeKey(probe)
	if err := t.s.checkSize(enc, value); err != nil {
		return core.Key{}, err
	}
	prefix := enc[:len(enc)-8]
	last := t.lastSeq(prefix)
	if last == math.MaxUint64 {
		return core.Key{}, fmt.Errorf("%w: the event log of %s is at sequence %d", core.ErrTooLarge, ns, last)
	}
	// The tail as read (present or absent) and the next key's absence are
	// reads the commit validates.
	b := []byte(enc)
	if last > 0 {
		binary.BigEndian.PutUint64(b[len(prefix):], last)
		t.read(string(b))
	}
	key := core.EventKey(ns, last+1)
	binary.BigEndian.PutUint64(b[len(prefix):], last+1)
	if err := checkVector(t.s.cfg.vectors, string(b), value); err != nil {
		return core.Key{}, err // an index whose scope holds this sequence but not the probe's
	}
	t.read(string(b))
	t.buffer(&txnWrite{key: key, value: value, ttl: ttl})
	return key, nil
}

// lastSeq returns the highest 8-byte event sequence under the encoded
// (namespace, event type) prefix as the transaction sees it: the log at
// Begin without the events the transaction deleted, and its own writes.
func (t *Txn) lastSeq(prefix string) uint64 {
	var last uint64
	if t.st.data.Len() > 0 {
		c := t.st.data.Cursor()
		ok := c.SeekLT(prefixEnd(prefix)) // prefix ends with the event tag: never all 0xFF
		var buf [128]byte
		for ; ok; ok = c.Prev() {
			if !c.HasPrefix(prefix) {
				break
			}
			k := view(c.AppendKey(buf[:0]))
			if w, own := t.writes[k]; len(k) == len(prefix)+8 && !(own && w.del) {
				last = seqOf(k[len(prefix):])
				break
			}
		}
	}
	for k, w := range t.writes {
		if !w.del && len(k) == len(prefix)+8 && strings.HasPrefix(k, prefix) {
			last = max(last, seqOf(k[len(prefix):]))
		}
	}
	return last
}
