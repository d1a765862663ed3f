package mvcc

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/proptest"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Names that share leading characters and hold the bytes the key encoding
// escapes or terminates with, so that a prefix scan that stops or starts one
// byte off shows up.
var (
	qxTenants  = []string{"a", "ab", "a\x00", "b"}
	qxApps     = []string{"x", "x\x00", "x\x01"}
	qxAgents   = []string{"g", "g\x01", "g\xff", "\xff"}
	qxRuns     = []core.RunID{fxRun(0), fxRun(1), fxRun(0xff)}
	qxUserKeys = []string{"", "k", "k\x00", "k\xff", "kk", "\xff", "\x00\x00\x00\x00\x00\x00\x00\x01", "\x00\x00\x00\x00\x00\x00\x01\x00"}
)

// qxPrefix describes a prefix independently of core.Prefix: its level (0
// AllKeys ... 5 KeyPrefix) and the fields it fixes. match is the brute-force
// filter the scans are checked against.
type qxPrefix struct {
	level int
	key   core.Key
}

func (q qxPrefix) prefix() core.Prefix {
	n := q.key.Namespace
	switch q.level {
	case 0:
		return core.AllKeys()
	case 1:
		return core.TenantPrefix(n.Tenant)
	case 2:
		return core.AppPrefix(n.Tenant, n.App)
	case 3:
		return core.AgentPrefix(n.Tenant, n.App, n.Agent)
	case 4:
		return core.NamespacePrefix(n)
	default:
		return core.KeyPrefix(q.key)
	}
}

func (q qxPrefix) match(k core.Key) bool {
	n, m := q.key.Namespace, k.Namespace
	switch q.level {
	case 0:
		return true
	case 1:
		return m.Tenant == n.Tenant
	case 2:
		return m.Tenant == n.Tenant && m.App == n.App
	case 3:
		return m.Tenant == n.Tenant && m.App == n.App && m.Agent == n.Agent
	case 4:
		return m == n
	default:
		return m == n && k.Type == q.key.Type && bytes.HasPrefix(k.UserKey, q.key.UserKey)
	}
}

func (q qxPrefix) String() string { return fmt.Sprintf("level %d %q", q.level, q.prefix().String()) }

// qxKeyGen draws a key from the pools.
var qxKeyGen = rapid.Custom(func(t *rapid.T) core.Key {
	ns := core.Namespace{
		Tenant: rapid.SampledFrom(qxTenants).Draw(t, "tenant"),
		App:    rapid.SampledFrom(qxApps).Draw(t, "app"),
		Agent:  rapid.SampledFrom(qxAgents).Draw(t, "agent"),
		RunID:  rapid.SampledFrom(qxRuns).Draw(t, "run"),
	}
	typ := core.TypeTag(rapid.IntRange(0, 5).Draw(t, "type"))
	return core.NewKey(ns, typ, []byte(rapid.SampledFrom(qxUserKeys).Draw(t, "userkey")))
})

// qxPrefixGen draws a prefix at any level: its fields come from a drawn key,
// so some match stored keys and some match nothing.
var qxPrefixGen = rapid.Custom(func(t *rapid.T) qxPrefix {
	q := qxPrefix{level: rapid.IntRange(0, 5).Draw(t, "level"), key: qxKeyGen.Draw(t, "prefix key")}
	if q.level == 5 && rapid.Bool().Draw(t, "shorten user key") && len(q.key.UserKey) > 0 {
		q.key.UserKey = q.key.UserKey[:len(q.key.UserKey)-1]
	}
	return q
})

