package etcdstore

import (
	"fmt"
	"math"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Put stores value under key with the ttl (0: never expires) and returns the
// version assigned to the write. An invalid key (core.ErrInvalidKey), a
// negative ttl (core.ErrInvalidTTL), a value core's codec refuses
// (core.ErrInvalidValue) or one too large for etcd (core.ErrTooLarge)
// changes nothing. Concurrent writers of one Store share etcd transactions
// (group commit); each gets a version of its own. Safe for concurrent use.
func (s *Store) Put(key core.Key, value core.Value, ttl time.Duration) (uint64, error) {
	if err := checkWrite(key, ttl); err != nil {
		return 0, err
	}
	return s.commit(&request{what: "Put", keys: []core.Key{key}, plan: func(st *state) error {
		st.put(st.slot(key, s.l), value, ttl)
		return nil
	}})
}

// CompareAndSwap stores value under key only if the key's live version is
// expected (0: the key must be absent or expired), and returns the new
// version; otherwise core.ErrVersionMismatch and nothing changes. Safe for
// concurrent use.
func (s *Store) CompareAndSwap(key core.Key, expected uint64, value core.Value, ttl time.Duration) (uint64, error) {
	if err := checkWrite(key, ttl); err != nil {
		return 0, err
	}
	return s.commit(&request{what: "CompareAndSwap", keys: []core.Key{key}, plan: func(st *state) error {
		sl := st.slot(key, s.l)
		var found uint64
		if vv, ok := sl.live(st.now); ok {
			found = vv.Version
		}
		if found != expected {
			return fmt.Errorf("%w: %s is at %d, not %d", core.ErrVersionMismatch, key, found, expected)
		}
		st.put(sl, value, ttl)
		return nil
	}})
}

// Delete removes key and returns the value it had; core.ErrNotFound when it
// is absent or expired (then nothing changes). Safe for concurrent use.
func (s *Store) Delete(key core.Key) (core.VersionedValue, error) {
	return s.remove("Delete", key, nil)
}

// CompareAndDelete removes key only if its live version is expected:
// core.ErrNotFound when it is absent or expired, core.ErrVersionMismatch
// when another version is live. Safe for concurrent use.
func (s *Store) CompareAndDelete(key core.Key, expected uint64) error {
	_, err := s.remove("CompareAndDelete", key, &expected)
	return err
}

func (s *Store) remove(what string, key core.Key, expected *uint64) (core.VersionedValue, error) {
	if err := checkKey(key); err != nil {
		return core.VersionedValue{}, err
	}
	var removed core.VersionedValue
	_, err := s.commit(&request{what: what, keys: []core.Key{key}, plan: func(st *state) error {
		sl := st.slot(key, s.l)
		vv, ok := sl.live(st.now)
		if !ok {
			return fmt.Errorf("%w: %s", core.ErrNotFound, key)
		}
		if expected != nil && vv.Version != *expected {
			return fmt.Errorf("%w: %s is at %d, not %d", core.ErrVersionMismatch, key, vv.Version, *expected)
		}
		st.remove(sl, core.ChangeDelete)
		removed = vv
		return nil
	}})
	if err != nil {
		return core.VersionedValue{}, err
	}
	return removed, nil
}

// Touch refreshes the TTL of key's live value without changing the value:
// in a commit of its own with a new version, the value gets the commit's
// timestamp and the new ttl, so it expires ttl after now (0: never). An
// absent or expired key gives core.ErrNotFound and assigns no version; a
// negative ttl gives core.ErrInvalidTTL. Watchers see a core.ChangePut with
// the same value. Safe for concurrent use.
func (s *Store) Touch(key core.Key, ttl time.Duration) (uint64, error) {
	if err := checkWrite(key, ttl); err != nil {
		return 0, err
	}
	return s.commit(&request{what: "Touch", keys: []core.Key{key}, plan: func(st *state) error {
		sl := st.slot(key, s.l)
		vv, ok := sl.live(st.now)
		if !ok {
			return fmt.Errorf("%w: %s", core.ErrNotFound, key)
		}
		st.put(sl, vv.Value, ttl)
		return nil
	}})
}

// Append writes value under the next event key of ns — core.EventKey(ns,
// last+1), or sequence 1 for an empty log — in one commit, and returns the
// key and the version. last is the highest event sequence stored in ns,
// expired values not yet removed included; after the tail of a log is
// deleted, its numbers may be used again. The store keeps an index of each
// log's sequences (P/e/), so finding last is one short etcd read whatever
// the length of the log. Concurrent appenders, in this process or others,
// never collide and never leave gaps: the sequence is chosen under the
// commit's guard, and appends of one process to one log share a batch,
// each taking the next number. Event keys whose user key is not 8 bytes are
// not sequences and are ignored. It fails like Put, and with an error
// wrapping core.ErrTooLarge when the log is at sequence MaxUint64. Safe for
// concurrent use.
func (s *Store) Append(ns core.Namespace, value core.Value, ttl time.Duration) (core.Key, uint64, error) {
	probe := core.EventKey(ns, math.MaxUint64)
	if err := checkWrite(probe, ttl); err != nil {
		return core.Key{}, 0, err
	}
	tail := s.l.dataKey(core.NewKey(ns, core.TypeEvent, nil))
	var seq uint64
	v, err := s.commit(&request{what: "Append", tail: tail, tailNS: ns, plan: func(st *state) error {
		last := st.tails[tail]
		if last == math.MaxUint64 {
			return fmt.Errorf("%w: the event log of %s is at sequence %d", core.ErrTooLarge, ns, last)
		}
		seq = last + 1
		st.put(st.absent(core.EventKey(ns, seq), s.l), value, ttl)
		st.bumpTail(tail, seq)
		return nil
	}})
	if err != nil {
		return core.Key{}, 0, err
	}
	return core.EventKey(ns, seq), v, nil
}

// DeletePrefix removes every stored key p matches in one commit with one
// version — a finished run (core.NamespacePrefix), an agent's memory
// (core.AgentPrefix), a tenant — with the indices, and returns how many live
// keys it removed and the version; expired values not yet removed go too,
// as core.ChangeExpire. When nothing stored matches it returns (0, 0, nil)
// and assigns no version. An invalid p gives an error wrapping
// core.ErrInvalidKey. It reads every record p matches (to report them to
// watchers and keep the indices exact) and removes them with one etcd range
// delete, in an etcd transaction of its own; one index entry per namespace
// (and type) it empties counts against etcd's --max-txn-ops (core.ErrTooLarge
// beyond). Safe for concurrent use.
func (s *Store) DeletePrefix(p core.Prefix) (int, uint64, error) {
	if err := p.Err(); err != nil {
		return 0, 0, err
	}
	enc := string(p.AppendEncode(nil))
	scan := s.l.data + enc
	logRange, _ := s.l.logRange(enc)
	live, removed := 0, 0
	v, err := s.commit(&request{what: "DeletePrefix", scan: scan, scanLog: logRange, alone: true, plan: func(st *state) error {
		live, removed = 0, len(st.scans[scan])
		for _, sl := range st.scans[scan] {
			op := core.ChangeExpire
			if _, ok := sl.live(st.now); ok {
				op = core.ChangeDelete
				live++
			}
			st.remove(sl, op)
		}
		return nil
	}})
	if err != nil || removed == 0 {
		return 0, 0, err
	}
	return live, v, nil
}

// checkWrite rejects a write's bad input before anything is read (a value
// the codec refuses is refused before anything is written).
func checkWrite(key core.Key, ttl time.Duration) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return checkTTL(ttl)
}
