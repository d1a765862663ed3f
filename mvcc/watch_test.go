package mvcc

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// wxDeadline bounds every wait of the watch tests. It is a deadline, never a
// pause: a test that meets it has hung.
const wxDeadline = 20 * time.Second

// wxNext returns the watcher's next commit, failing the test (naming what it
// waited for) when none arrives before the deadline or Next fails.
func wxNext(t testing.TB, w *Watcher, what string) core.Commit {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wxDeadline)
	defer cancel()
	c, err := w.Next(ctx)
	require.NoError(t, err, "waiting for %s", what)
	return c
}

// wxNothing asserts that the watcher has nothing to deliver now: Next on an
// already cancelled context returns context.Canceled instead of a commit.
func wxNothing(t testing.TB, w *Watcher, what string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, err := w.Next(ctx)
	require.ErrorIs(t, err, context.Canceled, "%s: got commit %d with %d changes", what, c.Version, len(c.Changes))
}

// wxResult is what a Next running in another goroutine returned.
type wxResult struct {
	c   core.Commit
	err error
}

// wxGo runs w.Next(ctx) in a goroutine and returns the channel its result
// arrives on.
func wxGo(ctx context.Context, w *Watcher) <-chan wxResult {
	out := make(chan wxResult, 1)
	go func() {
		c, err := w.Next(ctx)
		out <- wxResult{c, err}
	}()
	return out
}

// wxAwait returns the result of a Next started by wxGo, failing the test when
// it does not arrive before the deadline.
func wxAwait(t testing.TB, ch <-chan wxResult, what string) wxResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(wxDeadline):
		require.FailNow(t, "deadline passed", "waiting for %s", what)
		return wxResult{}
	}
}