// Extreme cursors: below every key and above every key of the pools.
var (
	qxMinKey = core.Key{}
	qxMaxKey = core.NewKey(core.Namespace{Tenant: "\xff\xff\xff", App: "\xff", Agent: "\xff", RunID: fxRun(0xff)}, core.TypeVector, []byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff"))
)

// qxLive returns the live entries of the model now, in key order.
func qxLive(m *proptest.Model) []core.Entry { return fxCollect(m.Snapshot().All()) }

// qxExpect applies the scan options to the brute-force result of a forward
// scan: the entries strictly after the cursor in the scan's direction, at
// most limit of them.
func qxExpect(all []core.Entry, reverse bool, after *core.Key, limit int) []core.Entry {
	var out []core.Entry
	for _, e := range all {
		if after == nil || (!reverse && e.Key.Compare(*after) > 0) || (reverse && e.Key.Compare(*after) < 0) {
			out = append(out, e)
		}
	}
	if reverse {
		slices.Reverse(out)
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// qxOpts builds the options qxExpect models.
func qxOpts(reverse bool, after *core.Key, limit int, extra ...ScanOption) []ScanOption {
	opts := append([]ScanOption(nil), extra...)
	if reverse {
		opts = append(opts, Reverse())
	}
	if after != nil {
		opts = append(opts, After(*after))
	}
	if limit != 0 {
		opts = append(opts, Limit(limit))
	}
	return opts
}

// qxRequire fails t unless got holds want's keys and values in order. It
// takes a require.TestingT so that rapid's T can use it.
func qxRequire(t require.TestingT, want, got []core.Entry, msgAndArgs ...any) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	if fxEqualEntries(want, got) {
		return
	}
	require.Equal(t, fxKeys(want), fxKeys(got), msgAndArgs...)
	for i := range want {
		if !fxEqualVV(want[i].Value, got[i].Value) {
			require.Fail(t, fmt.Sprintf("entry %d (%s): want %v, got %v", i, want[i].Key, want[i].Value, got[i].Value), msgAndArgs...)
		}
	}
}

// qxBuild fills a store with random writes, deletes, expiries and removals
// on a manual clock, makes the same changes on the model (proptest.Model),
// which must answer as the store does, and returns both, the keys ever
// written and the snapshot to scan.
func qxBuild(t *rapid.T) (*Store, *proptest.Model, []core.Key, *Snapshot) {
	s, clk := fxStore()
	m := proptest.NewModel(clk)
	var touched []core.Key
	for i := range rapid.IntRange(0, 60).Draw(t, "ops") {
		k := qxKeyGen.Draw(t, "key")
		switch rapid.IntRange(0, 9).Draw(t, "op") {
		case 0, 1:
			_, err := s.Delete(k)
			_, wantErr := m.Delete(k)
			if wantErr != nil {
				require.ErrorIs(t, err, core.ErrNotFound)
			} else {
				require.NoError(t, err)
			}
		case 2:
			clk.Advance(time.Duration(rapid.IntRange(1, 20).Draw(t, "advance")) * time.Second)
		case 3:
			res, err := s.Expire(0)
			require.NoError(t, err)
			want, _ := m.Expire(0)
			require.Equal(t, want, res)
		default:
			ttl := time.Duration(rapid.SampledFrom([]int{0, 0, 5, 15}).Draw(t, "ttl")) * time.Second
			v, err := s.Put(k, core.Int64Value(int64(i)), ttl)
			require.NoError(t, err)
			want, _ := m.Put(k, core.Int64Value(int64(i)), ttl)
			require.Equal(t, want, v)
			touched = append(touched, k)
		}
	}
	// Scan a bit later, so that some values have expired but are still stored.
	clk.Advance(time.Duration(rapid.IntRange(0, 10).Draw(t, "final advance")) * time.Second)
	return s, m, touched, s.Snapshot()
}

// TestScanPrefixLevelsMatchBruteForce checks every prefix level, AllKeys
// included, against a filter over all keys, forward and reverse, with
// limits and cursors at every position: each stored key, keys never stored,
// and cursors before and after the range.
func TestScanPrefixLevelsMatchBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, m, touched, sn := qxBuild(t)
		all := qxLive(m)
		prefixes := []qxPrefix{{level: 0}}
		for range 3 {
			prefixes = append(prefixes, qxPrefixGen.Draw(t, "prefix"))
		}
		// Every level over a key that is stored, so that no level is only
		// ever checked on empty ranges.
		if len(all) > 0 {
			k := all[rapid.IntRange(0, len(all)-1).Draw(t, "stored key")].Key
			for level := 1; level <= 5; level++ {
				prefixes = append(prefixes, qxPrefix{level: level, key: k})
			}
		}
		cursors := append([]core.Key{qxMinKey, qxMaxKey, qxKeyGen.Draw(t, "cursor")}, touched...)
		for _, q := range prefixes {
			p := q.prefix()
			want := fxFilter(all, q.match)
			qxRequire(t, want, fxCollect(sn.Scan(p)), "Scan %s", q)
			qxRequire(t, want, fxCollect(s.Scan(p)), "Store.Scan %s", q)
			qxRequire(t, qxExpect(want, true, nil, 0), fxCollect(sn.Scan(p, Reverse())), "reverse %s", q)
			for _, limit := range []int{-1, 1, 2, len(want)} {
				for _, rev := range []bool{false, true} {
					qxRequire(t, qxExpect(want, rev, nil, limit), fxCollect(sn.Scan(p, qxOpts(rev, nil, limit)...)), "%s reverse %v limit %d", q, rev, limit)
				}
			}
			for _, c := range cursors {
				for _, rev := range []bool{false, true} {
					limit := rapid.IntRange(0, 3).Draw(t, "cursor limit")
					got := fxCollect(sn.Scan(p, qxOpts(rev, &c, limit)...))
					qxRequire(t, qxExpect(want, rev, &c, limit), got, "%s reverse %v after %s limit %d", q, rev, c, limit)
				}
			}
		}
	})
}

