package etcdstore

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// groupModel is the store's expected content after each version.
type groupModel struct {
	cur  map[string]core.Entry
	hist map[uint64]map[string]core.Entry
}

func (m *groupModel) apply(v uint64, put []core.Entry, del []core.Key) {
	for _, e := range put {
		m.cur[string(e.Key.Encode())] = e
	}
	for _, k := range del {
		delete(m.cur, string(k.Encode()))
	}
	m.hist[v] = maps.Clone(m.cur)
}

// at returns the entries of version v that keep accepts, in key order.
func (m *groupModel) at(v uint64, keep func(core.Key) bool) []string {
	var out []string
	for _, enc := range slices.Sorted(maps.Keys(m.hist[v])) {
		if e := m.hist[v][enc]; keep(e.Key) {
			out = append(out, describe(e))
		}
	}
	return out
}

func describe(e core.Entry) string {
	return fmt.Sprintf("%s@%d=%s/%v", e.Key, e.Value.Version, e.Value.Value, e.Value.TTL)
}

func describeAll(es []core.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, describe(e))
	}
	return out
}

// TestGroupCommitHistory: concurrent writes of one process of every kind
// commit as one group (one etcd transaction, one revision, a version each),
// and every read of a version inside the group (GetVersioned, the
// versioned scans, SnapshotAt and its lazy scans, forward and reverse)
// answers exactly the state after that version, and a watcher delivers
// each commit of the group with exactly its changes.
func TestGroupCommitHistory(t *testing.T) {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(t, WithClock(clock))
	ns, other := testNS("g", 15), testNS("h", 16)
	k := func(n string) core.Key { return core.KVKey(ns, n) }
	m := &groupModel{cur: map[string]core.Entry{}, hist: map[uint64]map[string]core.Entry{0: {}}}
	put := func(key core.Key, val string, ttl time.Duration) uint64 {
		v, err := s.Put(key, core.StringValue(val), ttl)
		require.NoError(t, err)
		m.apply(v, []core.Entry{{Key: key, Value: core.VersionedValue{Value: core.StringValue(val), Version: v, Timestamp: clock.Now(), TTL: ttl}}}, nil)
		return v
	}
	for _, n := range []string{"b", "c", "d", "h"} {
		put(k(n), n+"1", 0)
	}
	put(k("e"), "e1", time.Hour)
	put(core.EventKey(ns, 1), "ev1", 0)
	dVer, _ := s.Get(k("d"))
	base := s.CurrentVersion()
	clock.Advance(time.Second)
	now := clock.Now()
	entry := func(key core.Key, val core.Value, v uint64, ttl time.Duration) core.Entry {
		return core.Entry{Key: key, Value: core.VersionedValue{Value: val, Version: v, Timestamp: now, TTL: ttl}}
	}

	type effect struct {
		v   uint64
		put []core.Entry
		del []core.Key
	}
	ops := []func() (effect, error){
		func() (effect, error) {
			v, err := s.Put(k("a"), core.StringValue("A"), 0)
			return effect{v, []core.Entry{entry(k("a"), core.StringValue("A"), v, 0)}, nil}, err
		},
		func() (effect, error) {
			v, err := s.Put(k("b"), core.StringValue("B2"), 0)
			return effect{v, []core.Entry{entry(k("b"), core.StringValue("B2"), v, 0)}, nil}, err
		},
		func() (effect, error) {
			_, err := s.Delete(k("c"))
			return effect{v: s.seen.Load(), del: []core.Key{k("c")}}, err // the version: from the watcher below
		},
		func() (effect, error) {
			v, err := s.CompareAndSwap(k("d"), dVer.Version, core.StringValue("D2"), 0)
			return effect{v, []core.Entry{entry(k("d"), core.StringValue("D2"), v, 0)}, nil}, err
		},
		func() (effect, error) {
			key, v, err := s.Append(ns, core.StringValue("ev"), 0)
			return effect{v, []core.Entry{entry(key, core.StringValue("ev"), v, 0)}, nil}, err
		},
		func() (effect, error) {
			key, v, err := s.Append(ns, core.StringValue("ev"), 0)
			return effect{v, []core.Entry{entry(key, core.StringValue("ev"), v, 0)}, nil}, err
		},
		func() (effect, error) {
			v, err := s.Touch(k("e"), 2*time.Hour)
			return effect{v, []core.Entry{entry(k("e"), core.StringValue("e1"), v, 2*time.Hour)}, nil}, err
		},
		func() (effect, error) {
			f := core.KVKey(other, "f")
			v, err := s.Put(f, core.StringValue("F"), 30*time.Minute)
			return effect{v, []core.Entry{entry(f, core.StringValue("F"), v, 30*time.Minute)}, nil}, err
		},
		func() (effect, error) {
			tx := s.Begin()
			if err := tx.Put(k("g"), core.StringValue("G"), 0); err != nil {
				return effect{}, err
			}
			if err := tx.Delete(k("h")); err != nil {
				return effect{}, err
			}
			v, err := tx.Commit()
			return effect{v, []core.Entry{entry(k("g"), core.StringValue("G"), v, 0)}, []core.Key{k("h")}}, err
		},
	}
	w := s.Watch(base)
	defer w.Close()
	s.holdFirstBatch(t, len(ops))
	effects := make([]effect, len(ops))
	var wg sync.WaitGroup
	for i, op := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := op()
			if err != nil {
				t.Errorf("op %d: %v", i, err)
			}
			effects[i] = e
		}()
	}
	wg.Wait()
	s.gc.gate = nil
	require.False(t, t.Failed())
	last := s.CurrentVersion()
	require.Equal(t, base+uint64(len(ops)), last)

	// One etcd revision holds the whole group.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	revs := map[int64]bool{}
	for v := base + 1; v <= last; v++ {
		resp, err := testCli.Get(ctx, s.l.commitKey(v))
		require.NoError(t, err)
		revs[resp.Kvs[0].ModRevision] = true
	}
	require.Len(t, revs, 1, "the group is one etcd transaction")

	// The watcher tells each commit's changes: it also gives the delete's
	// version, which Delete does not return.
	byVersion := map[uint64][]string{}
	for range ops {
		c, err := w.Next(ctx)
		require.NoError(t, err)
		for _, ch := range c.Changes {
			byVersion[c.Version] = append(byVersion[c.Version], ch.Op.String()+" "+ch.Key.String())
		}
	}
	for i := range effects {
		if len(effects[i].put) == 0 { // the delete
			for v, chs := range byVersion {
				if slices.Equal(chs, []string{"delete " + k("c").String()}) {
					effects[i].v = v
				}
			}
		}
	}
	slices.SortFunc(effects, func(a, b effect) int { return cmp.Compare(a.v, b.v) })
	for i, e := range effects {
		require.Equal(t, base+1+uint64(i), e.v, "versions are the next ones, one each")
		var want []string
		for _, p := range e.put {
			want = append(want, "put "+p.Key.String())
		}
		for _, d := range e.del {
			want = append(want, "delete "+d.String())
		}
		slices.Sort(want)
		got := byVersion[e.v]
		slices.Sort(got)
		require.Equal(t, want, got, "the changes of version %d", e.v)
		m.apply(e.v, e.put, e.del)
	}
	put(k("a"), "A3", 0) // a commit after the group
	last = s.CurrentVersion()

	keys := []core.Key{k("a"), k("b"), k("c"), k("d"), k("e"), k("g"), k("h"), core.KVKey(other, "f"),
		core.EventKey(ns, 1), core.EventKey(ns, 2), core.EventKey(ns, 3)}
	all := func(core.Key) bool { return true }
	for v := base - 1; v <= last; v++ {
		for _, key := range keys {
			got, err := s.GetVersioned(key, v)
			want, ok := m.hist[v][string(key.Encode())]
			if !ok {
				require.ErrorIs(t, err, core.ErrNotFound, "GetVersioned(%s, %d)", key, v)
				continue
			}
			require.NoError(t, err, "GetVersioned(%s, %d)", key, v)
			require.Equal(t, describe(want), describe(core.Entry{Key: key, Value: got}), "GetVersioned(%s, %d)", key, v)
		}
		es, err := s.ScanPrefix(core.NewKey(ns, core.TypeKV, nil), v)
		require.NoError(t, err)
		require.Equal(t, m.at(v, func(x core.Key) bool { return x.Namespace == ns && x.Type == core.TypeKV }), describeAll(es), "ScanPrefix at %d", v)
		es, err = s.ScanByRun(other.RunID, v)
		require.NoError(t, err)
		require.Equal(t, m.at(v, func(x core.Key) bool { return x.Namespace.RunID == other.RunID }), describeAll(es), "ScanByRun at %d", v)
		es, err = s.ScanByType(core.TypeEvent, v)
		require.NoError(t, err)
		require.Equal(t, m.at(v, func(x core.Key) bool { return x.Type == core.TypeEvent }), describeAll(es), "ScanByType at %d", v)

		sn, err := s.SnapshotAt(v)
		require.NoError(t, err)
		require.Equal(t, v, sn.Version())
		var fwd, rev []string
		for key, vv := range sn.Scan(core.AllKeys()) {
			fwd = append(fwd, describe(core.Entry{Key: key, Value: vv}))
		}
		for key, vv := range sn.Scan(core.AllKeys(), Reverse()) {
			rev = append(rev, describe(core.Entry{Key: key, Value: vv}))
		}
		require.NoError(t, sn.Err())
		require.Equal(t, m.at(v, all), fwd, "SnapshotAt(%d).Scan", v)
		slices.Reverse(rev)
		require.Equal(t, fwd, rev, "SnapshotAt(%d).Scan(Reverse)", v)
	}
}

