package etcdstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// view is where a read at one store version looks. A commit is one etcd
// revision, but a group commit (several commits of one process in one etcd
// transaction) puts several versions in one revision: a version inside such
// a group reads the revision, except the keys a later commit of the group
// changed (later), which it reads one revision earlier, where they still
// hold what they held before the group.
type view struct {
	version uint64    // unknown (0) in a view of the latest not yet pinned
	rev     int64     // the etcd revision; 0: the latest, pinned by the first read (pin)
	now     time.Time // expiry is judged at it
	empty   bool      // version 0: nothing stored
	later   []string  // sorted data keys to read at rev-1
}

// pin sets the revision of a view of the latest to the first read's.
func (vw *view) pin(rev int64) {
	if vw.rev == 0 {
		vw.rev = rev
	}
}

// isLater reports whether the data key dk is read at rev-1.
func (vw *view) isLater(dk string) bool {
	_, ok := slices.BinarySearch(vw.later, dk)
	return ok
}

// revOf returns the revision to read the data key dk at.
func (vw *view) revOf(dk string) int64 {
	if vw.isLater(dk) {
		return vw.rev - 1
	}
	return vw.rev
}

// latest returns the view of the current version, judged at now: one
// linearizable read of the version key.
func (s *Store) latest(ctx context.Context, now time.Time) (view, error) {
	resp, err := s.cli.Get(ctx, s.l.version)
	if err != nil {
		return view{}, err
	}
	v, err := s.decodeVersion(resp.Kvs)
	if err != nil {
		return view{}, err
	}
	return view{version: v, rev: resp.Header.Revision, now: now, empty: v == 0}, nil
}

// viewAt returns the view of version v, judged at now: the latest when v is
// at or above the current version (core.Latest: without a read, pinned by
// the view's first read); core.ErrCompacted when the commit key of v was
// pruned (Prune) after etcd compacted its revision.
func (s *Store) viewAt(ctx context.Context, v uint64, now time.Time) (view, *commitMark, error) {
	if v == core.Latest {
		return view{now: now}, nil, nil
	}
	resp, err := s.readTxn(ctx, clientv3.OpGet(s.l.version), clientv3.OpGet(s.l.commitKey(v)), clientv3.OpGet(s.l.pruned))
	if err != nil {
		return view{}, nil, err
	}
	cur, err := s.decodeVersion(resp.Responses[0].GetResponseRange().GetKvs())
	if err != nil {
		return view{}, nil, err
	}
	switch {
	case v >= cur:
		return view{version: cur, rev: resp.Header.Revision, now: now, empty: cur == 0}, nil, nil
	case v == 0:
		return view{now: now, empty: true}, nil, nil
	}
	vw, mark, err := s.pastView(ctx, v, resp.Responses[1].GetResponseRange().GetKvs(), resp.Responses[2].GetResponseRange().GetKvs(), now)
	return vw, mark, err
}

// pastView returns the view of a version v below the current one from the
// reads of its commit key and of P/p.
func (s *Store) pastView(ctx context.Context, v uint64, commit, pruned []*mvccpb.KeyValue, now time.Time) (view, *commitMark, error) {
	if len(commit) == 0 {
		return view{}, nil, s.missingCommit(v, pruned)
	}
	mark, err := decodeCommitMark(commit[0].Value, v)
	if err != nil {
		return view{}, nil, corrupt(string(commit[0].Key), err)
	}
	vw := view{version: v, rev: commit[0].ModRevision, now: now}
	if v < mark.last {
		later, err := s.laterKeys(ctx, v, mark.last, vw.rev)
		if err != nil {
			return view{}, nil, err
		}
		vw.later = later
	}
	return vw, &mark, nil
}

// missingCommit is the error for the absent commit key of a version below
// the current one: core.ErrCompacted when Prune removed it (pruned is the
// read of P/p), ErrCorrupt otherwise.
func (s *Store) missingCommit(v uint64, pruned []*mvccpb.KeyValue) error {
	if len(pruned) > 0 && len(pruned[0].Value) == 8 && v < binary.BigEndian.Uint64(pruned[0].Value) {
		return fmt.Errorf("etcdstore: version %d: %w (etcd compacted its revision and Prune dropped its commit key)", v, core.ErrCompacted)
	}
	return corrupt(s.l.commitKey(v), errors.New("the commit key of a committed version is missing"))
}

// laterKeys returns the data keys the commits v+1..last of one group (at
// etcd revision rev) changed, sorted.
func (s *Store) laterKeys(ctx context.Context, v, last uint64, rev int64) ([]string, error) {
	resp, err := s.cli.Get(ctx, s.l.commitKey(v+1), clientv3.WithRange(s.l.commitKey(last+1)))
	if err != nil {
		return nil, err
	}
	if uint64(len(resp.Kvs)) != last-v {
		pruned, err := s.cli.Get(ctx, s.l.pruned)
		if err != nil {
			return nil, err
		}
		if err := s.missingCommit(v+1, pruned.Kvs); errors.Is(err, core.ErrCompacted) {
			return nil, err // a Prune ran since the commit key of v was read
		}
		return nil, corrupt(s.l.commitKey(v+1), fmt.Errorf("a group of commits up to %d lacks commit keys", last))
	}
	var out []string
	for _, kv := range resp.Kvs {
		w := binary.BigEndian.Uint64(kv.Key[len(s.l.commit):])
		m, err := decodeCommitMark(kv.Value, w)
		if err != nil || kv.ModRevision != rev || m.last != last {
			return nil, corrupt(string(kv.Key), errors.Join(err, errors.New("not in the group of its neighbours")))
		}
		for _, k := range m.keys {
			out = append(out, s.l.data+k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// getAt reads the record of the data key dk at the view; ok is false when
// there is none.
func (s *Store) getAt(ctx context.Context, vw *view, dk string) (core.VersionedValue, bool, error) {
	if vw.empty {
		return core.VersionedValue{}, false, nil
	}
	resp, err := s.cli.Get(ctx, dk, clientv3.WithRev(vw.revOf(dk)))
	if err != nil {
		return core.VersionedValue{}, false, err
	}
	vw.pin(resp.Header.Revision)
	return s.record(resp.Kvs)
}