// wxBlocked waits until n goroutines are parked inside Watcher.Next (in a
// select or on a lock), so that what the test does next happens while they
// wait. It polls the goroutine dump, yielding between polls.
func wxBlocked(t testing.TB, n int, what string) {
	t.Helper()
	deadline := time.Now().Add(wxDeadline)
	buf := make([]byte, 1<<20)
	for {
		got := 0
		m := runtime.Stack(buf, true)
		for _, g := range strings.Split(string(buf[:m]), "\n\n") {
			if strings.Contains(g, "mvcc.(*Watcher).Next(") &&
				(strings.Contains(g, "[select") || strings.Contains(g, "[sync.Mutex.Lock") || strings.Contains(g, "[semacquire") || strings.Contains(g, "[chan send")) {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			require.FailNow(t, "deadline passed", "waiting for %d goroutines blocked in Next (%s); %d are", n, what, got)
		}
		runtime.Gosched()
	}
}

// wxChange describes a delivered change compactly: "op key=value@version".
func wxChange(c core.Change) string {
	return fmt.Sprintf("%s %s=%s@%d", c.Op, c.Key, c.Value.Value, c.Value.Version)
}

// wxChanges describes a commit's changes.
func wxChanges(c core.Commit) []string {
	out := make([]string, len(c.Changes))
	for i, ch := range c.Changes {
		out[i] = wxChange(ch)
	}
	return out
}

// wxPut stores a string value and returns its version.
func wxPut(t testing.TB, s *Store, k core.Key, v string, ttl time.Duration) uint64 {
	t.Helper()
	ver, err := s.Put(k, core.StringValue(v), ttl)
	require.NoError(t, err)
	return ver
}

func TestWatchDeliversEveryCommitInOrder(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("acme", "triage", 1)
	w := s.Watch(0)
	defer w.Close()

	v1 := wxPut(t, s, core.KVKey(ns, "a"), "1", 0)
	clk.Advance(time.Second)
	v2 := wxPut(t, s, core.KVKey(ns, "b"), "2", 0)

	c := wxNext(t, w, "the first put")
	require.Equal(t, v1, c.Version)
	require.Equal(t, fxStart, c.Time)
	require.Len(t, c.Changes, 1)
	require.True(t, c.Changes[0].Key.Equal(core.KVKey(ns, "a")))
	require.Equal(t, core.ChangePut, c.Changes[0].Op)
	fxRequireVV(t, core.VersionedValue{Value: core.StringValue("1"), Version: v1, Timestamp: fxStart}, c.Changes[0].Value)

	c = wxNext(t, w, "the second put")
	require.Equal(t, v2, c.Version)
	require.Equal(t, fxStart.Add(time.Second), c.Time)
	require.Equal(t, []string{"put " + core.KVKey(ns, "b").String() + "=2@2"}, wxChanges(c))
	wxNothing(t, w, "after the two puts")
}

// TestWatchOps checks the op and value of each kind of write: puts,
// compare-and-swap, Touch and Append are ChangePut with the value written;
// deletes are ChangeDelete with the value removed; removals of expired
// values by RemoveExpired, Expire and DeletePrefix are ChangeExpire.
func TestWatchOps(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("acme", "triage", 1)
	other := fxNS("acme", "triage", 2)
	ka, kb, kc := core.KVKey(ns, "a"), core.KVKey(ns, "b"), core.KVKey(ns, "c")
	w := s.Watch(core.Latest)
	defer w.Close()
	expect := func(what string, op core.ChangeOp, k core.Key, vv core.VersionedValue) {
		t.Helper()
		c := wxNext(t, w, what)
		require.Len(t, c.Changes, 1, "%s: %v", what, wxChanges(c))
		ch := c.Changes[0]
		require.Equal(t, op, ch.Op, what)
		require.True(t, ch.Key.Equal(k), "%s: key %s, want %s", what, ch.Key, k)
		fxRequireVV(t, vv, ch.Value, what)
	}
	at := func(v string, ver uint64, ttl time.Duration) core.VersionedValue {
		return core.VersionedValue{Value: core.StringValue(v), Version: ver, Timestamp: clk.Now(), TTL: ttl}
	}

	v := wxPut(t, s, ka, "a1", 0)
	put1 := at("a1", v, 0)
	expect("Put", core.ChangePut, ka, put1)

	v, err := s.CompareAndSwap(ka, v, core.StringValue("a2"), time.Minute)
	require.NoError(t, err)
	casA := at("a2", v, time.Minute)
	expect("CompareAndSwap", core.ChangePut, ka, casA)

	clk.Advance(10 * time.Second)
	v, err = s.Touch(ka, time.Hour)
	require.NoError(t, err)
	touched := at("a2", v, time.Hour)
	expect("Touch", core.ChangePut, ka, touched)

	key, v, err := s.Append(ns, core.StringValue("e1"), 0)
	require.NoError(t, err)
	require.True(t, key.Equal(core.EventKey(ns, 1)))
	expect("Append", core.ChangePut, key, at("e1", v, 0))

	old, err := s.Delete(ka)
	require.NoError(t, err)
	fxRequireVV(t, touched, old)
	expect("Delete", core.ChangeDelete, ka, touched)

	v = wxPut(t, s, kb, "b1", 0)
	b1 := at("b1", v, 0)
	expect("Put b", core.ChangePut, kb, b1)
	require.NoError(t, s.CompareAndDelete(kb, v))
	expect("CompareAndDelete", core.ChangeDelete, kb, b1)

	// Expired values: RemoveExpired, Expire and DeletePrefix take them as
	// ChangeExpire, with the value removed.
	v = wxPut(t, s, kc, "c1", time.Second)
	c1 := at("c1", v, time.Second)
	expect("Put c with a TTL", core.ChangePut, kc, c1)
	clk.Advance(2 * time.Second)
	res, err := s.RemoveExpired(s.FindExpired(s.Now(), 0))
	require.NoError(t, err)
	require.Equal(t, 1, res.Removed)
	expect("RemoveExpired", core.ChangeExpire, kc, c1)

	v = wxPut(t, s, kc, "c2", time.Second)
	c2 := at("c2", v, time.Second)
	expect("Put c again", core.ChangePut, kc, c2)
	clk.Advance(2 * time.Second)
	res, err = s.Expire(0)
	require.NoError(t, err)
	require.Equal(t, 1, res.Removed)
	expect("Expire", core.ChangeExpire, kc, c2)

	// DeletePrefix: a live value is ChangeDelete, an expired one not yet
	// removed is ChangeExpire, in one commit, in key order.
	ko1, ko2 := core.KVKey(other, "x"), core.KVKey(other, "y")
	v = wxPut(t, s, ko1, "x", time.Second)
	x := at("x", v, time.Second)
	wxNext(t, w, "Put x")
	clk.Advance(2 * time.Second)
	v = wxPut(t, s, ko2, "y", 0)
	y := at("y", v, 0)
	wxNext(t, w, "Put y")
	n, v, err := s.DeletePrefix(core.NamespacePrefix(other))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	c := wxNext(t, w, "DeletePrefix")
	require.Equal(t, v, c.Version)
	require.Len(t, c.Changes, 2, "%v", wxChanges(c))
	require.Equal(t, core.ChangeExpire, c.Changes[0].Op)
	require.True(t, c.Changes[0].Key.Equal(ko1))
	fxRequireVV(t, x, c.Changes[0].Value)
	require.Equal(t, core.ChangeDelete, c.Changes[1].Op)
	require.True(t, c.Changes[1].Key.Equal(ko2))
	fxRequireVV(t, y, c.Changes[1].Value)

	// Writes that change nothing assign no version and deliver nothing.
	_, _, err = s.DeletePrefix(core.NamespacePrefix(other))
	require.NoError(t, err)
	_, err = s.Delete(ka)
	require.ErrorIs(t, err, core.ErrNotFound)
	res, err = s.Expire(0)
	require.NoError(t, err)
	require.Zero(t, res.Removed)
	wxNothing(t, w, "after writes that changed nothing")
}

// TestWatchTransaction checks that a transaction's writes arrive as one
// commit, at its version, in key order whatever order they were made in.
func TestWatchTransaction(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("acme", "triage", 1)
	wxPut(t, s, core.KVKey(ns, "gone"), "x", 0)
	w := s.Watch(core.Latest)
	defer w.Close()

	v, err := s.Update(func(tx *Txn) error {
		for _, name := range []string{"m", "z", "a", "k"} {
			if err := tx.Put(core.KVKey(ns, name), core.StringValue(name), 0); err != nil {
				return err
			}
		}
		if _, err := tx.Append(ns, core.StringValue("e"), 0); err != nil {
			return err
		}
		return tx.Delete(core.KVKey(ns, "gone"))
	})
	require.NoError(t, err)
	c := wxNext(t, w, "the transaction's commit")
	require.Equal(t, v, c.Version)
	want := []string{
		"put " + core.EventKey(ns, 1).String() + "=e@2",
		"put " + core.KVKey(ns, "a").String() + "=a@2",
		"delete " + core.KVKey(ns, "gone").String() + "=x@1",
		"put " + core.KVKey(ns, "k").String() + "=k@2",
		"put " + core.KVKey(ns, "m").String() + "=m@2",
		"put " + core.KVKey(ns, "z").String() + "=z@2",
	}
	got := wxChanges(c)
	require.Len(t, got, len(want))
	for i := 1; i < len(c.Changes); i++ {
		require.Negative(t, c.Changes[i-1].Key.Compare(c.Changes[i].Key), "changes not in key order: %v", got)
	}
	require.ElementsMatch(t, want, got)
	wxNothing(t, w, "after the transaction")
}

// TestWatchFilters checks WatchPrefix at every level, WatchRun, and several
// options (a change matches when any does): a commit without a matching
// change is skipped, one with several is delivered with exactly those.
func TestWatchFilters(t *testing.T) {
	s, _ := fxStore()
	r1, r2, r3 := fxRun(1), fxRun(2), fxRun(3)
	nsA := core.Namespace{Tenant: "t1", App: "app", Agent: "planner", RunID: r1}
	nsB := core.Namespace{Tenant: "t1", App: "app", Agent: "worker", RunID: r1} // same run, other agent
	nsC := core.Namespace{Tenant: "t1", App: "other", Agent: "planner", RunID: r2}
	nsD := core.Namespace{Tenant: "t2", App: "app", Agent: "planner", RunID: r3}
	nsE := core.Namespace{Tenant: "t1x", App: "app", Agent: "planner", RunID: r1} // a tenant name extending t1
	keys := []core.Key{
		core.KVKey(nsA, "task/1"), core.KVKey(nsA, "note"), core.StateKey(nsA, "task/1"),
		core.KVKey(nsB, "task/1"), core.KVKey(nsC, "task/1"), core.KVKey(nsD, "task/1"),
		core.KVKey(nsE, "task/1"),
	}

	cases := []struct {
		name string
		opts []WatchOption
		want func(core.Key) bool
	}{
		{"none", nil, func(core.Key) bool { return true }},
		{"AllKeys", []WatchOption{WatchPrefix(core.AllKeys())}, func(core.Key) bool { return true }},
		{"Tenant", []WatchOption{WatchPrefix(core.TenantPrefix("t1"))}, func(k core.Key) bool { return k.Namespace.Tenant == "t1" }},
		{"App", []WatchOption{WatchPrefix(core.AppPrefix("t1", "app"))}, func(k core.Key) bool { return k.Namespace.Tenant == "t1" && k.Namespace.App == "app" }},
		{"Agent", []WatchOption{WatchPrefix(core.AgentPrefix("t1", "app", "planner"))}, func(k core.Key) bool {
			return k.Namespace.Tenant == "t1" && k.Namespace.App == "app" && k.Namespace.Agent == "planner"
		}},
		{"Namespace", []WatchOption{WatchPrefix(core.NamespacePrefix(nsB))}, func(k core.Key) bool { return k.Namespace == nsB }},
		{"Key", []WatchOption{WatchPrefix(core.KeyPrefix(core.KVKey(nsA, "task/")))}, func(k core.Key) bool {
			return k.HasPrefix(core.KVKey(nsA, "task/"))
		}},
		{"Run", []WatchOption{WatchRun(r1)}, func(k core.Key) bool { return k.Namespace.RunID == r1 }},
		{"Run+Tenant", []WatchOption{WatchRun(r2), WatchPrefix(core.TenantPrefix("t2"))}, func(k core.Key) bool {
			return k.Namespace.RunID == r2 || k.Namespace.Tenant == "t2"
		}},
		{"two prefixes", []WatchOption{WatchPrefix(core.NamespacePrefix(nsC)), nil, WatchPrefix(core.KeyPrefix(core.StateKey(nsA, "")))}, func(k core.Key) bool {
			return k.Namespace == nsC || (k.Namespace == nsA && k.Type == core.TypeStateMachine)
		}},
		{"unmatched run", []WatchOption{WatchRun(fxRun(9))}, func(core.Key) bool { return false }},
	}
	watchers := make([]*Watcher, len(cases))
	for i, tc := range cases {
		watchers[i] = s.Watch(core.Latest, tc.opts...)
		defer watchers[i].Close()
	}

	// One commit per key, then one commit with every key.
	var commits [][]core.Key
	for i, k := range keys {
		wxPut(t, s, k, fmt.Sprint(i), 0)
		commits = append(commits, []core.Key{k})
	}
	_, err := s.Update(func(tx *Txn) error {
		for _, k := range keys {
			if err := tx.Put(k, core.StringValue("all"), 0); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	sorted := append([]core.Key(nil), keys...)
	sortKeys(sorted)
	commits = append(commits, sorted)

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := watchers[i]
			for ci, ck := range commits {
				var want []string
				for _, k := range ck {
					if tc.want(k) {
						want = append(want, k.String())
					}
				}
				if len(want) == 0 {
					continue
				}
				c := wxNext(t, w, fmt.Sprintf("commit %d", ci+1))
				require.Equal(t, uint64(ci+1), c.Version, "commit with a match skipped or one without delivered")
				var got []string
				for _, ch := range c.Changes {
					got = append(got, ch.Key.String())
				}
				require.Equal(t, want, got, "commit %d", ci+1)
			}
			wxNothing(t, w, "after the last matching commit")
		})
	}
}

// sortKeys sorts keys in key order.
func sortKeys(ks []core.Key) {
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j].Compare(ks[j-1]) < 0; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
}

