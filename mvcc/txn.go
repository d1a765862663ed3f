package mvcc

import (
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/inmemdb/inmem/core"
)

// ErrTxnDone is returned by the methods of a Txn that was already committed
// or discarded. It is core.ErrTxnDone.
var ErrTxnDone = core.ErrTxnDone

// Txn is an optimistic transaction. It reads from the version current at
// Begin (expiry judged at that moment) and sees its own writes; its writes
// are buffered until Commit, which publishes all of them in one new version
// or none.
//
// Isolation: Commit fails with ErrConflict when a key the transaction read
// (present or absent), or wrote, or any key in a range it scanned with
// ScanPrefix, changed after Begin. Point reads, writes and scanned ranges are
// therefore serializable: every committed transaction behaves as if it ran
// alone at its commit version, phantoms in scanned ranges included. A
// transaction that only reads always commits: it is a consistent snapshot.
//
// A Txn is not safe for concurrent use; use one per goroutine. Always end it
// with Commit or Discard.
type Txn struct {
	s      *Store
	st     *state
	now    time.Time
	writes map[string]*txnWrite
	reads  map[string]uint64 // encoded key -> version seen at Begin (0: absent)
	scans  []scanRead
	seqs   map[string]uint64 // event log prefix -> the highest sequence it used at Begin, for each log Append read
	// slab is the room left for buffered writes (newWrite), and slabLen
	// the length of the last slab made.
	slab    []txnWrite
	slabLen int
	done    bool
	// How Commit ended the transaction: attempted is set by Commit,
	// committed when it succeeded with version result, err when it failed.
	attempted bool
	committed bool
	result    uint64
	err       error
}

// txnWrite is one buffered write: a put, or a delete when del is set.
type txnWrite struct {
	enc   string
	key   core.Key
	value core.Value
	ttl   time.Duration
	size  int // value.Size(), from the write's check
	del   bool
}

// scanRead records a scanned range and how many entries were stored in it at
// Begin, expired ones not yet removed included.
type scanRead struct {
	prefix string
	count  int
}

// Begin starts an optimistic transaction on the current version. O(1);
// safe for concurrent use (each goroutine its own Txn).
func (s *Store) Begin() *Txn {
	return &Txn{s: s, st: s.root.Load().cur, now: s.Now()}
}

// Version returns the version the transaction reads at.
func (t *Txn) Version() uint64 { return t.st.version }

// Get returns the value of key as the transaction sees it: its own buffered
// write if any (with Version 0 and no Timestamp until committed), else the
// value at Begin. ErrNotFound when absent, deleted or expired.
func (t *Txn) Get(key core.Key) (core.VersionedValue, error) {
	if t.done {
		return core.VersionedValue{}, ErrTxnDone
	}
	if err := checkKey(key); err != nil {
		return core.VersionedValue{}, err
	}
	enc := encodeKey(key)
	if w, ok := t.writes[enc]; ok {
		if w.del {
			return core.VersionedValue{}, core.ErrNotFound
		}
		return core.VersionedValue{Value: w.value, TTL: w.ttl}, nil
	}
	r, ok := t.read(enc)
	if !ok || !visible(&r, t.now) {
		return core.VersionedValue{}, core.ErrNotFound
	}
	return r.public(), nil
}

// read looks enc up in the transaction's view and records the version seen.
func (t *Txn) read(enc string) (stored, bool) {
	r, ok := t.st.get(enc)
	if t.reads == nil {
		t.reads = make(map[string]uint64)
	}
	if _, seen := t.reads[enc]; !seen {
		t.reads[enc] = r.version // 0 when absent
	}
	return r, ok
}

// Put buffers a write of value under key with the TTL (0: never expires).
// These reject it without buffering anything: ErrTxnDone after Commit or
// Discard, ErrInvalidKey (an unknown type tag), ErrInvalidTTL (a negative
// TTL), ErrInvalidValue and ErrTooLarge (a value Store.Put refuses: the
// same rule).
func (t *Txn) Put(key core.Key, value core.Value, ttl time.Duration) error {
	if t.done {
		return ErrTxnDone
	}
	if err := checkKey(key); err != nil {
		return err
	}
	if err := checkTTL(ttl); err != nil {
		return err
	}
	enc := encodeKey(key)
	size, err := t.s.checkSize(enc, value)
	if err != nil {
		return err
	}
	t.buffer(txnWrite{enc: enc, key: key, value: value, ttl: ttl, size: size})
	return nil
}

