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
// transaction sees it (the log at Begin, its high-water mark, and the
// transaction's own writes and deletes: a sequence is never handed out
// twice, as with Store.Append), and returns that key. The commit validates
// it: if another writer appends to (or deletes the tail of) the same log
// first, or the log uses a higher sequence in any other way, Commit fails
// with ErrConflict, and Update runs the function again on the new tail, so
// appends in transactions are gapless too. Errors as Txn.Put.
func (t *Txn) Append(ns core.Namespace, value core.Value, ttl time.Duration) (core.Key, error) {
	if t.done {
		return core.Key{}, ErrTxnDone
	}
	probe := core.EventKey(ns, 0)
	if err := checkTTL(ttl); err != nil {
		return core.Key{}, err
	}
	enc := encodeKey(probe)
	size, err := t.s.checkSize(enc, value)
	if err != nil {
		return core.Key{}, err
	}
	prefix := enc[:len(enc)-8]
	used := t.st.seqs.get(prefix)
	if t.st.data.Len() > 0 {
		stored, _ := lastSeq(t.st.data.Cursor(), prefix)
		used = max(used, stored)
	}
	if t.seqs == nil {
		t.seqs = make(map[string]uint64)
	}
	t.seqs[prefix] = used // a read the commit validates
	last := max(t.ownLastSeq(prefix), used)
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
	t.buffer(txnWrite{key: key, value: value, ttl: ttl, size: size})
	return key, nil
}

// ownLastSeq returns the highest 8-byte event sequence under the encoded
// (namespace, event type) prefix among the transaction's own writes and
// deletes (a deleted number is used too).
func (t *Txn) ownLastSeq(prefix string) uint64 {
	var last uint64
	for k := range t.writes {
		if len(k) == len(prefix)+8 && strings.HasPrefix(k, prefix) {
			last = max(last, seqOf(k[len(prefix):]))
		}
	}
	return last
}