// TestScanRunAndTypeMatchBruteForce checks ScanRun and ScanType (with Within
// at every level) with the options of Scan.
func TestScanRunAndTypeMatchBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		_, m, touched, sn := qxBuild(t)
		all := qxLive(m)
		rev := rapid.Bool().Draw(t, "reverse")
		limit := rapid.IntRange(0, 4).Draw(t, "limit")
		var after *core.Key
		if rapid.Bool().Draw(t, "with cursor") {
			c := qxKeyGen.Draw(t, "cursor")
			if len(touched) > 0 && rapid.Bool().Draw(t, "stored cursor") {
				c = touched[rapid.IntRange(0, len(touched)-1).Draw(t, "cursor index")]
			}
			after = &c
		}
		for _, run := range qxRuns {
			want := fxFilter(all, func(k core.Key) bool { return k.Namespace.RunID == run })
			qxRequire(t, want, fxCollect(sn.ScanRun(run)), "ScanRun %s", run)
			got := fxCollect(sn.ScanRun(run, qxOpts(rev, after, limit)...))
			qxRequire(t, qxExpect(want, rev, after, limit), got, "ScanRun %s reverse %v after %v limit %d", run, rev, after, limit)
		}
		q := qxPrefixGen.Draw(t, "within")
		for typ := range core.TypeTag(6) {
			want := fxFilter(all, func(k core.Key) bool { return k.Type == typ })
			qxRequire(t, want, fxCollect(sn.ScanType(typ)), "ScanType %s", typ)
			got := fxCollect(sn.ScanType(typ, qxOpts(rev, after, limit)...))
			qxRequire(t, qxExpect(want, rev, after, limit), got, "ScanType %s reverse %v after %v limit %d", typ, rev, after, limit)

			within := fxFilter(want, q.match)
			qxRequire(t, within, fxCollect(sn.ScanType(typ, Within(q.prefix()))), "ScanType %s within %s", typ, q)
			got = fxCollect(sn.ScanType(typ, qxOpts(rev, after, limit, Within(q.prefix()))...))
			qxRequire(t, qxExpect(within, rev, after, limit), got, "ScanType %s within %s reverse %v after %v limit %d", typ, q, rev, after, limit)
		}
	})
}

// TestScanTypeWithinEveryLevel pins ScanType with Within at each level on a
// fixed store whose names share leading bytes.
func TestScanTypeWithinEveryLevel(t *testing.T) {
	s, _ := fxStore()
	var keys []core.Key
	for _, tenant := range []string{"a", "ab"} {
		for _, app := range []string{"x", "x\x00"} {
			for _, agent := range []string{"g\x01", "g\xff"} {
				ns := core.Namespace{Tenant: tenant, App: app, Agent: agent, RunID: fxRun(1)}
				for _, k := range []core.Key{core.EventKey(ns, 1), core.EventKey(ns, 2), core.KVKey(ns, "e"), core.TraceKey(ns, 1)} {
					fxPut(t, s, k, 1, 0)
					keys = append(keys, k)
				}
			}
		}
	}
	sn := s.Snapshot()
	all := fxCollect(sn.All())
	require.Len(t, all, len(keys))
	ns := core.Namespace{Tenant: "a", App: "x", Agent: "g\x01", RunID: fxRun(1)}
	for level := range 6 {
		q := qxPrefix{level: level, key: core.EventKey(ns, 2)}
		want := fxFilter(all, func(k core.Key) bool { return k.Type == core.TypeEvent && q.match(k) })
		require.NotEmpty(t, want, "level %d matches events", level)
		fxRequireEntries(t, want, fxCollect(sn.ScanType(core.TypeEvent, Within(q.prefix()))), "within %s", q)
		slices.Reverse(want)
		fxRequireEntries(t, want, fxCollect(sn.ScanType(core.TypeEvent, Within(q.prefix()), Reverse())), "reverse within %s", q)
	}
	// A key-level Within of another type selects nothing of this one.
	require.Empty(t, fxCollect(sn.ScanType(core.TypeEvent, Within(core.KeyPrefix(core.KVKey(ns, ""))))))
	// Other scans ignore Within.
	require.Len(t, fxCollect(sn.Scan(core.AllKeys(), Within(core.TenantPrefix("zzz")))), len(keys))
}