// Delete buffers the removal of key. Like Store.Delete it gives ErrNotFound
// when the key is absent in the transaction's view (its own writes
// included); that absence is a read the commit validates. ErrTxnDone after
// Commit or Discard, ErrInvalidKey for an unknown type tag.
func (t *Txn) Delete(key core.Key) error {
	if t.done {
		return ErrTxnDone
	}
	if _, err := t.Get(key); err != nil {
		return err
	}
	t.buffer(txnWrite{key: key, del: true})
	return nil
}

// buffer keeps write as the transaction's write of its key, in place of
// any earlier one (in that one's room: rewriting a key does not grow the
// transaction).
func (t *Txn) buffer(write txnWrite) {
	if write.enc == "" {
		write.enc = encodeKey(write.key)
	}
	// Keep the user key as a view of the encoding, not the caller's slice,
	// which the caller may change before Commit.
	uk := write.enc[len(write.enc)-len(write.key.UserKey):]
	write.key.UserKey = unsafe.Slice(unsafe.StringData(uk), len(uk))
	if t.writes == nil {
		t.writes = make(map[string]*txnWrite)
	}
	if w, ok := t.writes[write.enc]; ok {
		*w = write
		return
	}
	w := t.newWrite()
	*w = write
	t.writes[w.enc] = w
}

// newWrite returns room for one buffered write. The writes of a
// transaction all live until it ends, so they are carved from slabs: one
// allocation for many writes instead of one each. A slab holds twice as
// many writes as the one before, from 4 up to maxSlab, so a transaction of
// a few writes allocates little and a large one few times (buffer gives a
// key one slot, however often it is written).
func (t *Txn) newWrite() *txnWrite {
	if len(t.slab) == 0 {
		t.slabLen = min(max(2*t.slabLen, 4), maxSlab)
		t.slab = make([]txnWrite, t.slabLen)
	}
	w := &t.slab[0]
	t.slab = t.slab[1:]
	return w
}

// maxSlab is the most writes of one slab (newWrite).
const maxSlab = 256

// ScanPrefix returns the entries matching prefix as the transaction sees
// them (its view at Begin merged with its own writes), in key order. The
// scanned range is validated at Commit: a key inserted, changed or removed in
// it after Begin makes the commit fail with ErrConflict.
func (t *Txn) ScanPrefix(prefix core.Key) ([]core.Entry, error) {
	if t.done {
		return nil, ErrTxnDone
	}
	if err := checkKey(prefix); err != nil {
		return nil, err
	}
	enc := encodeKey(prefix)
	c := collector{judge: fixedJudge(t.now), keepEnc: true}
	t.st.rangeRecords(enc, c.add)
	t.scans = append(t.scans, scanRead{prefix: enc, count: c.stored})
	recs := c.entries()

	var own []*txnWrite
	for k, w := range t.writes {
		if strings.HasPrefix(k, enc) {
			own = append(own, w)
		}
	}
	slices.SortFunc(own, func(a, b *txnWrite) int { return strings.Compare(a.enc, b.enc) })

	out := make([]core.Entry, 0, len(recs)+len(own))
	i := 0
	for _, w := range own {
		for i < len(recs) && c.enc(i) < w.enc {
			out = append(out, recs[i])
			i++
		}
		if i < len(recs) && c.enc(i) == w.enc {
			i++ // shadowed by the transaction's own write
		}
		if !w.del {
			k := w.key
			k.UserKey = append([]byte{}, k.UserKey...)
			out = append(out, core.Entry{Key: k, Value: core.VersionedValue{Value: w.value, TTL: w.ttl}})
		}
	}
	out = append(out, recs[i:]...)
	return out, nil
}

// Discard ends the transaction without committing. Safe to call more than
// once and after Commit.
func (t *Txn) Discard() {
	t.done = true
	t.writes, t.reads, t.scans, t.seqs, t.slab = nil, nil, nil, nil, nil
}