func TestWatchInvalidPrefix(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("acme", "triage", 1)
	w := s.Watch(0, WatchPrefix(core.KeyPrefix(core.Key{Namespace: ns, Type: core.TypeTag(200)})))
	defer w.Close()
	wxPut(t, s, core.KVKey(ns, "a"), "1", 0)
	_, err := w.Next(context.Background())
	require.ErrorIs(t, err, core.ErrInvalidKey)
	_, err = w.Next(context.Background())
	require.ErrorIs(t, err, core.ErrInvalidKey, "the error stays")
}

// TestWatchCopies checks that what Next hands out is the caller's: changing
// a delivered user key or bytes changes neither the store nor what another
// watcher, or a later Next, gets.
func TestWatchCopies(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("acme", "triage", 1)
	uk := []byte("key")
	in := []byte("value")
	w1 := s.Watch(0)
	defer w1.Close()
	_, err := s.Put(core.NewKey(ns, core.TypeKV, uk), core.BytesValue(in), 0)
	require.NoError(t, err)
	uk[0], in[0] = 'X', 'X' // the caller's slices are not the store's

	c := wxNext(t, w1, "the put")
	k := c.Changes[0].Key
	require.Equal(t, "key", string(k.UserKey))
	k.UserKey[0] = 'Y'
	b := c.Changes[0].Value.Value.Bytes()
	require.Equal(t, "value", string(b))
	b[0] = 'Y'

	// Another watcher over the same record, and the store, see the original.
	w2 := s.Watch(0)
	defer w2.Close()
	c2 := wxNext(t, w2, "the put, again")
	require.Equal(t, "key", string(c2.Changes[0].Key.UserKey))
	require.Equal(t, "value", string(c2.Changes[0].Value.Value.Bytes()))
	got, err := s.Get(core.NewKey(ns, core.TypeKV, []byte("key")))
	require.NoError(t, err)
	require.Equal(t, "value", string(got.Value.Bytes()))

	// Two changes of one namespace in one commit do not share a user key.
	_, err = s.Update(func(tx *Txn) error {
		_ = tx.Put(core.KVKey(ns, "p"), core.StringValue("1"), 0)
		return tx.Put(core.KVKey(ns, "q"), core.StringValue("2"), 0)
	})
	require.NoError(t, err)
	c = wxNext(t, w1, "the transaction")
	c.Changes[0].Key.UserKey[0] = 'Z'
	require.Equal(t, "q", string(c.Changes[1].Key.UserKey))
}

