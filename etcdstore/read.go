package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Get returns the current value of key, or core.ErrNotFound when it is
// absent or expired. One linearizable etcd read. Safe for concurrent use.
func (s *Store) Get(key core.Key) (core.VersionedValue, error) {
	if err := checkKey(key); err != nil {
		return core.VersionedValue{}, err
	}
	ctx, cancel, err := s.begin("Get")
	if err != nil {
		return core.VersionedValue{}, err
	}
	defer cancel()
	resp, err := s.cli.Get(ctx, s.l.dataKey(key))
	if err != nil {
		return core.VersionedValue{}, mapErr("Get", err)
	}
	return s.answer(key, resp.Kvs, s.Now())
}

// answer decodes the record in kvs and judges it live at now.
func (s *Store) answer(key core.Key, kvs []*mvccpb.KeyValue, now time.Time) (core.VersionedValue, error) {
	vv, ok, err := s.record(kvs)
	if err != nil {
		return core.VersionedValue{}, err
	}
	if !ok || vv.Expired(now) {
		return core.VersionedValue{}, fmt.Errorf("%w: %s", core.ErrNotFound, key)
	}
	return vv, nil
}

// record decodes the record in kvs (at most one); ok is false when there is
// none.
func (s *Store) record(kvs []*mvccpb.KeyValue) (core.VersionedValue, bool, error) {
	if len(kvs) == 0 {
		return core.VersionedValue{}, false, nil
	}
	vv, err := decodeRecord(kvs[0].Value)
	if err != nil {
		return core.VersionedValue{}, false, corrupt(string(kvs[0].Key), err)
	}
	return vv, true, nil
}

// GetVersioned returns what Get returned right after version maxVersion
// committed, expiry judged against now: the key's value read at the etcd
// revision of that commit. When the key has not changed since, the current
// value answers; when it has and etcd has compacted that revision,
// core.ErrCompacted. maxVersion above the current version (core.Latest
// included) reads the current version. Safe for concurrent use.
func (s *Store) GetVersioned(key core.Key, maxVersion uint64) (core.VersionedValue, error) {
	if maxVersion == core.Latest {
		return s.Get(key)
	}
	if err := checkKey(key); err != nil {
		return core.VersionedValue{}, err
	}
	ctx, cancel, err := s.begin("GetVersioned")
	if err != nil {
		return core.VersionedValue{}, err
	}
	defer cancel()
	dk := s.l.dataKey(key)
	resp, err := s.readTxn(ctx, clientv3.OpGet(s.l.version), clientv3.OpGet(s.l.commitKey(maxVersion)), clientv3.OpGet(dk))
	if err != nil {
		return core.VersionedValue{}, mapErr("GetVersioned", err)
	}
	now := s.Now()
	cur, err := s.decodeVersion(resp.Responses[0].GetResponseRange().GetKvs())
	if err != nil {
		return core.VersionedValue{}, err
	}
	if maxVersion == 0 {
		return core.VersionedValue{}, fmt.Errorf("%w: %s at version 0", core.ErrNotFound, key)
	}
	kvs := resp.Responses[2].GetResponseRange().GetKvs()
	vv, ok, err := s.record(kvs)
	if err != nil {
		return core.VersionedValue{}, err
	}
	if maxVersion >= cur || (ok && vv.Version <= maxVersion) { // unchanged since maxVersion
		return s.answer(key, kvs, now)
	}
	rev, err := s.commitRev(resp.Responses[1].GetResponseRange().GetKvs(), maxVersion)
	if err != nil {
		return core.VersionedValue{}, err
	}
	old, err := s.cli.Get(ctx, dk, clientv3.WithRev(rev))
	if err != nil {
		return core.VersionedValue{}, mapErr(fmt.Sprintf("GetVersioned(%s, %d)", key, maxVersion), err)
	}
	return s.answer(key, old.Kvs, now)
}

// commitRev returns the etcd revision of the commit of version v from its
// commit key's read.
func (s *Store) commitRev(kvs []*mvccpb.KeyValue, v uint64) (int64, error) {
	if len(kvs) == 0 {
		return 0, corrupt(s.l.commitKey(v), errors.New("the commit key of a committed version is missing"))
	}
	return kvs[0].ModRevision, nil
}

// view is where a read looks: the etcd revision holding a store version.
type view struct {
	version uint64
	rev     int64 // 0: the latest
	empty   bool  // version 0: nothing stored
}

// resolve returns the view of version v: the current one when v is at or
// above the current version (core.Latest: without reading).
func (s *Store) resolve(ctx context.Context, v uint64) (view, error) {
	if v == core.Latest {
		return view{version: v}, nil
	}
	resp, err := s.readTxn(ctx, clientv3.OpGet(s.l.version), clientv3.OpGet(s.l.commitKey(v)))
	if err != nil {
		return view{}, err
	}
	cur, err := s.decodeVersion(resp.Responses[0].GetResponseRange().GetKvs())
	if err != nil {
		return view{}, err
	}
	switch {
	case v >= cur:
		return view{version: cur, rev: resp.Header.Revision, empty: cur == 0}, nil
	case v == 0:
		return view{empty: true}, nil
	}
	rev, err := s.commitRev(resp.Responses[1].GetResponseRange().GetKvs(), v)
	return view{version: v, rev: rev}, err
}

