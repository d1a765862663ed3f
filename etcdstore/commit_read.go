package etcdstore

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// scanPage is how many records one etcd read of a range returns at most.
const scanPage = 512

// reader is the first phase of a batch's reads: the etcd reads and how
// each answer fills the state (the version key, the records of the
// requests' keys, the index counts of those keys' namespaces, the highest
// sequence each event log they append to ever stored: its high-water mark).
type reader struct {
	st     *state
	ops    []clientv3.Op
	handle []func(*pb.RangeResponse) error
}

// newReader returns the reads of batch and the state they fill (empty until
// they are applied).
func (s *Store) newReader(batch []*request) *reader {
	st := &state{slots: map[string]*slot{}, counts: map[string]int64{}, tails: map[string]uint64{}, marked: map[string]bool{}, scans: map[string][]*slot{}}
	r := &reader{st: st}
	get := func(op clientv3.Op, h func(*pb.RangeResponse) error) {
		r.ops, r.handle = append(r.ops, op), append(r.handle, h)
	}
	count := func(k string) {
		if has(st.counts, k) {
			return
		}
		st.counts[k] = 0
		get(clientv3.OpGet(k), func(rr *pb.RangeResponse) error {
			if len(rr.Kvs) == 0 {
				return nil
			}
			n, err := decodeCount(rr.Kvs[0].Value)
			if err != nil {
				return corrupt(k, err)
			}
			st.counts[k] = n
			return nil
		})
	}
	counts := func(t core.TypeTag, ns core.Namespace) {
		count(s.l.runKey(ns))
		count(s.l.typeKey(t, ns))
	}
	get(clientv3.OpGet(s.l.version), func(rr *pb.RangeResponse) error {
		v, err := s.decodeVersion(rr.Kvs)
		if err != nil {
			return err
		}
		st.version, st.rev = v, rr.Header.Revision
		if len(rr.Kvs) > 0 {
			st.vrev = rr.Kvs[0].ModRevision
		}
		return nil
	})
	for _, rq := range batch {
		for _, k := range rq.keys {
			enc := s.l.dataKey(k)
			if has(st.slots, enc) {
				continue
			}
			sl := &slot{key: k, enc: enc}
			st.slots[enc] = sl
			get(clientv3.OpGet(enc), func(rr *pb.RangeResponse) error { return s.fill(sl, rr) })
			counts(k.Type, k.Namespace)
		}
		if rq.tail != "" && !has(st.tails, rq.tail) {
			st.tails[rq.tail] = 0
			tail := rq.tail
			for i, p := range []string{s.l.logPrefix(rq.tailNS), s.l.markPrefix(rq.tailNS)} {
				mark := i == 1 // the mark index: the log has marks to clear
				get(firstOp(p), func(rr *pb.RangeResponse) error {
					seq, ok, err := firstSeq(p, rr)
					if ok {
						st.tails[tail] = max(st.tails[tail], seq)
						st.marked[tail] = st.marked[tail] || mark
					}
					return err
				})
			}
			counts(core.TypeEvent, rq.tailNS)
		}
	}
	return r
}

// apply fills the state from the answers to the next len(resps) reads.
func (r *reader) apply(resps []*pb.ResponseOp) error {
	for _, resp := range resps {
		h := r.handle[0]
		r.handle = r.handle[1:]
		if err := h(resp.GetResponseRange()); err != nil {
			return err
		}
	}
	return nil
}

// read reads what the plans of batch need: the reads of newReader, in as
// few etcd transactions as the operation limit allows (the version key in
// the first; the rest at its revision or later, when the commit's guard
// fails since the version key changed), then every record under the
// prefixes the requests scan, at the first read's revision.
func (s *Store) read(ctx context.Context, batch []*request) (*state, error) {
	r := s.newReader(batch)
	for chunk := range slices.Chunk(r.ops, s.cfg.maxOps) {
		resp, err := s.readTxn(ctx, chunk...)
		if err != nil {
			return nil, err
		}
		if err := r.apply(resp.Responses); err != nil {
			return nil, err
		}
	}
	for _, rq := range batch {
		if rq.scan != "" {
			if err := s.readScan(ctx, r.st, rq.scan); err != nil {
				return nil, err
			}
		}
	}
	return r.st, nil
}