// TestWatchLatestAndFuture checks the starting point: core.Latest is the
// current version; an after above it waits for that version.
func TestWatchLatestAndFuture(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("acme", "triage", 1)
	for i := range 3 {
		wxPut(t, s, core.KVKey(ns, fmt.Sprint(i)), "x", 0)
	}
	latest := s.Watch(core.Latest)
	defer latest.Close()
	future := s.Watch(5)
	defer future.Close()
	all := s.Watch(0)
	defer all.Close()
	wxNothing(t, latest, "Watch(Latest) before any new commit")
	wxNothing(t, future, "Watch(5) at version 3")

	for i := 3; i < 7; i++ {
		wxPut(t, s, core.KVKey(ns, fmt.Sprint(i)), "x", 0)
	}
	for v := uint64(4); v <= 7; v++ {
		require.Equal(t, v, wxNext(t, latest, fmt.Sprintf("version %d from Latest", v)).Version)
	}
	require.Equal(t, uint64(6), wxNext(t, future, "version 6 from Watch(5)").Version)
	require.Equal(t, uint64(7), wxNext(t, future, "version 7 from Watch(5)").Version)
	for v := uint64(1); v <= 7; v++ {
		require.Equal(t, v, wxNext(t, all, fmt.Sprintf("version %d from Watch(0)", v)).Version)
	}

	// A Next already waiting for a future version gets it when it commits.
	far := s.Watch(8)
	defer far.Close()
	got := wxGo(context.Background(), far)
	wxBlocked(t, 1, "Watch(8) at version 7")
	wxPut(t, s, core.KVKey(ns, "8"), "x", 0)
	select {
	case r := <-got:
		require.FailNow(t, "Next returned before version 9", "got %d, %v", r.c.Version, r.err)
	default:
	}
	wxPut(t, s, core.KVKey(ns, "9"), "x", 0)
	r := wxAwait(t, got, "version 9 for a Next waiting on Watch(8)")
	require.NoError(t, r.err)
	require.Equal(t, uint64(9), r.c.Version)
}

