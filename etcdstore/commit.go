package etcdstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// commit runs one write: it reads the store's version and the records of
// keys (and the run counts of their namespaces), runs plan on what it read,
// and writes plan's changes in one etcd transaction that succeeds only if
// the version key has not changed since it was read. It retries when
// another process committed in between, and after an ambiguous failure
// (etcd unreachable, a leader change) it first checks whether its commit
// landed, so a write is never applied twice. It returns the version
// committed, or the current version when plan changed nothing, and the
// state plan saw. plan runs once per attempt, on a fresh state.
func (s *Store) commit(what string, keys []core.Key, plan func(*state) error) (uint64, *state, error) {
	ctx, cancel, err := s.begin(what)
	if err != nil {
		return 0, nil, err
	}
	defer cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		st, err := s.read(ctx, keys)
		if err != nil {
			return 0, nil, mapErr(what, err)
		}
		st.now = s.Now()
		if err := plan(st); err != nil {
			return 0, st, err
		}
		if st.changed == 0 {
			return st.version, st, nil
		}
		if st.version >= core.Latest-1 {
			return 0, st, fmt.Errorf("etcdstore: %s: %w", what, core.ErrVersionExhausted)
		}
		next := st.version + 1
		token := rand.Uint64()
		ops, err := s.writeOps(st, next, token)
		if err != nil {
			return 0, st, fmt.Errorf("etcdstore: %s: %w", what, err)
		}
		if len(ops) > s.cfg.maxOps {
			return 0, st, fmt.Errorf("etcdstore: %s: %w: the commit needs %d etcd operations, the limit is %d (WithMaxTxnOps)",
				what, core.ErrTooLarge, len(ops), s.cfg.maxOps)
		}
		resp, err := s.cli.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(s.l.version), "=", st.vrev)).
			Then(ops...).Commit()
		switch {
		case err == nil && resp.Succeeded:
			s.noteVersion(next)
			return next, st, nil
		case err == nil:
			continue // another process committed first: read again
		case definite(err) || ctx.Err() != nil:
			return 0, st, mapErr(what, err)
		}
		// Ambiguous: the commit may have landed. It did exactly when the
		// commit key of next carries this attempt's token.
		if landed, lerr := s.landed(ctx, next, token); lerr == nil && landed {
			s.noteVersion(next)
			return next, st, nil
		}
		if !sleep(ctx, 20*time.Millisecond) {
			return 0, st, mapErr(what, err)
		}
	}
}

// sleep waits d or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// readTxn runs read-only operations in one etcd transaction (one revision),
// retrying while etcd is between leaders or a member is unreachable: the
// etcd client retries plain reads itself, but not transactions. It gives up
// when ctx ends.
func (s *Store) readTxn(ctx context.Context, ops ...clientv3.Op) (*clientv3.TxnResponse, error) {
	for {
		resp, err := s.cli.Txn(ctx).Then(ops...).Commit()
		if err == nil || !transient(err) || !sleep(ctx, 20*time.Millisecond) {
			return resp, err
		}
	}
}

// landed reports whether the commit of version v with token committed.
func (s *Store) landed(ctx context.Context, v, token uint64) (bool, error) {
	resp, err := s.cli.Get(ctx, s.l.commitKey(v))
	if err != nil {
		return false, err
	}
	if len(resp.Kvs) == 0 {
		return false, nil
	}
	c, ok := decodeCommitMark(resp.Kvs[0].Value)
	return ok && c.token == token, nil
}