// TestGroupCommitSplitsOverlaps: requests that read or write the same key
// never share a batch; each still gets its own version, in queue order.
func TestGroupCommitSplitsOverlaps(t *testing.T) {
	s := newStore(t)
	k := core.KVKey(testNS("g", 17), "same")
	const n = 6
	s.holdFirstBatch(t, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Put(k, core.Int64Value(int64(i)), 0); err != nil {
				t.Errorf("put %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, uint64(n), s.CurrentVersion())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	revs := map[int64]bool{}
	for v := uint64(1); v <= n; v++ {
		resp, err := testCli.Get(ctx, s.l.commitKey(v))
		require.NoError(t, err)
		revs[resp.Kvs[0].ModRevision] = true
		mark, err := decodeCommitMark(resp.Kvs[0].Value, v)
		require.NoError(t, err)
		require.False(t, mark.grouped(), "version %d shares a group", v)
	}
	require.Len(t, revs, n, "one etcd revision per write of one key")
}

// TestGroupCommitConcurrent: many writers of two Stores sharing a prefix
// (two processes), under -race: every acknowledged version is distinct, the
// versions are gapless, and each write reads back at its version.
func TestGroupCommitConcurrent(t *testing.T) {
	a := newStore(t)
	b := newStoreOn(t, testCli, a.Prefix())
	ns := testNS("g", 18)
	const writers, each = 16, 12
	type ack struct {
		key core.Key
		val int64
		v   uint64
	}
	acks := make(chan ack, writers*each)
	var wg sync.WaitGroup
	for w := range writers {
		s := []*Store{a, b}[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				key := core.KVKey(ns, fmt.Sprintf("k%d", (w*each+i)%20)) // shared keys too
				val := int64(w*1000 + i)
				v, err := s.Put(key, core.Int64Value(val), 0)
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				acks <- ack{key, val, v}
			}
		}()
	}
	wg.Wait()
	close(acks)
	seen := map[uint64]bool{}
	for ak := range acks {
		require.False(t, seen[ak.v], "version %d acknowledged twice", ak.v)
		seen[ak.v] = true
		got, err := a.GetVersioned(ak.key, ak.v)
		require.NoError(t, err)
		require.Equal(t, ak.val, got.Value.Int64(), "%s at %d", ak.key, ak.v)
		require.Equal(t, ak.v, got.Version)
	}
	require.Len(t, seen, writers*each)
	require.Equal(t, uint64(writers*each), a.CurrentVersion(), "gapless across both Stores")
}

// TestKnownGuessesAreChecked: a Store plans point writes on what it knows
// of its keys; a key it never read is a guess, checked in the commit's
// etcd transaction, and an error is never answered from a guess. Here b
// writes keys a has never seen, then a writes over them: the records, the
// index counts and the TTL index stay exact, and a's delete of a key it
// guessed absent finds it.
func TestKnownGuessesAreChecked(t *testing.T) {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	a := newStore(t, WithClock(clock))
	b := newStoreOn(t, testCli, a.Prefix(), WithClock(clock))
	ns := testNS("known", 19)
	x, y, z := core.KVKey(ns, "x"), core.KVKey(ns, "y"), core.KVKey(ns, "z")
	_, err := b.Put(x, core.StringValue("b's"), time.Hour)
	require.NoError(t, err)
	_, err = b.Put(z, core.StringValue("b's"), 0)
	require.NoError(t, err)
	_, err = a.Put(y, core.StringValue("a's"), 0) // a learns y and the counts, at b's last version
	require.NoError(t, err)
	_, err = a.Put(x, core.StringValue("a's"), 0) // a guesses x absent: wrong
	require.NoError(t, err)
	removed, err := a.Delete(z) // a guesses z absent: the delete must find it
	require.NoError(t, err)
	require.Equal(t, "b's", removed.Value.String())

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	count := func(key string) int64 {
		t.Helper()
		resp, err := testCli.Get(ctx, key)
		require.NoError(t, err)
		require.Len(t, resp.Kvs, 1, key)
		n, err := decodeCount(resp.Kvs[0].Value)
		require.NoError(t, err)
		return n
	}
	require.Equal(t, int64(2), count(a.l.runKey(ns)), "x and y")
	require.Equal(t, int64(2), count(a.l.typeKey(core.TypeKV, ns)))
	resp, err := testCli.Get(ctx, a.l.expiry, clientv3.WithPrefix(), clientv3.WithCountOnly())
	require.NoError(t, err)
	require.Zero(t, resp.Count, "the rewrite of x dropped its TTL index entry")
	got, err := b.Get(x)
	require.NoError(t, err)
	require.Equal(t, "a's", got.Value.String())
	require.Zero(t, got.TTL)
}