// ScanPrefix returns the live entries matching prefix (core.Key.HasPrefix)
// as of maxVersion, expiry judged against now, in key order: one etcd range
// read at the revision of that version, or core.ErrCompacted. Safe for
// concurrent use.
func (s *Store) ScanPrefix(prefix core.Key, maxVersion uint64) ([]core.Entry, error) {
	if err := checkKey(prefix); err != nil {
		return nil, err
	}
	ctx, cancel, err := s.begin("ScanPrefix")
	if err != nil {
		return nil, err
	}
	defer cancel()
	vw, err := s.resolve(ctx, maxVersion)
	if err != nil {
		return nil, mapErr("ScanPrefix", err)
	}
	if vw.empty {
		return nil, nil
	}
	out, _, err := s.scanRange(ctx, s.l.dataPrefix(prefix), vw.rev, s.Now(), nil)
	return out, err
}

// ScanByRun returns the live entries of one run as of maxVersion, in key
// order, without scanning the store: it reads the run index (one short
// range) for the run's namespaces, then each namespace's records (one
// range each, in one etcd transaction), all at the revision of that
// version. Safe for concurrent use.
func (s *Store) ScanByRun(run core.RunID, maxVersion uint64) ([]core.Entry, error) {
	ctx, cancel, err := s.begin("ScanByRun")
	if err != nil {
		return nil, err
	}
	defer cancel()
	vw, err := s.resolve(ctx, maxVersion)
	if err != nil {
		return nil, mapErr("ScanByRun", err)
	}
	if vw.empty {
		return nil, nil
	}
	return s.scanRun(ctx, run, vw.rev, s.Now())
}

// scanRun reads run's entries at rev (0: the latest), live at now.
func (s *Store) scanRun(ctx context.Context, run core.RunID, rev int64, now time.Time) ([]core.Entry, error) {
	p := s.l.runPrefix(run)
	resp, err := s.cli.Get(ctx, p, clientv3.WithRange(rangeEnd(p)), clientv3.WithRev(rev), clientv3.WithKeysOnly())
	if err != nil {
		return nil, mapErr("ScanByRun: reading the run index", err)
	}
	if len(resp.Kvs) == 0 {
		return nil, nil
	}
	if rev == 0 { // pin the latest: the namespaces' ranges read where the index was read
		rev = resp.Header.Revision
	}
	if len(resp.Kvs) == 1 { // the common case: a run lives in one namespace
		out, _, err := s.scanRange(ctx, s.l.data+string(resp.Kvs[0].Key[len(p):]), rev, now, nil)
		return out, err
	}
	ranges := make([]clientv3.Op, len(resp.Kvs))
	for i, kv := range resp.Kvs {
		nsp := s.l.data + string(kv.Key[len(p):])
		ranges[i] = clientv3.OpGet(nsp, clientv3.WithRange(rangeEnd(nsp)), clientv3.WithRev(rev))
	}
	var out []core.Entry
	for chunk := range slices.Chunk(ranges, s.cfg.maxOps) {
		tr, err := s.readTxn(ctx, chunk...)
		if err != nil {
			return nil, mapErr("ScanByRun", err)
		}
		for _, r := range tr.Responses {
			if out, err = s.appendLive(out, r.GetResponseRange().GetKvs(), now, nil); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// scanRange reads every record whose data key starts with p at rev (0: the
// latest) and returns those live at now that keep accepts (nil: all), and
// the revision read.
func (s *Store) scanRange(ctx context.Context, p string, rev int64, now time.Time, keep func(core.Key) bool) ([]core.Entry, int64, error) {
	resp, err := s.cli.Get(ctx, p, clientv3.WithRange(rangeEnd(p)), clientv3.WithRev(rev))
	if err != nil {
		return nil, 0, mapErr("scan", err)
	}
	out, err := s.appendLive(nil, resp.Kvs, now, keep)
	return out, resp.Header.Revision, err
}

// appendLive decodes records and appends the live ones keep accepts.
func (s *Store) appendLive(out []core.Entry, kvs []*mvccpb.KeyValue, now time.Time, keep func(core.Key) bool) ([]core.Entry, error) {
	for _, kv := range kvs {
		e, err := s.entry(kv)
		if err != nil {
			return nil, err
		}
		if !e.Value.Expired(now) && (keep == nil || keep(e.Key)) {
			out = append(out, e)
		}
	}
	return out, nil
}

// entry decodes a data key and its record.
func (s *Store) entry(kv *mvccpb.KeyValue) (core.Entry, error) {
	if len(kv.Key) < len(s.l.data) {
		return core.Entry{}, corrupt(string(kv.Key), errors.New("not a data key"))
	}
	k, err := core.DecodeKey(kv.Key[len(s.l.data):])
	if err != nil {
		return core.Entry{}, corrupt(string(kv.Key), err)
	}
	vv, err := decodeRecord(kv.Value)
	if err != nil {
		return core.Entry{}, corrupt(string(kv.Key), err)
	}
	return core.Entry{Key: k, Value: vv}, nil
}

// ScanByType returns the live entries of type t as of maxVersion, in key
// order, or core.ErrInvalidKey for an invalid t. There is no type index: it
// reads every record of the store (one range) and filters, so it costs
// O(size of the store). Safe for concurrent use.
func (s *Store) ScanByType(t core.TypeTag, maxVersion uint64) ([]core.Entry, error) {
	if err := checkKey(core.Key{Type: t}); err != nil {
		return nil, err
	}
	ctx, cancel, err := s.begin("ScanByType")
	if err != nil {
		return nil, err
	}
	defer cancel()
	vw, err := s.resolve(ctx, maxVersion)
	if err != nil {
		return nil, mapErr("ScanByType", err)
	}
	if vw.empty {
		return nil, nil
	}
	out, _, err := s.scanRange(ctx, s.l.data, vw.rev, s.Now(), func(k core.Key) bool { return k.Type == t })
	return out, err
}