// TestScanInvalidInputYieldsNothing: an invalid prefix, cursor or Within
// yields nothing, and nil options are ignored.
func TestScanInvalidInputYieldsNothing(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	fxPut(t, s, core.KVKey(ns, "k"), 1, 0)
	bad := core.NewKey(ns, 9, []byte("k"))
	sn := s.Snapshot()
	require.Empty(t, fxCollect(sn.Scan(core.KeyPrefix(bad))))
	require.Empty(t, fxCollect(sn.Scan(core.AllKeys(), After(bad))))
	require.Empty(t, fxCollect(sn.ScanRun(ns.RunID, After(bad))))
	require.Empty(t, fxCollect(sn.ScanType(core.TypeKV, Within(core.KeyPrefix(bad)))))
	require.Empty(t, fxCollect(sn.ScanType(9)))
	require.Len(t, fxCollect(sn.Scan(core.AllKeys(), nil, Limit(0), nil)), 1)
}

// TestScanStopsEarlyAndReruns: breaking out of a scan is fine, and the same
// iterator yields the same entries again.
func TestScanStopsEarlyAndReruns(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	for i := range 10 {
		fxPut(t, s, core.EventKey(ns, uint64(i)), int64(i), 0)
	}
	seq := s.Scan(core.NamespacePrefix(ns), Limit(5))
	n := 0
	for range seq {
		if n++; n == 2 {
			break
		}
	}
	require.Equal(t, 2, n)
	first, again := fxCollect(seq), fxCollect(seq)
	require.Len(t, first, 5)
	fxRequireEntries(t, first, again)
}

// TestScanPagesAtPinnedVersionWhileWriting pages through one version with
// SnapshotAt(v) + Scan(p, After(last), Limit(100)) while two writers change
// the range, and checks that the pages reassemble the full scan of that
// version.
func TestScanPagesAtPinnedVersionWhileWriting(t *testing.T) {
	s, _ := fxStore(WithHistory(1 << 20))
	ns := fxNS("t", "agent", 1)
	p := core.AgentPrefix(ns.Tenant, ns.App, ns.Agent)
	for i := range 1000 {
		fxPut(t, s, core.EventKey(ns, uint64(2*i)), int64(i), 0)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			other := fxNS("t", "agent", byte(2+w))
			for i := 0; !stop.Load() && i < 20000; i++ {
				// Inserts between the pinned keys, deletes of them, and a
				// second run of the same agent.
				var err error
				switch i % 3 {
				case 0:
					_, err = s.Put(core.EventKey(ns, uint64(2*(i%1000)+1)), core.Int64Value(int64(i)), 0)
				case 1:
					_, err = s.Delete(core.EventKey(ns, uint64(2*((i+w*500)%1000))))
					if err != nil && !errors.Is(err, core.ErrNotFound) {
						errs <- err
						return
					}
					err = nil
				default:
					_, err = s.Put(core.EventKey(other, uint64(i)), core.Int64Value(int64(i)), 0)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	defer func() {
		stop.Store(true)
		wg.Wait()
	}()
	for round := range 5 {
		snap := s.Snapshot()
		v := snap.Version()
		want := fxCollect(snap.Scan(p))
		var got []core.Entry
		var last *core.Key
		for page := 0; ; page++ {
			require.Less(t, page, len(want)/100+2, "round %d: paging did not end", round)
			sn, err := s.SnapshotAt(v)
			require.NoError(t, err)
			require.Equal(t, v, sn.Version())
			opts := []ScanOption{Limit(100)}
			if last != nil {
				opts = append(opts, After(*last))
			}
			es := fxCollect(sn.Scan(p, opts...))
			require.LessOrEqual(t, len(es), 100)
			got = append(got, es...)
			if len(es) < 100 {
				break
			}
			last = &es[len(es)-1].Key
		}
		fxRequireEntries(t, want, got, "round %d at version %d", round, v)
	}
	stop.Store(true)
	wg.Wait()
	select {
	case err := <-errs:
		require.NoError(t, err)
	default:
	}
	require.Greater(t, s.CurrentVersion(), uint64(1000), "the writers wrote")
}
