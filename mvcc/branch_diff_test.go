package mvcc

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// scanDiffOf is the brute force Diff is checked against: a merge of two
// full scans a and b (each judged at its snapshot's time), filtered and
// ordered by the options as Diff documents them.
func scanDiffOf(a, b []core.Entry, within core.Prefix, after *core.Key, reverse bool, limit int) []string {
	var all []core.Change
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].Key.Compare(b[j].Key) < 0:
			all = append(all, core.Change{Key: a[i].Key, Op: core.ChangeDelete, Value: a[i].Value})
			i++
		case i == len(a) || b[j].Key.Compare(a[i].Key) < 0:
			all = append(all, core.Change{Key: b[j].Key, Op: core.ChangePut, Value: b[j].Value})
			j++
		default:
			if !fxEqualVV(a[i].Value, b[j].Value) {
				all = append(all, core.Change{Key: b[j].Key, Op: core.ChangePut, Value: b[j].Value})
			}
			i++
			j++
		}
	}
	if reverse {
		slices.Reverse(all)
	}
	var out []string
	for _, c := range all {
		if !within.Match(c.Key) {
			continue
		}
		if after != nil {
			cmp := c.Key.Compare(*after)
			if !reverse && cmp <= 0 || reverse && cmp >= 0 {
				continue
			}
		}
		out = append(out, changeString(c))
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out
}

func collectDiff(from, to *Snapshot, opts ...ScanOption) []string {
	var out []string
	for c := range Diff(from, to, opts...) {
		out = append(out, changeString(c))
	}
	return out
}

// TestDiffMatchesFullScans checks Diff between snapshots of a store of two
// thousand keys (trees several levels deep) and of its forks, as both sides
// change and the clock moves past TTL deadlines, against the brute force of
// two full scans, with every range option.
func TestDiffMatchesFullScans(t *testing.T) {
	s, clk := fxStore(WithHistory(8))
	r := rand.New(rand.NewPCG(11, 13))
	nss := []core.Namespace{fxNS("t", "a", 1), fxNS("t", "a", 2), fxNS("u", "b", 3)}
	keyOf := func(i int) core.Key {
		ns := nss[i%len(nss)]
		if i%7 == 0 {
			return core.StateKey(ns, fmt.Sprintf("s%05d", i))
		}
		return core.KVKey(ns, fmt.Sprintf("k%05d", i))
	}
	const n = 2000
	ttls := []time.Duration{0, 0, 0, time.Second, 5 * time.Second}
	write := func(st *Store, k int) {
		switch r.IntN(6) {
		case 0:
			st.Delete(keyOf(k)) //nolint:errcheck // absent keys are fine
		default:
			_, err := st.Put(keyOf(k), core.Int64Value(int64(r.IntN(3))), ttls[r.IntN(len(ttls))])
			require.NoError(t, err)
		}
	}
	for i := range n {
		_, err := s.Put(keyOf(i), core.Int64Value(int64(i)), ttls[r.IntN(len(ttls))])
		require.NoError(t, err)
	}
	f, err := s.Fork()
	require.NoError(t, err)
	snaps := []*Snapshot{s.Snapshot(), f.Snapshot()}
	for round := range 12 {
		for range r.IntN(60) {
			write(s, r.IntN(n+100))
		}
		for range r.IntN(60) {
			write(f, r.IntN(n+100))
		}
		if round%3 == 0 {
			clk.Advance(time.Duration(r.IntN(3000)) * time.Millisecond)
		}
		snaps = append(snaps, s.Snapshot(), f.Snapshot())
	}
	g, err := f.Fork() // a fork of the fork
	require.NoError(t, err)
	write(g, 5)
	clk.Advance(2 * time.Second)
	snaps = append(snaps, g.Snapshot())

	prefixes := []core.Prefix{core.AllKeys(), core.TenantPrefix("t"), core.NamespacePrefix(nss[1]),
		core.KeyPrefix(core.NewKey(nss[2], core.TypeStateMachine, nil)), core.KeyPrefix(keyOf(4))}
	scans := map[*Snapshot][]core.Entry{}
	for _, sn := range snaps {
		scans[sn] = fxCollect(sn.All())
	}
	for trial := range 150 {
		a, b := snaps[r.IntN(len(snaps))], snaps[r.IntN(len(snaps))]
		p := prefixes[r.IntN(len(prefixes))]
		opts := []ScanOption{Within(p)}
		reverse := r.IntN(2) == 0
		if reverse {
			opts = append(opts, Reverse())
		}
		var after *core.Key
		if r.IntN(3) == 0 {
			k := keyOf(r.IntN(n))
			after = &k
			opts = append(opts, After(k))
		}
		limit := 0
		if r.IntN(3) == 0 {
			limit = 1 + r.IntN(20)
			opts = append(opts, Limit(limit))
		}
		want := scanDiffOf(scans[a], scans[b], p, after, reverse, limit)
		got := collectDiff(a, b, opts...)
		if !slices.Equal(want, got) {
			t.Fatalf("trial %d: Diff(v%d@%v, v%d@%v, within %v, reverse %v, after %v, limit %d):\n got %d %q\nwant %d %q",
				trial, a.Version(), a.Time(), b.Version(), b.Time(), p, reverse, after, limit, len(got), got, len(want), want)
		}
	}
	for _, a := range snaps {
		require.Empty(t, collectDiff(a, a), "Diff(a, a)")
	}
}