// read reads the version key, the records of keys and the run counts of
// their namespaces, in as few etcd transactions as the operation limit
// allows (the version key in the first: a later read sees the store at that
// version or after, and the commit's guard fails if it is after).
func (s *Store) read(ctx context.Context, keys []core.Key) (*state, error) {
	st := &state{slots: make(map[string]*slot, len(keys)), runs: map[string]int64{}}
	gets := []clientv3.Op{clientv3.OpGet(s.l.version)}
	for _, k := range keys {
		enc := s.l.dataKey(k)
		if _, ok := st.slots[enc]; ok {
			continue
		}
		st.slots[enc] = &slot{key: k, enc: enc}
		gets = append(gets, clientv3.OpGet(enc))
		if rk := s.l.runKey(k.Namespace); !has(st.runs, rk) {
			st.runs[rk] = 0
			gets = append(gets, clientv3.OpGet(rk))
		}
	}
	for chunk := range slices.Chunk(gets, s.cfg.maxOps) {
		resp, err := s.readTxn(ctx, chunk...)
		if err != nil {
			return nil, err
		}
		for i, r := range resp.Responses {
			key := string(chunk[i].KeyBytes())
			kvs := r.GetResponseRange().GetKvs()
			switch {
			case key == s.l.version:
				if st.version, err = s.decodeVersion(kvs); err != nil {
					return nil, err
				}
				if len(kvs) > 0 {
					st.vrev = kvs[0].ModRevision
				}
			case len(kvs) == 0:
			case has(st.runs, key):
				n, err := decodeCount(kvs[0].Value)
				if err != nil {
					return nil, corrupt(key, err)
				}
				st.runs[key] = n
			default:
				sl := st.slots[key]
				vv, err := decodeRecord(kvs[0].Value)
				if err != nil {
					return nil, corrupt(key, err)
				}
				sl.old, sl.modrev = &vv, kvs[0].ModRevision
			}
		}
	}
	return st, nil
}

func has[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// writeOps returns the etcd operations that commit st's changes as version
// next: the records, the TTL and run index entries, the version key and the
// commit key.
func (s *Store) writeOps(st *state, next, token uint64) ([]clientv3.Op, error) {
	ops := map[string]clientv3.Op{} // by etcd key: etcd refuses two operations on one key
	deltas := map[string]int64{}
	for _, sl := range st.slots {
		if sl.op == 0 {
			continue
		}
		if sl.old != nil {
			if at, ok := expiryOf(*sl.old); ok {
				k := s.l.expiryKey(at, sl.enc[len(s.l.data):])
				ops[k] = clientv3.OpDelete(k)
			}
		}
		rk := s.l.runKey(sl.key.Namespace)
		switch sl.op {
		case core.ChangePut:
			vv := core.VersionedValue{Value: sl.value, Version: next, Timestamp: st.now, TTL: sl.ttl}
			rec, err := encodeRecord(vv)
			if err != nil {
				return nil, err
			}
			ops[sl.enc] = clientv3.OpPut(sl.enc, string(rec))
			if at, ok := expiryOf(vv); ok {
				k := s.l.expiryKey(at, sl.enc[len(s.l.data):])
				ops[k] = clientv3.OpPut(k, "")
			}
			if sl.old == nil {
				deltas[rk]++
			}
		default: // ChangeDelete, ChangeExpire
			ops[sl.enc] = clientv3.OpDelete(sl.enc)
			deltas[rk]--
		}
	}
	for rk, d := range deltas {
		switch n := st.runs[rk] + d; {
		case d == 0:
		case n <= 0:
			ops[rk] = clientv3.OpDelete(rk)
		default:
			ops[rk] = clientv3.OpPut(rk, string(binary.BigEndian.AppendUint64(nil, uint64(n))))
		}
	}
	ops[s.l.version] = clientv3.OpPut(s.l.version, string(binary.BigEndian.AppendUint64(nil, next)))
	mark := commitMark{token: token, at: instantOf(st.now), expire: st.expire}
	ops[s.l.commitKey(next)] = clientv3.OpPut(s.l.commitKey(next), string(mark.append(nil)))
	keys := make([]string, 0, len(ops))
	for k := range ops {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]clientv3.Op, len(keys))
	for i, k := range keys {
		out[i] = ops[k]
	}
	return out, nil
}

func decodeCount(b []byte) (int64, error) {
	if len(b) != 8 || binary.BigEndian.Uint64(b) > math.MaxInt64 {
		return 0, fmt.Errorf("bad run count %x", b)
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

// commitMark is the value of a commit key: the token of the attempt that
// wrote it (to resolve an ambiguous failure), the commit's timestamp, and
// whether it removed expired values.
type commitMark struct {
	token  uint64
	at     instant
	expire bool
}

const commitMarkLen = 8 + instantLen + 1

func (c commitMark) append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, c.token)
	dst = c.at.append(dst)
	if c.expire {
		return append(dst, 1)
	}
	return append(dst, 0)
}

func decodeCommitMark(b []byte) (commitMark, bool) {
	if len(b) != commitMarkLen || b[commitMarkLen-1] > 1 {
		return commitMark{}, false
	}
	at, ok := decodeInstant(b[8:])
	return commitMark{token: binary.BigEndian.Uint64(b), at: at, expire: b[commitMarkLen-1] == 1}, ok
}
