package proptest

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/inmemdb/inmem/core"
)

// ModelTxn is the Model's optimistic transaction, with the semantics of
// mvcc.Txn: it reads the version current at Begin (expiry judged at that
// moment), sees its own writes, and commits all its writes in one version,
// or fails with ErrConflict when a key it read (present or absent) or wrote,
// or the set of keys stored under a prefix it scanned, changed after Begin.
// A ModelTxn is not safe for concurrent use.
type ModelTxn struct {
	m      *Model
	begin  uint64
	st     modelState
	now    time.Time
	reads  map[mkey]bool
	writes map[mkey]txnWrite
	scans  []core.Key
	logs   map[core.Namespace]uint64 // for each log Append read: the highest sequence used at Begin
	done   bool
	// commits counts the calls of Commit; result and err are the answer of
	// the first (what UpdateTxn reports when its function committed).
	commits int
	result  uint64
	err     error
}

type txnWrite struct {
	key   core.Key
	value core.Value
	ttl   time.Duration
	del   bool
}

// Begin starts a transaction on the current version. Safe for concurrent use.
func (m *Model) Begin() *ModelTxn {
	m.mu.Lock()
	defer m.mu.Unlock()
	return &ModelTxn{m: m, begin: m.version(), st: m.current(), now: m.Now(),
		reads: map[mkey]bool{}, writes: map[mkey]txnWrite{}}
}

// Version returns the version the transaction reads.
func (t *ModelTxn) Version() uint64 { return t.begin }

// Get returns the transaction's own write of key (Version 0, no Timestamp),
// or else the value at Begin; ErrNotFound when absent, deleted or expired.
func (t *ModelTxn) Get(key core.Key) (core.VersionedValue, error) {
	if t.done {
		return core.VersionedValue{}, core.ErrTxnDone
	}
	if err := checkKey(key); err != nil {
		return core.VersionedValue{}, err
	}
	if w, ok := t.writes[keyOf(key)]; ok {
		if w.del {
			return core.VersionedValue{}, core.ErrNotFound
		}
		return core.VersionedValue{Value: w.value, TTL: w.ttl}, nil
	}
	t.reads[keyOf(key)] = true
	return liveIn(t.st, key, t.now)
}

// Put buffers a write; ErrInvalidKey or ErrInvalidTTL buffer nothing.
func (t *ModelTxn) Put(key core.Key, value core.Value, ttl time.Duration) error {
	if t.done {
		return core.ErrTxnDone
	}
	if err := checkKey(key); err != nil {
		return err
	}
	if err := checkTTL(ttl); err != nil {
		return err
	}
	if err := t.m.checkVector(key, value); err != nil {
		return err
	}
	key = ownKey(key)
	t.writes[keyOf(key)] = txnWrite{key: key, value: value, ttl: ttl}
	return nil
}

// Delete buffers the removal of key; ErrNotFound when the transaction sees
// no live value of it.
func (t *ModelTxn) Delete(key core.Key) error {
	if t.done {
		return core.ErrTxnDone
	}
	if _, err := t.Get(key); err != nil {
		return err
	}
	key = ownKey(key)
	t.writes[keyOf(key)] = txnWrite{key: key, del: true}
	return nil
}

// ScanPrefix returns the live entries matching prefix as the transaction sees
// them: its view at Begin with its own writes applied, in key order.
func (t *ModelTxn) ScanPrefix(prefix core.Key) ([]core.Entry, error) {
	if t.done {
		return nil, core.ErrTxnDone
	}
	if err := checkKey(prefix); err != nil {
		return nil, err
	}
	t.scans = append(t.scans, ownKey(prefix))
	view := modelState{}
	for k, e := range t.st {
		if e.Key.HasPrefix(prefix) && !expired(e.Value, t.now) {
			view[k] = e
		}
	}
	for k, w := range t.writes {
		switch {
		case !w.key.HasPrefix(prefix):
		case w.del:
			delete(view, k)
		default:
			view[k] = core.Entry{Key: w.key, Value: core.VersionedValue{Value: w.value, TTL: w.ttl}}
		}
	}
	var out []core.Entry
	for _, e := range view {
		out = append(out, ownEntry(e))
	}
	sortEntries(out)
	return out, nil
}

// Discard ends the transaction without committing.
func (t *ModelTxn) Discard() { t.done = true }

