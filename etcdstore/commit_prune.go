package etcdstore

import (
	"context"
	"encoding/binary"
	"errors"

	"github.com/inmemdb/inmem/core"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Prune removes the commit keys (P/c/<v>, about 40 bytes each) of the
// versions whose etcd revision etcd has compacted, except the current
// version's, and returns how many it removed. Those keys serve reads of
// the past and watchers, and neither can read below etcd's compaction
// point: after Prune such a read still answers core.ErrCompacted (P/p
// records the lowest version whose commit key is kept). etcd compacts on
// its own schedule (--auto-compaction-retention) or when told; run Prune
// after it, for example from the same maintenance job. It costs a few short
// reads per halving of the versions since the last Prune (a binary search
// for the compaction point) and one etcd transaction. Safe for concurrent
// use, from any number of processes.
func (s *Store) Prune(ctx context.Context) (int, error) {
	if s.closed.Load() {
		return 0, mapErr("Prune", core.ErrClosed)
	}
	ctx, cancel := s.ctxFrom(ctx)
	defer cancel()
	resp, err := s.readTxn(ctx, clientv3.OpGet(s.l.version), clientv3.OpGet(s.l.pruned))
	if err != nil {
		return 0, mapErr("Prune", err)
	}
	cur, err := s.decodeVersion(resp.Responses[0].GetResponseRange().GetKvs())
	if err != nil {
		return 0, err
	}
	lowest, prev := uint64(1), int64(0)
	if kvs := resp.Responses[1].GetResponseRange().GetKvs(); len(kvs) > 0 {
		if len(kvs[0].Value) != 8 {
			return 0, corrupt(s.l.pruned, errors.New("not 8 bytes"))
		}
		lowest, prev = binary.BigEndian.Uint64(kvs[0].Value), kvs[0].ModRevision
	}
	if cur <= lowest {
		return 0, nil
	}
	// Find the lowest version whose revision etcd still has: versions
	// below lo are compacted, versions from hi on are not; the current
	// version's commit key is never removed.
	lo, hi := lowest, cur
	compacted, err := s.compactedAt(ctx, lo)
	if err != nil || !compacted {
		return 0, err
	}
	for hi-lo > 1 {
		m := lo + (hi-lo)/2
		c, err := s.compactedAt(ctx, m)
		if err != nil {
			return 0, err
		}
		if c {
			lo = m
		} else {
			hi = m
		}
	}
	del, err := s.cli.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(s.l.pruned), "=", prev)).
		Then(clientv3.OpDelete(s.l.commitKey(lowest), clientv3.WithRange(s.l.commitKey(hi))),
			clientv3.OpPut(s.l.pruned, string(binary.BigEndian.AppendUint64(nil, hi)))).
		Commit()
	if err != nil {
		return 0, mapErr("Prune", err)
	}
	if !del.Succeeded { // another Prune ran meanwhile
		return 0, nil
	}
	return int(del.Responses[0].GetResponseDeleteRange().Deleted), nil
}

// compactedAt reports whether etcd has compacted the revision of version
// v's commit (an absent commit key counts as compacted: a concurrent Prune
// removed it).
func (s *Store) compactedAt(ctx context.Context, v uint64) (bool, error) {
	resp, err := s.cli.Get(ctx, s.l.commitKey(v), clientv3.WithKeysOnly())
	if err != nil {
		return false, mapErr("Prune", err)
	}
	if len(resp.Kvs) == 0 {
		return true, nil
	}
	_, err = s.cli.Get(ctx, s.l.version, clientv3.WithRev(resp.Kvs[0].ModRevision), clientv3.WithCountOnly())
	switch {
	case errors.Is(err, rpctypes.ErrCompacted):
		return true, nil
	case err != nil:
		return false, mapErr("Prune", err)
	}
	return false, nil
}
