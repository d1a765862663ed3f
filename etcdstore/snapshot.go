package etcdstore

import (
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/inmemdb/inmem/core"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Snapshot is a consistent view of the store at one version: reads at the
// etcd revision of that version, expiry judged at one moment (when the
// snapshot was taken; for SnapshotAt, the version's commit time), so
// repeated reads agree. Taking one costs one etcd read; holding one costs
// nothing, but once etcd compacts past its revision its reads fail with
// core.ErrCompacted. A read that fails returns its error; a lazy scan that
// fails ends early and Err reports why. It implements core.Snapshot and
// core.IndexScanner, and is safe for concurrent use.
type Snapshot struct {
	s   *Store
	vw  view
	err error // taking the snapshot failed: every read returns it

	mu      sync.Mutex
	scanErr error // the first failure of a lazy scan
}

// Snapshot returns a view of the store's current version (one linearizable
// etcd read). If etcd does not answer, the snapshot holds the error: its
// reads return it and Err reports it. Safe for concurrent use.
func (s *Store) Snapshot() *Snapshot {
	ctx, cancel, err := s.begin("Snapshot")
	if err != nil {
		return &Snapshot{s: s, err: err}
	}
	defer cancel()
	vw, err := s.latest(ctx, s.Now())
	if err != nil {
		return &Snapshot{s: s, err: mapErr("Snapshot", err)}
	}
	return &Snapshot{s: s, vw: vw}
}

// SnapshotAt returns the exact state right after version v committed, with
// expiry judged at v's commit time: what Snapshot would have returned then.
// It fails with an error wrapping core.ErrCompacted when etcd has compacted
// the revision of v, and with one wrapping core.ErrNotFound when v is above
// the current version. With Scan's After and Limit it pages through one
// consistent version: a page token is (version, last key). Safe for
// concurrent use.
func (s *Store) SnapshotAt(v uint64) (*Snapshot, error) {
	ctx, cancel, err := s.begin("SnapshotAt")
	if err != nil {
		return nil, err
	}
	defer cancel()
	now := s.Now()
	vw, mark, err := s.viewAt(ctx, v, now)
	if err != nil {
		return nil, mapErr("SnapshotAt", err)
	}
	if v > vw.version {
		return nil, fmt.Errorf("etcdstore: SnapshotAt: %w: version %d is above the current version %d", core.ErrNotFound, v, vw.version)
	}
	if mark != nil {
		vw.now = mark.at.time()
	} else if v > 0 { // the current version: its commit time
		resp, err := s.cli.Get(ctx, s.l.commitKey(v), clientv3.WithRev(vw.rev))
		if err != nil {
			return nil, mapErr("SnapshotAt", err)
		}
		if len(resp.Kvs) == 0 {
			return nil, s.missingCommit(v, nil)
		}
		m, err := decodeCommitMark(resp.Kvs[0].Value, v)
		if err != nil {
			return nil, corrupt(string(resp.Kvs[0].Key), err)
		}
		vw.now = m.at.time()
	}
	if !vw.empty { // fail now, not at the first read, when etcd compacted it
		rev := vw.rev
		if len(vw.later) > 0 {
			rev--
		}
		if _, err := s.cli.Get(ctx, s.l.version, clientv3.WithRev(rev), clientv3.WithCountOnly()); err != nil {
			return nil, mapErr(fmt.Sprintf("SnapshotAt(%d)", v), err)
		}
	}
	return &Snapshot{s: s, vw: vw}, nil
}

// View is Snapshot as a core.Snapshot (core.Viewer). Safe for concurrent
// use.
func (s *Store) View() core.Snapshot { return s.Snapshot() }

// ViewAt is SnapshotAt as a core.Snapshot (core.ViewerAt): the same errors,
// and a nil Snapshot with them. Safe for concurrent use.
func (s *Store) ViewAt(v uint64) (core.Snapshot, error) {
	sn, err := s.SnapshotAt(v)
	if err != nil {
		return nil, err
	}
	return sn, nil
}

// Version returns the version the snapshot holds (0 when taking it failed).
func (sn *Snapshot) Version() uint64 { return sn.vw.version }

// Time returns the moment the snapshot judges expiry at.
func (sn *Snapshot) Time() time.Time { return sn.vw.now }

// Revision returns the etcd revision the snapshot reads at.
func (sn *Snapshot) Revision() int64 { return sn.vw.rev }

// Err returns the error taking the snapshot failed with, or else the first
// error a lazy scan (Scan, ScanRun, ScanType) of it ended on, or nil.
func (sn *Snapshot) Err() error {
	if sn.err != nil {
		return sn.err
	}
	sn.mu.Lock()
	defer sn.mu.Unlock()
	return sn.scanErr
}

func (sn *Snapshot) fail(err error) {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.scanErr == nil {
		sn.scanErr = err
	}
}

// Get returns the value of key in the snapshot, or core.ErrNotFound.
func (sn *Snapshot) Get(key core.Key) (core.VersionedValue, error) {
	if err := checkKey(key); err != nil {
		return core.VersionedValue{}, err
	}
	if sn.err != nil {
		return core.VersionedValue{}, sn.err
	}
	ctx, cancel, err := sn.s.begin("Snapshot.Get")
	if err != nil {
		return core.VersionedValue{}, err
	}
	defer cancel()
	vv, ok, err := sn.s.getAt(ctx, &sn.vw, sn.s.l.dataKey(key))
	if err != nil {
		return core.VersionedValue{}, mapErr(fmt.Sprintf("Snapshot.Get at version %d", sn.vw.version), err)
	}
	return judge(key, vv, ok, sn.vw.now)
}

// ScanPrefix returns the snapshot's live entries matching prefix
// (core.Key.HasPrefix), in key order.
func (sn *Snapshot) ScanPrefix(prefix core.Key) ([]core.Entry, error) {
	if err := checkKey(prefix); err != nil {
		return nil, err
	}
	return sn.collect(func(yield func(core.Entry) bool) error {
		return sn.s.walk(&sn.vw, []string{sn.s.l.dataKey(prefix)}, &scanOpts{}, yield)
	})
}

// ScanByRun returns the snapshot's live entries of run, in key order.
func (sn *Snapshot) ScanByRun(run core.RunID) ([]core.Entry, error) {
	return sn.collect(func(yield func(core.Entry) bool) error {
		return sn.walkRun(run, &scanOpts{}, yield)
	})
}

// ScanByType returns the snapshot's live entries of type t, in key order,
// or an error wrapping core.ErrInvalidKey for an invalid t.
func (sn *Snapshot) ScanByType(t core.TypeTag) ([]core.Entry, error) {
	if err := checkKey(core.Key{Type: t}); err != nil {
		return nil, err
	}
	return sn.collect(func(yield func(core.Entry) bool) error {
		return sn.walkType(t, &scanOpts{}, yield)
	})
}

func (sn *Snapshot) collect(walk func(yield func(core.Entry) bool) error) ([]core.Entry, error) {
	if sn.err != nil {
		return nil, sn.err
	}
	if sn.s.closed.Load() {
		return nil, fmt.Errorf("etcdstore: snapshot read: %w", core.ErrClosed)
	}
	return collectAll(walk)
}

func (sn *Snapshot) walkRun(run core.RunID, o *scanOpts, yield func(core.Entry) bool) error {
	ranges, err := sn.s.runRanges(&sn.vw, run)
	if err != nil {
		return err
	}
	return sn.s.walk(&sn.vw, ranges, o, yield)
}

func (sn *Snapshot) walkType(t core.TypeTag, o *scanOpts, yield func(core.Entry) bool) error {
	ranges, err := sn.s.typeRanges(&sn.vw, t, o.within)
	if err != nil {
		return err
	}
	return sn.s.walk(&sn.vw, ranges, o, yield)
}

// Scan yields the snapshot's live entries whose keys p matches, in key
// order (descending with Reverse), shaped by Limit and After, lazily: it
// reads etcd a page at a time (at most Limit entries per read) as the
// caller pulls. Each key carries its own copy of the user key. An invalid p
// or option yields nothing. A failed read ends the iteration; Err reports
// it. A reverse scan costs etcd a read of the whole remaining range per page
// (etcd sorts descending ranges after reading them). Safe for concurrent
// use.
func (sn *Snapshot) Scan(p core.Prefix, opts ...ScanOption) iter.Seq2[core.Key, core.VersionedValue] {
	o := sn.s.scanOptions(opts)
	if p.Err() != nil {
		o.err = p.Err()
	}
	return sn.lazy(&o, func(yield func(core.Entry) bool) error {
		return sn.s.walk(&sn.vw, []string{sn.s.l.dataPrefix(p)}, &o, yield)
	})
}

// ScanRun yields the snapshot's live entries of run in key order (or
// descending), lazily, with the options of Scan: the run index gives the
// run's namespaces, then one range each. Safe for concurrent use.
func (sn *Snapshot) ScanRun(run core.RunID, opts ...ScanOption) iter.Seq2[core.Key, core.VersionedValue] {
	o := sn.s.scanOptions(opts)
	return sn.lazy(&o, func(yield func(core.Entry) bool) error { return sn.walkRun(run, &o, yield) })
}

// ScanType yields the snapshot's live entries of type t in key order (or
// descending), lazily, with the options of Scan; Within limits it to the
// keys a prefix matches. The type index gives the namespaces holding keys of
// t (with Within, those under the prefix), then one range each. An invalid
// t yields nothing. Safe for concurrent use.
func (sn *Snapshot) ScanType(t core.TypeTag, opts ...ScanOption) iter.Seq2[core.Key, core.VersionedValue] {
	o := sn.s.scanOptions(opts)
	if !t.Valid() {
		o.err = checkKey(core.Key{Type: t})
	}
	return sn.lazy(&o, func(yield func(core.Entry) bool) error { return sn.walkType(t, &o, yield) })
}

// lazy turns a walk into an iterator that records a failure in the
// snapshot.
func (sn *Snapshot) lazy(o *scanOpts, walk func(yield func(core.Entry) bool) error) iter.Seq2[core.Key, core.VersionedValue] {
	return func(yield func(core.Key, core.VersionedValue) bool) {
		if o.err != nil {
			return
		}
		if sn.err != nil {
			return
		}
		if sn.s.closed.Load() {
			sn.fail(fmt.Errorf("etcdstore: snapshot scan: %w", core.ErrClosed))
			return
		}
		if err := walk(func(e core.Entry) bool { return yield(e.Key, e.Value) }); err != nil {
			sn.fail(err)
		}
	}
}