// TestWatchStartVersion checks a store that starts above 0: the versions
// before its start were never retained.
func TestWatchStartVersion(t *testing.T) {
	s, _ := fxStore(WithStartVersion(100))
	ns := fxNS("acme", "triage", 1)
	w := s.Watch(core.Latest)
	defer w.Close()
	old := s.Watch(0)
	defer old.Close()
	wxPut(t, s, core.KVKey(ns, "a"), "x", 0)
	require.Equal(t, uint64(101), wxNext(t, w, "version 101").Version)
	_, err := old.Next(context.Background())
	require.ErrorIs(t, err, core.ErrCompacted)
}

// TestWatchCompacted checks that a watcher behind the window gets
// ErrCompacted, for good, even once it would be able to read again; and
// that the documented resume (Snapshot, then Watch at its version) works.
func TestWatchCompacted(t *testing.T) {
	s, _ := fxStore(WithHistory(4))
	ns := fxNS("acme", "triage", 1)
	w := s.Watch(0)
	defer w.Close()
	wxPut(t, s, core.KVKey(ns, "0"), "x", 0)
	require.Equal(t, uint64(1), wxNext(t, w, "version 1").Version)
	for i := 1; i < 10; i++ {
		wxPut(t, s, core.KVKey(ns, fmt.Sprint(i)), "x", 0)
	}
	// The window holds versions 5..9 (4 past and the current): 2 is gone.
	_, err := w.Next(context.Background())
	require.ErrorIs(t, err, core.ErrCompacted)
	_, err = w.Next(context.Background())
	require.ErrorIs(t, err, core.ErrCompacted, "ErrCompacted stays")
	w.Close()
	_, err = w.Next(context.Background())
	require.ErrorIs(t, err, core.ErrClosed, "Close wins over ErrCompacted")

	// The oldest kept version's commit is still delivered; the one before is not.
	edge := s.Watch(5)
	defer edge.Close()
	require.Equal(t, uint64(6), wxNext(t, edge, "version 6, the oldest past version's successor").Version)
	gone := s.Watch(4)
	defer gone.Close()
	_, err = gone.Next(context.Background())
	require.ErrorIs(t, err, core.ErrCompacted)

	snap := s.Snapshot()
	resumed := s.Watch(snap.Version())
	defer resumed.Close()
	wxNothing(t, resumed, "the resumed watcher before new commits")
	v := wxPut(t, s, core.KVKey(ns, "next"), "x", 0)
	require.Equal(t, v, wxNext(t, resumed, "the first commit after the resume").Version)
}

