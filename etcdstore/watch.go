package etcdstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/inmemdb/inmem/core"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Watcher delivers the store's commits, in version order, from an etcd
// watch on the store's prefix: every commit is one etcd revision, so the
// events of one revision are one core.Commit. Next and Close may be called
// from different goroutines; Next is not safe for concurrent use with
// itself.
type Watcher struct {
	s       *Store
	cancel  context.CancelFunc
	ch      clientv3.WatchChan
	err     error // the watch's end: returned by every later Next
	pending []core.Commit
	done    chan struct{}
	once    sync.Once
}

// Watch returns a watcher of every commit with version > after, each with all
// its changes (core.ChangePut with the value written; core.ChangeDelete and
// core.ChangeExpire with the value removed). The watch lives until ctx ends
// or Close. If the first commit to deliver is older than etcd's compaction,
// Next returns core.ErrCompacted: resume from a snapshot (Snapshot, then
// Watch(ctx, snap.Version())). Writers never wait for watchers. Safe for
// concurrent use.
func (s *Store) Watch(ctx context.Context, after uint64) *Watcher {
	if ctx == nil {
		ctx = context.Background()
	}
	w := &Watcher{s: s, done: make(chan struct{})}
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	w.cancel = cancel
	rctx, rcancel, err := s.begin("Watch")
	if err != nil {
		w.fail(err)
		return w
	}
	defer rcancel()
	start, err := s.watchStart(rctx, after)
	if err != nil {
		w.fail(err)
		return w
	}
	w.ch = s.cli.Watch(wctx, s.prefix+"/", clientv3.WithPrefix(), clientv3.WithRev(start), clientv3.WithPrevKV())
	return w
}

// watchStart returns the etcd revision of the commit of version after+1,
// or the next revision when after is the current version or above.
func (s *Store) watchStart(ctx context.Context, after uint64) (int64, error) {
	if after == core.Latest {
		after--
	}
	resp, err := s.readTxn(ctx, clientv3.OpGet(s.l.version), clientv3.OpGet(s.l.commitKey(after+1)))
	if err != nil {
		return 0, mapErr("Watch", err)
	}
	cur, err := s.decodeVersion(resp.Responses[0].GetResponseRange().GetKvs())
	if err != nil {
		return 0, err
	}
	if after >= cur {
		return resp.Header.Revision + 1, nil
	}
	return s.commitRev(resp.Responses[1].GetResponseRange().GetKvs(), after+1)
}

func (w *Watcher) fail(err error) {
	if w.err == nil {
		w.err = err
	}
	w.cancel()
}

// Next returns the next commit; it blocks until there is one, ctx ends
// (ctx's error), the watcher or the store is closed (core.ErrClosed), or
// the watch fails (core.ErrCompacted, or an error wrapping ErrUnavailable).
func (w *Watcher) Next(ctx context.Context) (core.Commit, error) {
	select {
	case <-w.done:
		w.pending = nil
		w.fail(fmt.Errorf("etcdstore: watcher: %w", core.ErrClosed))
	case <-w.s.done:
		w.pending = nil
		w.fail(fmt.Errorf("etcdstore: watcher: %w", core.ErrClosed))
	default:
	}
	for len(w.pending) == 0 {
		if w.err != nil {
			return core.Commit{}, w.err
		}
		select {
		case <-ctx.Done():
			return core.Commit{}, ctx.Err()
		case <-w.s.done:
			w.fail(fmt.Errorf("etcdstore: watcher: %w", core.ErrClosed))
		case <-w.done:
			w.fail(fmt.Errorf("etcdstore: watcher: %w", core.ErrClosed))
		case resp, ok := <-w.ch:
			switch {
			case !ok:
				w.fail(fmt.Errorf("etcdstore: watcher: %w", core.ErrClosed))
			case resp.CompactRevision != 0:
				w.fail(fmt.Errorf("etcdstore: watcher: %w: etcd compacted up to revision %d", core.ErrCompacted, resp.CompactRevision))
			case resp.Err() != nil:
				w.fail(mapErr("watcher", resp.Err()))
			default:
				commits, err := w.s.commitsOf(resp.Events)
				if err != nil {
					w.fail(err)
				}
				w.pending = commits
			}
		}
	}
	c := w.pending[0]
	w.pending = w.pending[1:]
	return c, nil
}

// Close ends the watch; Next then returns core.ErrClosed. Safe to call
// twice and concurrently with Next.
func (w *Watcher) Close() {
	w.once.Do(func() {
		close(w.done)
		w.cancel()
	})
}

// commitsOf turns a watch response's events, grouped by revision, into
// commits. Each revision of the store's prefix holds one commit key.
func (s *Store) commitsOf(events []*clientv3.Event) ([]core.Commit, error) {
	var out []core.Commit
	for len(events) > 0 {
		rev := events[0].Kv.ModRevision
		n := 1
		for n < len(events) && events[n].Kv.ModRevision == rev {
			n++
		}
		c, err := s.commitOf(events[:n])
		if err != nil {
			return out, err
		}
		out = append(out, c)
		events = events[n:]
	}
	return out, nil
}

func (s *Store) commitOf(events []*clientv3.Event) (core.Commit, error) {
	var c core.Commit
	var mark *commitMark
	var changes []*clientv3.Event
	for _, ev := range events {
		key := string(ev.Kv.Key)
		switch {
		case strings.HasPrefix(key, s.l.commit):
			m, ok := decodeCommitMark(ev.Kv.Value)
			if !ok || len(key) != len(s.l.commit)+8 {
				return c, corrupt(key, errors.New("bad commit key"))
			}
			mark, c.Version = &m, binary.BigEndian.Uint64([]byte(key[len(s.l.commit):]))
		case strings.HasPrefix(key, s.l.data):
			changes = append(changes, ev)
		}
	}
	if mark == nil {
		return c, corrupt(s.l.commit, fmt.Errorf("etcd revision %d under the prefix has no commit key", events[0].Kv.ModRevision))
	}
	c.Time = mark.at.time()
	slices.SortFunc(changes, func(a, b *clientv3.Event) int { return strings.Compare(string(a.Kv.Key), string(b.Kv.Key)) })
	for _, ev := range changes {
		ch, err := s.changeOf(ev, mark.expire)
		if err != nil {
			return c, err
		}
		c.Changes = append(c.Changes, ch)
	}
	return c, nil
}

func (s *Store) changeOf(ev *clientv3.Event, expire bool) (core.Change, error) {
	kv := ev.Kv
	op := core.ChangePut
	if ev.Type == mvccpb.DELETE {
		op = core.ChangeDelete
		if expire {
			op = core.ChangeExpire
		}
		if ev.PrevKv == nil { // etcd could not give the removed value
			k, err := core.DecodeKey(kv.Key[len(s.l.data):])
			if err != nil {
				return core.Change{}, corrupt(string(kv.Key), err)
			}
			return core.Change{Key: k, Op: op}, nil
		}
		kv = ev.PrevKv
	}
	e, err := s.entry(kv)
	if err != nil {
		return core.Change{}, err
	}
	return core.Change{Key: e.Key, Op: op, Value: e.Value}, nil
}
