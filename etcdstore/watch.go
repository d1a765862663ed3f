package etcdstore

import (
	"cmp"
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

// WatchOption selects the changes a Watcher delivers. With several options a
// change matches when any of them matches; with none, every change does. It
// is core.WatchOption, so a watch reads the same on every store.
type WatchOption = core.WatchOption

// WatchPrefix selects the changes of keys p matches (core.WatchPrefix).
func WatchPrefix(p core.Prefix) WatchOption { return core.WatchPrefix(p) }

// WatchRun selects the changes of keys of run, in any namespace
// (core.WatchRun).
func WatchRun(run core.RunID) WatchOption { return core.WatchRun(run) }

// Watcher delivers the store's commits, in version order, from an etcd
// watch on the store's commit and data keys: the events of one etcd
// revision are one commit, or the commits of one group commit, which the
// commit keys tell apart. Next and Close may be called from different
// goroutines; calls of Next take turns.
type Watcher struct {
	s       *Store
	after   uint64
	opts    core.WatchOptions
	cancel  context.CancelFunc
	ch      clientv3.WatchChan
	turn    chan struct{} // holds a token while a Next runs
	err     error         // the watch's end: returned by every later Next
	pending []core.Commit
	done    chan struct{}
	once    sync.Once
}

// Watch returns a watcher that delivers every commit with version > after
// that has at least one change the options match (WatchPrefix, WatchRun),
// each with exactly its matching changes, in key order: core.ChangePut with
// the value written; core.ChangeDelete and core.ChangeExpire with the value
// removed. after may be above the current version: the watcher waits for
// it; after = core.Latest means the current version (changes from now on).
// The watch lives until Close or the store's Close. If the first commit to
// deliver is older than etcd's compaction, Next returns core.ErrCompacted:
// resume from a snapshot (Snapshot, then Watch(snap.Version())). Writers
// never wait for watchers. Safe for concurrent use.
func (s *Store) Watch(after uint64, opts ...WatchOption) *Watcher {
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(context.Background()))
	w := &Watcher{s: s, opts: core.NewWatchOptions(opts...), cancel: cancel, done: make(chan struct{}), turn: make(chan struct{}, 1)}
	if w.opts.Err != nil {
		w.fail(w.opts.Err)
		return w
	}
	rctx, rcancel, err := s.begin("Watch")
	if err != nil {
		w.fail(err)
		return w
	}
	defer rcancel()
	start, cur, err := s.watchStart(rctx, after)
	if err != nil {
		w.fail(err)
		return w
	}
	w.after = after
	if after == core.Latest {
		w.after = cur
	}
	w.ch = s.cli.Watch(wctx, s.l.commit, clientv3.WithRange(rangeEnd(s.l.data)), clientv3.WithRev(start), clientv3.WithPrevKV())
	return w
}

// WatchCommits is Watch as a core.Watcher (core.Watchable). Safe for
// concurrent use.
func (s *Store) WatchCommits(after uint64, opts ...core.WatchOption) core.Watcher {
	return s.Watch(after, opts...)
}

// watchStart returns the etcd revision of the commit of version after+1
// (or the next revision when after is the current version or above) and
// the current version.
func (s *Store) watchStart(ctx context.Context, after uint64) (int64, uint64, error) {
	if after == core.Latest {
		after--
	}
	resp, err := s.readTxn(ctx, clientv3.OpGet(s.l.version), clientv3.OpGet(s.l.commitKey(after+1)), clientv3.OpGet(s.l.pruned))
	if err != nil {
		return 0, 0, mapErr("Watch", err)
	}
	cur, err := s.decodeVersion(resp.Responses[0].GetResponseRange().GetKvs())
	if err != nil {
		return 0, 0, err
	}
	if after >= cur {
		return resp.Header.Revision + 1, cur, nil
	}
	kvs := resp.Responses[1].GetResponseRange().GetKvs()
	if len(kvs) == 0 {
		return 0, 0, s.missingCommit(after+1, resp.Responses[2].GetResponseRange().GetKvs())
	}
	return kvs[0].ModRevision, cur, nil
}

func (w *Watcher) fail(err error) {
	if w.err == nil {
		w.err = err
	}
	w.cancel()
}

// Next returns the next matching commit; it blocks until there is one, ctx
// ends (ctx's error), the watcher or the store is closed (an error wrapping
// core.ErrClosed), or the watch fails (core.ErrCompacted, or an error
// wrapping ErrUnavailable). The commit and its values are the caller's.
func (w *Watcher) Next(ctx context.Context) (core.Commit, error) {
	if ctx == nil {
		return core.Commit{}, fmt.Errorf("%w: Next needs a context", core.ErrInvalidArgument)
	}
	select {
	case w.turn <- struct{}{}:
	case <-ctx.Done():
		return core.Commit{}, ctx.Err()
	case <-w.done:
		return core.Commit{}, fmt.Errorf("etcdstore: watcher: %w", core.ErrClosed)
	}
	defer func() { <-w.turn }()
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
				for _, c := range commits {
					if c = w.filter(c); c.Version > w.after && len(c.Changes) > 0 {
						w.pending = append(w.pending, c)
					}
				}
			}
		}
	}
	c := w.pending[0]
	w.pending = w.pending[1:]
	return c, nil
}

