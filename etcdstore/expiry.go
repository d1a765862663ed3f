package etcdstore

import (
	"fmt"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// FindExpired returns the stored values expired at now, in expiry order (then
// key order), at most limit of them (limit <= 0: all): a range read of the
// TTL index up to now, then the records it names, at one etcd revision. It
// returns nil when etcd does not answer (the cleaner then finds nothing and
// tries again at its next pass). Safe for concurrent use.
func (s *Store) FindExpired(now time.Time, limit int) []core.Entry {
	out, _ := s.FindExpiredErr(now, limit)
	return out
}

// FindExpiredErr is FindExpired with the error. Safe for concurrent use.
func (s *Store) FindExpiredErr(now time.Time, limit int) ([]core.Entry, error) {
	ctx, cancel, err := s.begin("FindExpired")
	if err != nil {
		return nil, err
	}
	defer cancel()
	end := string(instantOf(now).next().append([]byte(s.l.expiry)))
	opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithKeysOnly()}
	if limit > 0 {
		opts = append(opts, clientv3.WithLimit(int64(limit)))
	}
	idx, err := s.cli.Get(ctx, s.l.expiry, opts...)
	if err != nil {
		return nil, mapErr("FindExpired", err)
	}
	gets := make([]clientv3.Op, 0, len(idx.Kvs))
	for _, kv := range idx.Kvs {
		if len(kv.Key) < len(s.l.expiry)+instantLen {
			return nil, corrupt(string(kv.Key), fmt.Errorf("short TTL index key"))
		}
		enc := kv.Key[len(s.l.expiry)+instantLen:]
		gets = append(gets, clientv3.OpGet(s.l.data+string(enc), clientv3.WithRev(idx.Header.Revision)))
	}
	out := make([]core.Entry, 0, len(gets))
	for chunk := range slices.Chunk(gets, s.cfg.maxOps) {
		resp, err := s.readTxn(ctx, chunk...)
		if err != nil {
			return nil, mapErr("FindExpired", err)
		}
		for i, r := range resp.Responses {
			kvs := r.GetResponseRange().GetKvs()
			if len(kvs) == 0 {
				return nil, corrupt(string(chunk[i].KeyBytes()), fmt.Errorf("the TTL index names a key that is not stored"))
			}
			e, err := s.entry(kvs[0])
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// RemoveBatchLimit returns how many entries one RemoveExpired call considers
// at most: as many as one etcd transaction can remove (WithMaxTxnOps).
// Give a cleaner a batch size no larger (cleaner.WithBatchSize) so that each
// of its batches is one removal. Safe for concurrent use.
func (s *Store) RemoveBatchLimit() int { return (s.cfg.maxOps - 2) / 3 }

// RemoveExpired removes, in one commit with one version, each given entry
// whose key is still stored at exactly the entry's version and has expired
// by the store's clock; the others (written again, deleted, not expired, an
// invalid key, listed twice) are skipped and left alone, so a removal never
// takes a value written after the expired one. Only the first
// RemoveBatchLimit entries are considered: the rest are neither removed nor
// skipped, and a later call (the cleaner's next batch) finds them again. It
// is the conditional removal package cleaner drives. Safe for concurrent
// use.
func (s *Store) RemoveExpired(entries []core.Entry) (core.Removal, error) {
	entries = entries[:min(len(entries), s.RemoveBatchLimit())]
	keys := make([]core.Key, 0, len(entries))
	for _, e := range entries {
		if e.Key.Type.Valid() {
			keys = append(keys, e.Key)
		}
	}
	var res core.Removal
	v, _, err := s.commit("RemoveExpired", keys, func(st *state) error {
		res = core.Removal{}
		st.expire = true
		for _, e := range entries {
			if !e.Key.Type.Valid() {
				res.Skipped++
				continue
			}
			sl := st.slot(e.Key, s.l)
			vv, ok := sl.stored()
			if !ok || sl.op != 0 || vv.Version != e.Value.Version || !vv.Expired(st.now) {
				res.Skipped++
				continue
			}
			st.remove(sl, core.ChangeExpire)
			res.Removed++
		}
		return nil
	})
	if err != nil {
		return core.Removal{}, err
	}
	if res.Removed > 0 {
		res.Version = v
	}
	return res, nil
}