// TestWatchNoHistory documents what WithHistory(0) gives: only the current
// state's commit records are reachable, so a watcher that reads each commit
// before the next publish sees them all; once one publish passes it by, it
// gets ErrCompacted. A group commit publishes several versions at once: all
// of them are the current state's and are delivered.
func TestWatchNoHistory(t *testing.T) {
	s, _ := fxStore(WithHistory(0))
	ns := fxNS("acme", "triage", 1)
	w := s.Watch(core.Latest)
	defer w.Close()
	for i := range 5 {
		v := wxPut(t, s, core.KVKey(ns, fmt.Sprint(i)), "x", 0)
		require.Equal(t, v, wxNext(t, w, fmt.Sprintf("put %d with history off", i)).Version)
	}
	wxPut(t, s, core.KVKey(ns, "a"), "x", 0)
	wxPut(t, s, core.KVKey(ns, "b"), "x", 0)
	_, err := w.Next(context.Background())
	require.ErrorIs(t, err, core.ErrCompacted, "one publish behind with history off")
}

func TestWatchCloseAndContext(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("acme", "triage", 1)

	t.Run("Close unblocks a waiting Next", func(t *testing.T) {
		w := s.Watch(core.Latest)
		got := wxGo(context.Background(), w)
		wxBlocked(t, 1, "a Next with nothing to deliver")
		w.Close()
		r := wxAwait(t, got, "Next to return after Close")
		require.ErrorIs(t, r.err, core.ErrClosed)
		_, err := w.Next(context.Background())
		require.ErrorIs(t, err, core.ErrClosed, "Next after Close")
		w.Close() // twice: no panic
	})

	t.Run("Close before a commit is read", func(t *testing.T) {
		w := s.Watch(core.Latest)
		wxPut(t, s, core.KVKey(ns, "a"), "x", 0)
		w.Close()
		_, err := w.Next(context.Background())
		require.ErrorIs(t, err, core.ErrClosed)
	})

	t.Run("Close concurrently with Next and Close", func(t *testing.T) {
		for range 50 {
			w := s.Watch(core.Latest)
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 2 {
				wg.Add(2)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(context.Background(), wxDeadline)
					defer cancel()
					_, err := w.Next(ctx)
					errs <- err
				}()
				go func() {
					defer wg.Done()
					w.Close()
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.ErrorIs(t, err, core.ErrClosed)
			}
		}
		require.Zero(t, s.watchers.Load(), "no Next still counted as waiting")
	})

	t.Run("a cancelled context ends Next with ctx.Err()", func(t *testing.T) {
		w := s.Watch(core.Latest)
		defer w.Close()
		ctx, cancel := context.WithCancel(context.Background())
		got := wxGo(ctx, w)
		wxBlocked(t, 1, "a Next on a context about to be cancelled")
		cancel()
		r := wxAwait(t, got, "Next to return after cancel")
		require.ErrorIs(t, r.err, context.Canceled)
		require.Equal(t, context.Canceled, r.err, "ctx.Err() itself")

		dctx, dcancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
		defer dcancel()
		_, err := w.Next(dctx)
		require.Equal(t, context.DeadlineExceeded, err)

		// The watcher still works afterwards.
		v := wxPut(t, s, core.KVKey(ns, "b"), "x", 0)
		require.Equal(t, v, wxNext(t, w, "a commit after a cancelled Next").Version)
	})

	t.Run("nil context", func(t *testing.T) {
		w := s.Watch(0)
		defer w.Close()
		//lint:ignore SA1012 a nil context is the bad input under test
		_, err := w.Next(nil) //nolint:staticcheck
		require.ErrorIs(t, err, core.ErrInvalidArgument)
	})

	t.Run("nil options", func(t *testing.T) {
		w := s.Watch(core.Latest, nil, nil)
		defer w.Close()
		v := wxPut(t, s, core.KVKey(ns, "c"), "x", 0)
		require.Equal(t, v, wxNext(t, w, "a commit with nil options").Version)
	})
}