// filter keeps the changes of c the options match.
func (w *Watcher) filter(c core.Commit) core.Commit {
	if !w.opts.Filtered() {
		return c
	}
	c.Changes = slices.DeleteFunc(c.Changes, func(ch core.Change) bool { return !w.opts.Match(ch.Key) })
	return c
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
// commits in version order. A revision without a commit key (Prune's) is
// no commit.
func (s *Store) commitsOf(events []*clientv3.Event) ([]core.Commit, error) {
	var out []core.Commit
	for len(events) > 0 {
		rev := events[0].Kv.ModRevision
		n := 1
		for n < len(events) && events[n].Kv.ModRevision == rev {
			n++
		}
		cs, err := s.commitsOfRevision(events[:n])
		if err != nil {
			return out, err
		}
		out = append(out, cs...)
		events = events[n:]
	}
	return out, nil
}

// commitsOfRevision splits the events of one etcd revision into its
// commits.
func (s *Store) commitsOfRevision(events []*clientv3.Event) ([]core.Commit, error) {
	type marked struct {
		version uint64
		mark    commitMark
	}
	var marks []marked
	var changes []*clientv3.Event
	for _, ev := range events {
		key := string(ev.Kv.Key)
		switch {
		case strings.HasPrefix(key, s.l.commit):
			if ev.Type == mvccpb.DELETE {
				continue // Prune
			}
			if len(key) != len(s.l.commit)+8 {
				return nil, corrupt(key, errors.New("bad commit key"))
			}
			v := binary.BigEndian.Uint64([]byte(key[len(s.l.commit):]))
			m, err := decodeCommitMark(ev.Kv.Value, v)
			if err != nil {
				return nil, corrupt(key, err)
			}
			marks = append(marks, marked{v, m})
		case strings.HasPrefix(key, s.l.data):
			changes = append(changes, ev)
		}
	}
	if len(marks) == 0 {
		if len(changes) > 0 {
			return nil, corrupt(s.l.commit, fmt.Errorf("etcd revision %d changed data without a commit key", events[0].Kv.ModRevision))
		}
		return nil, nil
	}
	slices.SortFunc(marks, func(a, b marked) int { return cmp.Compare(a.version, b.version) })
	slices.SortFunc(changes, func(a, b *clientv3.Event) int { return strings.Compare(string(a.Kv.Key), string(b.Kv.Key)) })
	of := map[string]int{} // data key -> index in marks
	if len(marks) > 1 {
		for i, m := range marks {
			for _, k := range m.mark.keys {
				of[s.l.data+k] = i
			}
		}
	}
	out := make([]core.Commit, len(marks))
	for i, m := range marks {
		out[i] = core.Commit{Version: m.version, Time: m.mark.at.time()}
	}
	for _, ev := range changes {
		i, ok := of[string(ev.Kv.Key)]
		if len(marks) > 1 && !ok {
			return nil, corrupt(string(ev.Kv.Key), fmt.Errorf("a change of etcd revision %d in none of its commits", ev.Kv.ModRevision))
		}
		ch, err := s.changeOf(ev, &marks[i].mark)
		if err != nil {
			return nil, err
		}
		out[i].Changes = append(out[i].Changes, ch)
	}
	return out, nil
}

// changeOf turns one data key event into a change of the commit m.
func (s *Store) changeOf(ev *clientv3.Event, m *commitMark) (core.Change, error) {
	if ev.Type != mvccpb.DELETE {
		e, err := s.entry(ev.Kv)
		if err != nil {
			return core.Change{}, err
		}
		return core.Change{Key: e.Key, Op: core.ChangePut, Value: e.Value}, nil
	}
	op := core.ChangeDelete
	if m.expire {
		op = core.ChangeExpire
	}
	if ev.PrevKv == nil { // etcd could not give the removed value
		k, err := core.DecodeKey(ev.Kv.Key[len(s.l.data):])
		if err != nil {
			return core.Change{}, corrupt(string(ev.Kv.Key), err)
		}
		return core.Change{Key: k, Op: op}, nil
	}
	e, err := s.entry(ev.PrevKv)
	if err != nil {
		return core.Change{}, err
	}
	if m.ranged && e.Value.Expired(m.at.time()) { // DeletePrefix removed an expired value
		op = core.ChangeExpire
	}
	return core.Change{Key: e.Key, Op: op, Value: e.Value}, nil
}
