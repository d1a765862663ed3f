package etcdstore

import (
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Snapshot is a consistent view of the store at one version: reads at the
// etcd revision the version was read at, expiry judged at the moment the
// snapshot was taken, so repeated reads agree. Taking one costs one etcd
// read; holding one costs nothing, but once etcd compacts past its revision
// its reads fail with core.ErrCompacted. It implements core.SnapshotView and
// is safe for concurrent use.
type Snapshot struct {
	s       *Store
	version uint64
	rev     int64
	now     time.Time
}

var _ core.SnapshotView = (*Snapshot)(nil)

// Snapshot returns a view of the store's current version. Safe for
// concurrent use.
func (s *Store) Snapshot() (*Snapshot, error) {
	ctx, cancel, err := s.begin("Snapshot")
	if err != nil {
		return nil, err
	}
	defer cancel()
	resp, err := s.cli.Get(ctx, s.l.version)
	if err != nil {
		return nil, mapErr("Snapshot", err)
	}
	v, err := s.decodeVersion(resp.Kvs)
	if err != nil {
		return nil, err
	}
	return &Snapshot{s: s, version: v, rev: resp.Header.Revision, now: s.Now()}, nil
}

// Version returns the version the snapshot was taken at.
func (sn *Snapshot) Version() uint64 { return sn.version }

// Time returns the store clock's reading when the snapshot was taken: the
// time its expiry decisions are judged at.
func (sn *Snapshot) Time() time.Time { return sn.now }

// Revision returns the etcd revision the snapshot reads at.
func (sn *Snapshot) Revision() int64 { return sn.rev }

// Get returns the value of key in the snapshot, or core.ErrNotFound.
func (sn *Snapshot) Get(key core.Key) (core.VersionedValue, error) {
	if err := checkKey(key); err != nil {
		return core.VersionedValue{}, err
	}
	ctx, cancel, err := sn.s.begin("Snapshot.Get")
	if err != nil {
		return core.VersionedValue{}, err
	}
	defer cancel()
	resp, err := sn.s.cli.Get(ctx, sn.s.l.dataKey(key), clientv3.WithRev(sn.rev))
	if err != nil {
		return core.VersionedValue{}, mapErr(fmt.Sprintf("Snapshot.Get at version %d", sn.version), err)
	}
	return sn.s.answer(key, resp.Kvs, sn.now)
}

// ScanPrefix returns the snapshot's live entries matching prefix, in key
// order.
func (sn *Snapshot) ScanPrefix(prefix core.Key) ([]core.Entry, error) {
	if err := checkKey(prefix); err != nil {
		return nil, err
	}
	ctx, cancel, err := sn.s.begin("Snapshot.ScanPrefix")
	if err != nil {
		return nil, err
	}
	defer cancel()
	out, _, err := sn.s.scanRange(ctx, sn.s.l.dataPrefix(prefix), sn.rev, sn.now, nil)
	return out, err
}

// ScanByRun returns the snapshot's live entries of run, in key order.
func (sn *Snapshot) ScanByRun(run core.RunID) ([]core.Entry, error) {
	ctx, cancel, err := sn.s.begin("Snapshot.ScanByRun")
	if err != nil {
		return nil, err
	}
	defer cancel()
	return sn.s.scanRun(ctx, run, sn.rev, sn.now)
}