// TestDiffExpiryBetweenTimes checks the keys the trees share whose expiry
// falls between the two snapshots' times: one snapshot of the same version
// taken before and one after the deadline differ by exactly those keys, in
// both directions.
func TestDiffExpiryBetweenTimes(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	fxPut(t, s, core.KVKey(ns, "forever"), 1, 0)
	fxPut(t, s, core.KVKey(ns, "short"), 2, time.Second)
	fxPut(t, s, core.KVKey(ns, "long"), 3, time.Hour)
	before := s.Snapshot()
	clk.Advance(time.Second) // "short" expires at exactly this instant
	after := s.Snapshot()
	require.Equal(t, before.Version(), after.Version())

	got := slices.Collect(Diff(before, after))
	require.Len(t, got, 1)
	require.Equal(t, core.ChangeDelete, got[0].Op)
	require.True(t, got[0].Key.Equal(core.KVKey(ns, "short")))
	require.Equal(t, int64(2), got[0].Value.Value.Int64())

	got = slices.Collect(Diff(after, before))
	require.Len(t, got, 1)
	require.Equal(t, core.ChangePut, got[0].Op)
	require.True(t, got[0].Key.Equal(core.KVKey(ns, "short")))

	// A snapshot a nanosecond before the deadline still sees it.
	clk.Set(fxStart.Add(time.Second - time.Nanosecond + 0)) // fxStore's puts were at fxStart
	edge := s.Snapshot()
	require.Empty(t, slices.Collect(Diff(before, edge)))
}

// TestDiffOptionsAndEdges covers the options one at a time and the
// degenerate inputs.
func TestDiffOptionsAndEdges(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "a", 1)
	for i := range 10 {
		fxPut(t, s, core.KVKey(ns, fmt.Sprint(i)), int64(i), 0)
	}
	a := s.Snapshot()
	for _, i := range []int{1, 3, 5, 7} {
		fxPut(t, s, core.KVKey(ns, fmt.Sprint(i)), 100, 0)
	}
	b := s.Snapshot()
	keys := func(opts ...ScanOption) []string {
		var out []string
		for c := range Diff(a, b, opts...) {
			out = append(out, string(c.Key.UserKey))
		}
		return out
	}
	require.Equal(t, []string{"1", "3", "5", "7"}, keys())
	require.Equal(t, []string{"7", "5", "3", "1"}, keys(Reverse()))
	require.Equal(t, []string{"1", "3"}, keys(Limit(2)))
	require.Equal(t, []string{"5", "7"}, keys(After(core.KVKey(ns, "3"))))
	require.Equal(t, []string{"3", "1"}, keys(Reverse(), After(core.KVKey(ns, "5"))))
	require.Equal(t, []string{"3"}, keys(Within(core.KeyPrefix(core.KVKey(ns, "3")))))
	require.Empty(t, keys(Within(core.NamespacePrefix(fxNS("t", "a", 2)))))
	require.Empty(t, keys(After(core.Key{Type: 200})), "an invalid cursor yields nothing")

	// Stopping early is fine.
	for range Diff(a, b) {
		break
	}
	// nil snapshots read as empty stores.
	require.Len(t, collectDiff(nil, b), 10)
	require.Len(t, collectDiff(a, nil), 10)
	require.Empty(t, collectDiff(nil, nil))
	// The changes' keys are the caller's.
	for c := range Diff(a, b) {
		c.Key.UserKey[0] = 'x'
	}
	require.Equal(t, []string{"1", "3", "5", "7"}, keys())
}
