package etcdstore

import (
	"errors"
	"fmt"
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

// FindExpiredErr is FindExpired with the error. TTL index entries that no
// longer match their record (left by DeletePrefix's range delete, which
// does not read the index) are skipped, and removed. Safe for concurrent
// use.
func (s *Store) FindExpiredErr(now time.Time, limit int) ([]core.Entry, error) {
	ctx, cancel, err := s.begin("FindExpired")
	if err != nil {
		return nil, err
	}
	defer cancel()
	from, end := s.l.expiry, string(instantOf(now).next().append([]byte(s.l.expiry)))
	var out []core.Entry
	var stale []clientv3.Op
	rev := int64(0)
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithKeysOnly(), clientv3.WithRev(rev)}
		if limit > 0 {
			opts = append(opts, clientv3.WithLimit(int64(limit-len(out))))
		}
		idx, err := s.cli.Get(ctx, from, opts...)
		if err != nil {
			return nil, mapErr("FindExpired", err)
		}
		rev = idx.Header.Revision
		gets := make([]clientv3.Op, 0, len(idx.Kvs))
		for _, kv := range idx.Kvs {
			if len(kv.Key) < len(s.l.expiry)+instantLen {
				return nil, corrupt(string(kv.Key), errors.New("short TTL index key"))
			}
			gets = append(gets, clientv3.OpGet(s.l.data+string(kv.Key[len(s.l.expiry)+instantLen:]), clientv3.WithRev(rev)))
		}
		for i := 0; i < len(gets); i += s.cfg.maxOps {
			resp, err := s.readTxn(ctx, gets[i:min(len(gets), i+s.cfg.maxOps)]...)
			if err != nil {
				return nil, mapErr("FindExpired", err)
			}
			for j, r := range resp.Responses {
				ik := idx.Kvs[i+j]
				kvs := r.GetResponseRange().GetKvs()
				if len(kvs) == 0 {
					stale = append(stale, s.dropStale(string(ik.Key), string(gets[i+j].KeyBytes()), 0))
					continue
				}
				e, err := s.entry(kvs[0])
				if err != nil {
					return nil, err
				}
				if at, ok := expiryOf(e.Value); !ok || string(at.append(nil)) != string(ik.Key[len(s.l.expiry):len(s.l.expiry)+instantLen]) {
					stale = append(stale, s.dropStale(string(ik.Key), string(kvs[0].Key), kvs[0].ModRevision))
					continue
				}
				out = append(out, e)
			}
		}
		if !idx.More || len(idx.Kvs) == 0 || (limit > 0 && len(out) >= limit) {
			break
		}
		from = string(idx.Kvs[len(idx.Kvs)-1].Key) + "\x00"
	}
	// Best effort: each removal is guarded by its record's revision, so it
	// never drops the entry of a value written since.
	for _, op := range stale {
		_, _ = s.cli.Do(ctx, op)
	}
	return out, nil
}

// dropStale returns the guarded removal of the TTL index entry ik of the
// data key dk, stale while dk's mod revision is modrev (0: absent).
func (s *Store) dropStale(ik, dk string, modrev int64) clientv3.Op {
	return clientv3.OpTxn(
		[]clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(dk), "=", modrev)},
		[]clientv3.Op{clientv3.OpDelete(ik)}, nil)
}

// RemoveBatchLimit returns how many entries one RemoveExpired call considers
// at most: as many as one etcd transaction can remove (WithMaxTxnOps).
// Give a cleaner a batch size no larger (cleaner.WithBatchSize) so that each
// of its batches is one removal. An entry's removal takes at most 7 etcd
// operations (its record, TTL and log index entries, two index counts, and
// its log's mark with the range delete of the lower ones), the commit 2
// more (its commit key and the version key). Safe for concurrent use.
func (s *Store) RemoveBatchLimit() int { return (s.cfg.maxOps - 2) / 7 }

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
	v, err := s.commit(&request{what: "RemoveExpired", keys: keys, expire: true, plan: func(st *state) error {
		res = core.Removal{}
		for _, e := range entries {
			if !e.Key.Type.Valid() {
				res.Skipped++
				continue
			}
			sl := st.slot(e.Key, s.l)
			vv, ok := sl.stored()
			if !ok || sl.by != nil || vv.Version != e.Value.Version || !vv.Expired(st.now) {
				res.Skipped++
				continue
			}
			st.remove(sl, core.ChangeExpire)
			res.Removed++
		}
		return nil
	}})
	if err != nil {
		return core.Removal{}, fmt.Errorf("etcdstore: RemoveExpired: %w", err)
	}
	if res.Removed > 0 {
		res.Version = v
	}
	return res, nil
}
