package etcdstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Txn is an optimistic transaction: it reads the store as of Begin (one etcd
// revision, expiry judged at Begin), sees its own writes, and commits all of
// them in one version, or fails with core.ErrConflict when a key it read
// (present or absent) or wrote, or the set of keys stored under a prefix it
// scanned, changed after Begin. Conflicts are detected by the etcd mod
// revisions of what it read, checked in the commit's own etcd transaction
// (guarded, like every commit, by the store's version key). A Txn is not
// safe for concurrent use.
type Txn struct {
	s      *Store
	err    error // Begin's failure: every method returns it
	begin  uint64
	vrev   int64 // the version key's mod revision at Begin
	rev    int64 // the etcd revision reads are at
	now    time.Time
	reads  map[string]int64 // data key -> mod revision at Begin (0: absent)
	writes map[string]txnWrite
	scans  []txnScan
	logs   map[core.Namespace]uint64 // the event logs it appends to -> their high-water marks at Begin
	done   bool

	// What Commit answered, for Update when fn committed itself.
	committed bool
	result    uint64
	resultErr error
}

type txnWrite struct {
	key   core.Key
	value core.Value
	ttl   time.Duration
	del   bool
}

// txnScan is a scanned prefix and the data keys stored under it at Begin
// with their mod revisions, in key order.
type txnScan struct {
	prefix string
	keys   []keyRev
}

type keyRev struct {
	key string
	rev int64
}

// Begin starts a transaction on the current version (one etcd read). If
// etcd does not answer, the transaction's methods return that error. Safe
// for concurrent use; the Txn is not.
func (s *Store) Begin() *Txn {
	t := &Txn{s: s, reads: map[string]int64{}, writes: map[string]txnWrite{}}
	ctx, cancel, err := s.begin("Begin")
	if err != nil {
		t.err = err
		return t
	}
	defer cancel()
	resp, err := s.cli.Get(ctx, s.l.version)
	if err != nil {
		t.err = mapErr("Begin", err)
		return t
	}
	if t.begin, t.err = s.decodeVersion(resp.Kvs); t.err != nil {
		return t
	}
	if len(resp.Kvs) > 0 {
		t.vrev = resp.Kvs[0].ModRevision
	}
	t.rev, t.now = resp.Header.Revision, s.Now()
	return t
}

// BeginTxn is Begin as a core.Txn (core.Transactor). Safe for concurrent
// use.
func (s *Store) BeginTxn() core.Txn { return s.Begin() }

// UpdateTxn is Update with fn taking a core.Txn (core.Transactor): the same
// retries and errors. Safe for concurrent use.
func (s *Store) UpdateTxn(fn func(core.Txn) error) (uint64, error) {
	if fn == nil {
		return 0, fmt.Errorf("etcdstore: UpdateTxn: nil function: %w", core.ErrInvalidArgument)
	}
	return s.Update(func(t *Txn) error { return fn(t) })
}

// Version returns the version the transaction reads.
func (t *Txn) Version() uint64 { return t.begin }

func (t *Txn) usable() error {
	if t.done {
		return core.ErrTxnDone
	}
	return t.err
}

// Get returns the transaction's own write of key (Version 0, no Timestamp),
// or else the value at Begin; core.ErrNotFound when absent, deleted or
// expired.
func (t *Txn) Get(key core.Key) (core.VersionedValue, error) {
	if err := t.usable(); err != nil {
		return core.VersionedValue{}, err
	}
	if err := checkKey(key); err != nil {
		return core.VersionedValue{}, err
	}
	dk := t.s.l.dataKey(key)
	if w, ok := t.writes[dk]; ok {
		if w.del {
			return core.VersionedValue{}, fmt.Errorf("%w: %s (deleted in this transaction)", core.ErrNotFound, key)
		}
		return core.VersionedValue{Value: w.value, TTL: w.ttl}, nil
	}
	kvs, err := t.read(dk)
	if err != nil {
		return core.VersionedValue{}, err
	}
	return t.s.answer(key, kvs, t.now)
}

// read reads the data key dk at Begin's revision and records its mod
// revision (0: absent) for the commit to validate.
func (t *Txn) read(dk string) ([]*mvccpb.KeyValue, error) {
	ctx, cancel, err := t.s.begin("Txn.Get")
	if err != nil {
		return nil, err
	}
	defer cancel()
	resp, err := t.s.cli.Get(ctx, dk, clientv3.WithRev(t.rev))
	if err != nil {
		return nil, mapErr("Txn.Get", err)
	}
	t.reads[dk] = 0
	if len(resp.Kvs) > 0 {
		t.reads[dk] = resp.Kvs[0].ModRevision
	}
	return resp.Kvs, nil
}

// Put buffers a write of value under key; an invalid key or ttl buffers
// nothing.
func (t *Txn) Put(key core.Key, value core.Value, ttl time.Duration) error {
	if err := t.usable(); err != nil {
		return err
	}
	if err := checkWrite(key, ttl); err != nil {
		return err
	}
	key.UserKey = slices.Clone(key.UserKey)
	t.writes[t.s.l.dataKey(key)] = txnWrite{key: key, value: value, ttl: ttl}
	return nil
}

// Delete buffers the removal of key; core.ErrNotFound when the transaction
// sees no live value of it.
func (t *Txn) Delete(key core.Key) error {
	if _, err := t.Get(key); err != nil {
		return err
	}
	key.UserKey = slices.Clone(key.UserKey)
	t.writes[t.s.l.dataKey(key)] = txnWrite{key: key, del: true}
	return nil
}

// Append buffers a write of value under the next event key of ns as the
// transaction sees it (every sequence the log stored up to Begin, removed
// or not, the events it deletes itself included, and its own writes:
// sequences only grow), and returns that key. The commit validates it: if
// another writer raises the log's high-water mark first (appends to it,
// puts a higher sequence, even one removed since), or changes the tail it
// read or the key it takes, Commit fails with core.ErrConflict, and Update
// runs the function again on the new tail, so appends in transactions are
// gapless too. Errors as Put.
func (t *Txn) Append(ns core.Namespace, value core.Value, ttl time.Duration) (core.Key, error) {
	if err := t.usable(); err != nil {
		return core.Key{}, err
	}
	if err := checkWrite(core.EventKey(ns, math.MaxUint64), ttl); err != nil {
		return core.Key{}, err
	}
	last, err := t.lastSeq(ns)
	if err != nil {
		return core.Key{}, err
	}
	for _, w := range t.writes {
		if isSeq(w.key) && w.key.Namespace == ns { // its deletes count too
			last = max(last, binary.BigEndian.Uint64(w.key.UserKey))
		}
	}
	if last == math.MaxUint64 {
		return core.Key{}, fmt.Errorf("%w: the event log of %s is at sequence %d", core.ErrTooLarge, ns, last)
	}
	// The tail as read and the next key's absence are reads the commit
	// validates.
	if last > 0 {
		if _, err := t.read(t.s.l.dataKey(core.EventKey(ns, last))); err != nil {
			return core.Key{}, err
		}
	}
	key := core.EventKey(ns, last+1)
	dk := t.s.l.dataKey(key)
	if _, err := t.read(dk); err != nil {
		return core.Key{}, err
	}
	t.writes[dk] = txnWrite{key: key, value: value, ttl: ttl}
	return key, nil
}

// lastSeq returns the high-water mark of ns's event log at Begin (the
// highest 8-byte sequence it stored up to Begin, removed since or not) and
// records it for the commit to validate.
func (t *Txn) lastSeq(ns core.Namespace) (uint64, error) {
	if hw, ok := t.logs[ns]; ok {
		return hw, nil
	}
	ctx, cancel, err := t.s.begin("Txn.Append")
	if err != nil {
		return 0, err
	}
	defer cancel()
	hw, err := t.s.highWater(ctx, ns, t.rev)
	if err != nil {
		return 0, mapErr("Txn.Append", err)
	}
	if t.logs == nil {
		t.logs = map[core.Namespace]uint64{}
	}
	t.logs[ns] = hw
	return hw, nil
}

// ScanPrefix returns the live entries matching prefix as the transaction
// sees them, its own writes applied, in key order.
func (t *Txn) ScanPrefix(prefix core.Key) ([]core.Entry, error) {
	if err := t.usable(); err != nil {
		return nil, err
	}
	if err := checkKey(prefix); err != nil {
		return nil, err
	}
	ctx, cancel, err := t.s.begin("Txn.ScanPrefix")
	if err != nil {
		return nil, err
	}
	defer cancel()
	p := t.s.l.dataKey(prefix)
	resp, err := t.s.cli.Get(ctx, p, clientv3.WithRange(rangeEnd(p)), clientv3.WithRev(t.rev))
	if err != nil {
		return nil, mapErr("Txn.ScanPrefix", err)
	}
	sc := txnScan{prefix: p, keys: make([]keyRev, len(resp.Kvs))}
	view := map[string]core.Entry{}
	for i, kv := range resp.Kvs {
		sc.keys[i] = keyRev{string(kv.Key), kv.ModRevision}
		e, err := t.s.entry(kv)
		if err != nil {
			return nil, err
		}
		if !e.Value.Expired(t.now) {
			view[string(kv.Key)] = e
		}
	}
	t.scans = append(t.scans, sc)
	for dk, w := range t.writes {
		switch {
		case !w.key.HasPrefix(prefix):
		case w.del:
			delete(view, dk)
		default:
			k := w.key
			k.UserKey = slices.Clone(k.UserKey)
			view[dk] = core.Entry{Key: k, Value: core.VersionedValue{Value: w.value, TTL: w.ttl}}
		}
	}
	keys := slices.Sorted(maps.Keys(view)) // data keys sort as keys do
	out := make([]core.Entry, len(keys))
	for i, dk := range keys {
		out[i] = view[dk]
	}
	return out, nil
}

// Discard ends the transaction without committing. Safe to call twice.
func (t *Txn) Discard() { t.done = true }

// Commit publishes the writes in one new version and returns it. With no
// writes it returns the version it read; with writes that change nothing
// (deletes of keys stored nowhere) it returns the current version. It fails
// with core.ErrConflict, changing nothing, when anything it depends on
// changed after Begin, and with core.ErrTxnDone after Commit or Discard.
func (t *Txn) Commit() (uint64, error) {
	if err := t.usable(); err != nil {
		return 0, err
	}
	t.done = true
	v, err := t.commit()
	t.committed, t.result, t.resultErr = true, v, err
	return v, err
}

func (t *Txn) commit() (uint64, error) {
	if len(t.writes) == 0 {
		return t.begin, nil
	}
	keys := make([]core.Key, 0, len(t.writes)+len(t.reads))
	for _, w := range t.writes {
		keys = append(keys, w.key)
	}
	for dk := range t.reads {
		if _, ok := t.writes[dk]; !ok {
			k, err := core.DecodeKey([]byte(dk[len(t.s.l.data):]))
			if err != nil {
				return 0, corrupt(dk, err)
			}
			keys = append(keys, k)
		}
	}
	guards := make([]string, 0, len(t.scans)+len(t.logs))
	for _, sc := range t.scans {
		guards = append(guards, sc.prefix)
	}
	for ns := range t.logs {
		// No other write of the log's keys shares the commit's batch:
		// validate reads the log's high-water mark in etcd.
		guards = append(guards, t.s.l.dataKey(core.NewKey(ns, core.TypeEvent, nil)))
	}
	return t.s.commit(&request{what: "Txn.Commit", keys: keys, guards: guards, fresh: true, plan: func(st *state) error {
		if st.vrev != t.vrev { // something committed since Begin
			if err := t.validate(st); err != nil {
				return err
			}
		}
		for dk, w := range t.writes {
			sl := st.slots[dk]
			if w.del {
				st.remove(sl, core.ChangeDelete)
			} else {
				st.put(sl, w.value, w.ttl)
			}
		}
		return nil
	}})
}

// validate returns core.ErrConflict when a key the transaction read or
// wrote, or the keys stored under a prefix it scanned, or the high-water
// mark of a log it appends to, changed after Begin: st holds their current
// records, read at the version the commit is guarded by (what validate
// reads of etcd itself is that version or later; later, the guard fails).
func (t *Txn) validate(st *state) error {
	ctx, cancel := t.s.ctx()
	defer cancel()
	for dk, sl := range st.slots {
		if _, mine := t.reads[dk]; !mine {
			if _, mine = t.writes[dk]; !mine {
				continue // another request's key in the batch
			}
		}
		at, read := t.reads[dk]
		switch {
		case sl.modrev > t.rev: // written after Begin
		case read && sl.modrev == at:
			continue
		case read: // deleted after Begin
		case sl.modrev != 0: // written before Begin and not since
			continue
		default: // a blind write of a key absent now: was it there at Begin?
			resp, err := t.s.cli.Get(ctx, dk, clientv3.WithRev(t.rev), clientv3.WithKeysOnly())
			if err != nil {
				return fmt.Errorf("%w: cannot tell whether %s changed: %w", core.ErrConflict, sl.key, mapErr("Txn.Commit", err))
			}
			if len(resp.Kvs) == 0 {
				continue
			}
		}
		return fmt.Errorf("%w: key %s changed after version %d", core.ErrConflict, sl.key, t.begin)
	}
	for _, sc := range t.scans {
		resp, err := t.s.cli.Get(ctx, sc.prefix, clientv3.WithRange(rangeEnd(sc.prefix)), clientv3.WithKeysOnly())
		if err != nil {
			return fmt.Errorf("%w: cannot tell whether a scanned prefix changed: %w", core.ErrConflict, mapErr("Txn.Commit", err))
		}
		same := len(resp.Kvs) == len(sc.keys)
		for i := 0; same && i < len(sc.keys); i++ {
			same = string(resp.Kvs[i].Key) == sc.keys[i].key && resp.Kvs[i].ModRevision == sc.keys[i].rev
		}
		if !same {
			return fmt.Errorf("%w: the keys under a scanned prefix changed after version %d", core.ErrConflict, t.begin)
		}
	}
	for ns, used := range t.logs {
		hw, err := t.s.highWater(ctx, ns, 0)
		if err != nil {
			return fmt.Errorf("%w: cannot tell whether the event log of %s changed: %w", core.ErrConflict, ns, mapErr("Txn.Commit", err))
		}
		if hw != used {
			return fmt.Errorf("%w: the event log of %s used a sequence after version %d", core.ErrConflict, ns, t.begin)
		}
	}
	return nil
}

// Update runs fn in a transaction and commits it, running it again on a
// fresh transaction when the commit conflicts, at most WithUpdateRetries
// times. fn's error ends it without committing (a nil fn is
// core.ErrInvalidArgument). When fn commits the transaction itself, Update
// answers what that Commit answered (a conflict runs fn again); when fn
// discards it, core.ErrTxnDone. Safe for concurrent use.
func (s *Store) Update(fn func(*Txn) error) (uint64, error) {
	if fn == nil {
		return 0, fmt.Errorf("etcdstore: Update: nil function: %w", core.ErrInvalidArgument)
	}
	var err error
	for range s.cfg.retries {
		t := s.Begin()
		if ferr := fn(t); ferr != nil {
			t.Discard()
			return 0, ferr
		}
		var v uint64
		switch {
		case t.committed:
			v, err = t.result, t.resultErr
		case t.done:
			return 0, fmt.Errorf("etcdstore: Update: %w: the function discarded its transaction", core.ErrTxnDone)
		default:
			v, err = t.Commit()
		}
		if !errors.Is(err, core.ErrConflict) {
			return v, err
		}
	}
	return 0, fmt.Errorf("etcdstore: Update gave up after %d attempts: %w", s.cfg.retries, err)
}