var errBadLogKey = errors.New("a log or mark index key without an 8-byte sequence")

// firstOp returns the read of the first key of the log or mark index range
// p (logPrefix, markPrefix): the highest sequence it holds.
func firstOp(p string, opts ...clientv3.OpOption) clientv3.Op {
	return clientv3.OpGet(p, append(opts, clientv3.WithPrefix(), clientv3.WithKeysOnly(), clientv3.WithLimit(1))...)
}

// firstSeq decodes the answer to firstOp(p): the sequence, and false when
// the range is empty.
func firstSeq(p string, rr *pb.RangeResponse) (uint64, bool, error) {
	if len(rr.Kvs) == 0 {
		return 0, false, nil
	}
	k := rr.Kvs[0].Key
	if len(k) != len(p)+8 {
		return 0, false, corrupt(string(k), errBadLogKey)
	}
	return ^binary.BigEndian.Uint64(k[len(p):]), true, nil
}

// highWater returns the high-water mark of ns's event log at etcd revision
// rev (0: now): the highest 8-byte sequence it ever stored, removed since
// or not (0: none), the higher of its log index's and mark index's first
// keys, read in one etcd transaction.
func (s *Store) highWater(ctx context.Context, ns core.Namespace, rev int64) (uint64, error) {
	lp, mp := s.l.logPrefix(ns), s.l.markPrefix(ns)
	resp, err := s.readTxn(ctx, firstOp(lp, clientv3.WithRev(rev)), firstOp(mp, clientv3.WithRev(rev)))
	if err != nil {
		return 0, err
	}
	var hw uint64
	for i, p := range []string{lp, mp} {
		seq, _, err := firstSeq(p, resp.Responses[i].GetResponseRange())
		if err != nil {
			return 0, err
		}
		hw = max(hw, seq)
	}
	return hw, nil
}

// fill sets a slot's record from its read.
func (s *Store) fill(sl *slot, r *pb.RangeResponse) error {
	if len(r.Kvs) == 0 {
		return nil
	}
	vv, err := decodeRecord(r.Kvs[0].Value)
	if err != nil {
		return corrupt(sl.enc, err)
	}
	sl.old, sl.modrev = &vv, r.Kvs[0].ModRevision
	return nil
}

// readScan reads every record under the data prefix p at st's revision into
// slots, and the index counts of their namespaces.
func (s *Store) readScan(ctx context.Context, st *state, p string) error {
	var out []*slot
	need := map[string]bool{}
	from, end := p, rangeEnd(p)
	for {
		resp, err := s.cli.Get(ctx, from, clientv3.WithRange(end), clientv3.WithRev(st.rev), clientv3.WithLimit(scanPage))
		if err != nil {
			return err
		}
		for _, kv := range resp.Kvs {
			e, err := s.entry(kv)
			if err != nil {
				return err
			}
			sl := st.slots[string(kv.Key)]
			if sl == nil {
				sl = &slot{key: e.Key, enc: string(kv.Key), old: &e.Value, modrev: kv.ModRevision}
				st.slots[sl.enc] = sl
			}
			out = append(out, sl)
			for _, k := range []string{s.l.runKey(e.Key.Namespace), s.l.typeKey(e.Key.Type, e.Key.Namespace)} {
				if !has(st.counts, k) {
					need[k] = true
				}
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			break
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
	st.scans[p] = out
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range need {
			if !yield(k) {
				return
			}
		}
	})
	gets := make([]clientv3.Op, len(keys))
	for i, k := range keys {
		gets[i] = clientv3.OpGet(k, clientv3.WithRev(st.rev))
	}
	for i := 0; i < len(gets); i += s.cfg.maxOps {
		resp, err := s.readTxn(ctx, gets[i:min(len(gets), i+s.cfg.maxOps)]...)
		if err != nil {
			return err
		}
		for j, r := range resp.Responses {
			k := keys[i+j]
			st.counts[k] = 0
			if kvs := r.GetResponseRange().GetKvs(); len(kvs) > 0 {
				n, err := decodeCount(kvs[0].Value)
				if err != nil {
					return corrupt(k, err)
				}
				st.counts[k] = n
			}
		}
	}
	return nil
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

func has[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}
