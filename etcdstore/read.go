package etcdstore

import (
	"errors"
	"fmt"
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
	return judge(key, vv, ok, now)
}

// judge returns vv when it is there (ok) and live at now, else
// core.ErrNotFound.
func judge(key core.Key, vv core.VersionedValue, ok bool, now time.Time) (core.VersionedValue, error) {
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

// GetVersioned returns what Get returned right after version maxVersion
// committed, expiry judged against now. When the key has not changed since,
// the current value answers (one etcd read); otherwise it is read at the
// etcd revision of that version, or core.ErrCompacted once etcd compacted
// it. maxVersion above the current version (core.Latest included) reads the
// current version. Safe for concurrent use.
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
	resp, err := s.readTxn(ctx, clientv3.OpGet(s.l.version), clientv3.OpGet(s.l.commitKey(maxVersion)), clientv3.OpGet(dk), clientv3.OpGet(s.l.pruned))
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
		return judge(key, vv, ok, now)
	}
	vw, _, err := s.pastView(ctx, maxVersion, resp.Responses[1].GetResponseRange().GetKvs(), resp.Responses[3].GetResponseRange().GetKvs(), now)
	if err != nil {
		return core.VersionedValue{}, mapErr("GetVersioned", err)
	}
	vv, ok, err = s.getAt(ctx, &vw, dk)
	if err != nil {
		return core.VersionedValue{}, mapErr(fmt.Sprintf("GetVersioned(%s, %d)", key, maxVersion), err)
	}
	return judge(key, vv, ok, now)
}

// ScanPrefix returns the live entries matching prefix (core.Key.HasPrefix)
// as of maxVersion, expiry judged against now, in key order: etcd range
// reads at the revision of that version, or core.ErrCompacted. Safe for
// concurrent use.
func (s *Store) ScanPrefix(prefix core.Key, maxVersion uint64) ([]core.Entry, error) {
	if err := checkKey(prefix); err != nil {
		return nil, err
	}
	return s.collect("ScanPrefix", maxVersion, func(sn *Snapshot) ([]core.Entry, error) { return sn.ScanPrefix(prefix) })
}

// ScanByRun returns the live entries of one run as of maxVersion, in key
// order, without scanning the store: it reads the run index (one short
// range) for the run's namespaces, then each namespace's records, all at
// the revision of that version. Safe for concurrent use.
func (s *Store) ScanByRun(run core.RunID, maxVersion uint64) ([]core.Entry, error) {
	return s.collect("ScanByRun", maxVersion, func(sn *Snapshot) ([]core.Entry, error) { return sn.ScanByRun(run) })
}

// ScanByType returns the live entries of type t as of maxVersion, in key
// order, or core.ErrInvalidKey for an invalid t. It reads the type index
// (the namespaces holding keys of t) and then one range per namespace: its
// cost grows with the keys of t, not with the store. Safe for concurrent
// use.
func (s *Store) ScanByType(t core.TypeTag, maxVersion uint64) ([]core.Entry, error) {
	if err := checkKey(core.Key{Type: t}); err != nil {
		return nil, err
	}
	return s.collect("ScanByType", maxVersion, func(sn *Snapshot) ([]core.Entry, error) { return sn.ScanByType(t) })
}

// collect runs a scan on a view of maxVersion judged now.
func (s *Store) collect(what string, maxVersion uint64, scan func(*Snapshot) ([]core.Entry, error)) ([]core.Entry, error) {
	ctx, cancel, err := s.begin(what)
	if err != nil {
		return nil, err
	}
	defer cancel()
	vw, _, err := s.viewAt(ctx, maxVersion, s.Now())
	if err != nil {
		return nil, mapErr(what, err)
	}
	return scan(&Snapshot{s: s, vw: vw})
}