// TestWatchNextHonoursContextWhileAnotherWaits checks the contract of Next
// for a second caller: while one Next waits, another Next on the same
// watcher still ends at its context's end, and at Close.
func TestWatchNextHonoursContextWhileAnotherWaits(t *testing.T) {
	s, _ := fxStore()
	w := s.Watch(core.Latest)
	first := wxGo(context.Background(), w)
	wxBlocked(t, 1, "the first Next")

	ctx, cancel := context.WithCancel(context.Background())
	second := wxGo(ctx, w)
	wxBlocked(t, 2, "the second Next behind the first")
	cancel()
	r := wxAwait(t, second, "the second Next to end with its context")
	require.ErrorIs(t, r.err, context.Canceled)

	third := wxGo(context.Background(), w)
	wxBlocked(t, 2, "a third Next behind the first")
	w.Close()
	require.ErrorIs(t, wxAwait(t, first, "the first Next after Close").err, core.ErrClosed)
	require.ErrorIs(t, wxAwait(t, third, "the third Next after Close").err, core.ErrClosed)
}

// TestWatchErrorsWrap checks the sentinels behind Next's errors.
func TestWatchErrorsWrap(t *testing.T) {
	s, _ := fxStore(WithHistory(1))
	w := s.Watch(0)
	ns := fxNS("acme", "triage", 1)
	for i := range 3 {
		wxPut(t, s, core.KVKey(ns, fmt.Sprint(i)), "x", 0)
	}
	_, err := w.Next(context.Background())
	require.True(t, errors.Is(err, core.ErrCompacted), "%v", err)
	require.Contains(t, err.Error(), "version 1")
	w.Close()
	_, err = w.Next(context.Background())
	require.True(t, errors.Is(err, core.ErrClosed), "%v", err)
}