// Commit publishes the writes in one new version and returns it. With no
// writes it returns the version it read; with writes that change nothing
// (deletes of keys stored nowhere) it returns the current version. It fails
// with ErrConflict, changing nothing, when anything it depends on changed
// after Begin, and with ErrTxnDone after Commit or Discard.
func (t *ModelTxn) Commit() (uint64, error) {
	if t.done {
		return 0, core.ErrTxnDone
	}
	t.done = true
	t.commits++
	t.result, t.err = t.commit()
	return t.result, t.err
}

func (t *ModelTxn) commit() (uint64, error) {
	if len(t.writes) == 0 {
		return t.begin, nil
	}
	m := t.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := t.validate(m.current()); err != nil {
		return 0, err
	}
	for ns, used := range t.logs {
		if m.usedSeq(ns, m.version()) != used {
			return 0, fmt.Errorf("%w: the event log of %s used a sequence after version %d", core.ErrConflict, ns, t.begin)
		}
	}
	return m.commitAs(true, func(next modelState, version uint64, now time.Time) (bool, error) {
		changed := false
		for k, w := range t.writes {
			if w.del {
				if _, ok := next[k]; ok {
					delete(next, k)
					changed = true
				}
				continue
			}
			next[k] = core.Entry{Key: w.key, Value: core.VersionedValue{Value: w.value, Version: version, Timestamp: now, TTL: w.ttl}}
			changed = true
		}
		return changed, nil
	})
}

// validate reports ErrConflict when a read or written key is stored at
// another version in cur than at Begin (0: absent), or a scanned prefix
// holds another set of stored keys and versions.
func (t *ModelTxn) validate(cur modelState) error {
	version := func(st modelState, k mkey) uint64 { return st[k].Value.Version }
	for k := range t.reads {
		if version(t.st, k) != version(cur, k) {
			return fmt.Errorf("%w: read key %v changed", core.ErrConflict, k)
		}
	}
	for k := range t.writes {
		if version(t.st, k) != version(cur, k) {
			return fmt.Errorf("%w: written key %v changed", core.ErrConflict, k)
		}
	}
	for _, p := range t.scans {
		for _, pair := range [][2]modelState{{t.st, cur}, {cur, t.st}} {
			for k, e := range pair[0] {
				if e.Key.HasPrefix(p) && version(pair[1], k) != e.Value.Version {
					return fmt.Errorf("%w: a key under scanned prefix %s changed", core.ErrConflict, p)
				}
			}
		}
	}
	return nil
}

// Append buffers a write of value under the next event key of ns as the
// transaction sees it (every sequence the log used up to Begin, and its own
// writes and deletes: sequences only grow) and returns that key; the commit
// fails with ErrConflict if the tail it read or the key it takes changed
// after Begin, or the log used a higher sequence meanwhile. Errors as Put,
// and ErrTooLarge at sequence MaxUint64.
func (t *ModelTxn) Append(ns core.Namespace, value core.Value, ttl time.Duration) (core.Key, error) {
	if t.done {
		return core.Key{}, core.ErrTxnDone
	}
	if err := checkTTL(ttl); err != nil {
		return core.Key{}, err
	}
	// The value is checked as any write's before the log's tail is read
	// (as the store checks it, against the log's first key), and again
	// against the key it takes.
	if err := t.m.checkVector(core.EventKey(ns, 0), value); err != nil {
		return core.Key{}, err
	}
	t.m.mu.Lock()
	used := t.m.usedSeq(ns, t.begin)
	t.m.mu.Unlock()
	if t.logs == nil {
		t.logs = map[core.Namespace]uint64{}
	}
	t.logs[ns] = used
	last := used
	for k := range t.writes {
		if k.ns == ns && k.t == core.TypeEvent && len(k.uk) == 8 {
			last = max(last, binary.BigEndian.Uint64([]byte(k.uk)))
		}
	}
	if last == math.MaxUint64 {
		return core.Key{}, fmt.Errorf("%w: the event log of %s is at sequence %d", core.ErrTooLarge, ns, last)
	}
	if last > 0 {
		t.reads[keyOf(core.EventKey(ns, last))] = true
	}
	key := core.EventKey(ns, last+1)
	if err := t.m.checkVector(key, value); err != nil {
		return core.Key{}, err
	}
	t.reads[keyOf(key)] = true
	t.writes[keyOf(key)] = txnWrite{key: key, value: value, ttl: ttl}
	return ownKey(key), nil
}