// TestWatchIdleWatchersCostWritersNothing checks that open watchers that are
// not reading add no allocation to a write: publishes wake only waiting
// Nexts.
func TestWatchIdleWatchersCostWritersNothing(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("acme", "triage", 1)
	k := core.KVKey(ns, "a")
	v := core.StringValue("x")
	put := func() {
		if _, err := s.Put(k, v, 0); err != nil {
			t.Fatal(err)
		}
	}
	// The mean over many puts, not testing.AllocsPerRun's whole number:
	// under -race sync.Pool drops items at random, so a put's allocations
	// vary, and a mean near a half would round either way.
	allocsPerPut := func() float64 {
		const n = 2000
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range n {
			put()
		}
		runtime.ReadMemStats(&after)
		return float64(after.Mallocs-before.Mallocs) / n
	}
	put()
	without := allocsPerPut()
	for range 100 {
		w := s.Watch(core.Latest)
		defer w.Close()
	}
	signal := s.notify.Load()
	with := allocsPerPut()
	// Allow less than one allocation of difference (a wake costs two).
	require.InDelta(t, without, with, 0.5, "allocations per put without and with 100 idle watchers")
	require.Same(t, signal, s.notify.Load(), "a put with only idle watchers woke no one")
	require.Zero(t, s.watchers.Load(), "idle watchers are not waiting")

	// A waiting Next is woken: the signal is replaced.
	w := s.Watch(core.Latest)
	defer w.Close()
	got := wxGo(context.Background(), w)
	wxBlocked(t, 1, "a Next waiting for the next put")
	put()
	require.NoError(t, wxAwait(t, got, "the put's commit").err)
	require.NotSame(t, signal, s.notify.Load(), "the put woke the waiting Next")
}
