package mvcc

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/indices"
	"github.com/stretchr/testify/require"
)

// The tests of story #13 (run and type indices), translated: here the
// indices live in the same immutable state as the data, so they must hold
// exactly what the data implies at every version.

// checkIndices fails the test unless every index of st holds exactly what its
// data implies: the run index one member per (run, namespace) stored, the
// type index one per (type, namespace) stored, the TTL index one per record
// with a TTL, at its expiry.
func checkIndices(t testing.TB, st *state) {
	t.Helper()
	var wantRuns, wantTypes []string
	type ttlMember struct {
		at  time.Time
		enc string
	}
	var wantTTL []ttlMember
	st.rangeRecords("", func(enc string, r *stored) bool {
		vv := r.public()
		key, err := core.DecodeKey([]byte(enc))
		if err != nil || !key.Equal(keyOf(enc)) || vv.Version > st.version {
			require.Fail(t, "bad record", "%s stored under %q at version %d", key, enc, st.version)
		}
		encNS := string(key.Namespace.AppendEncode(nil))
		wantRuns = append(wantRuns, string(indices.RunMember(nil, key.Namespace.RunID, encNS)))
		wantTypes = append(wantTypes, string(indices.TypeMember(nil, key.Type, encNS)))
		if at, ok := vv.ExpiresAt(); ok {
			wantTTL = append(wantTTL, ttlMember{at, strings.Clone(enc)})
		}
		return true
	})
	// Each index holds every member the data implies and no other: all of
	// them, and as many as there are.
	for _, ix := range []struct {
		name string
		g    indices.Groups
		want []string
	}{{"run index", st.runs, wantRuns}, {"type index", st.types, wantTypes}} {
		slices.Sort(ix.want)
		ix.want = slices.Compact(ix.want)
		for _, m := range ix.want {
			require.True(t, ix.g.Has([]byte(m)), "%s lacks %q", ix.name, m)
		}
		require.Equal(t, len(ix.want), ix.g.Len(), "%s: members the data does not imply", ix.name)
	}

	slices.SortFunc(wantTTL, func(a, b ttlMember) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return bytes.Compare([]byte(a.enc), []byte(b.enc))
	})
	require.Equal(t, len(wantTTL), st.ttl.Len(), "TTL index size")
	i := 0
	for enc := range st.ttl.All() {
		if i >= len(wantTTL) || wantTTL[i].enc != enc || !st.ttl.Has(wantTTL[i].at, enc) {
			require.Fail(t, "TTL index member wrong", "member %d: %q", i, enc)
		}
		i++
	}
	require.Equal(t, len(wantTTL), i)
}

// checkGroupScans fails the test unless, in sn, every run's and every type's
// scan equals the filtered full iteration.
func checkGroupScans(t testing.TB, sn *Snapshot, runs []core.RunID) {
	t.Helper()
	all := fxCollect(sn.All())
	fxRequireSorted(t, all)
	for _, run := range runs {
		got, err := sn.ScanByRun(run)
		require.NoError(t, err)
		fxRequireEntries(t, fxFilter(all, func(k core.Key) bool { return k.Namespace.RunID == run }), got, "run %s at %d", run, sn.Version())
	}
	for tt := range core.TypeTag(6) {
		got, err := sn.ScanByType(tt)
		require.NoError(t, err)
		fxRequireEntries(t, fxFilter(all, func(k core.Key) bool { return k.Type == tt }), got, "type %s at %d", tt, sn.Version())
	}
}

func TestScanByRunUsesIndex(t *testing.T) {
	// The run index lists only the namespaces of a run: a scan of a small run
	// visits that run's ranges, never the rest of the store.
	s, _ := fxStore()
	for i := range 1000 {
		fxPut(t, s, core.EventKey(fxNS("big", "a", 1), uint64(i)), int64(i), 0)
	}
	small := fxNS("small", "a", 2)
	fxPut(t, s, core.KVKey(small, "x"), 1, 0)
	fxPut(t, s, core.EventKey(small, 1), 1, 0)
	st := s.root.Load().cur
	var visited int
	st.rangeRecords("", func(string, *stored) bool { visited++; return true })
	require.Equal(t, 1002, visited)

	ns := slices.Collect(st.runs.Namespaces(indices.RunGroup(fxRun(2))))
	require.Equal(t, []string{string(small.AppendEncode(nil))}, ns)
	c := collector{judge: fixedJudge(s.Now())}
	st.scanRun(fxRun(2), &c)
	require.Len(t, c.entries(), 2)
}

func TestScanByType(t *testing.T) {
	s, _ := fxStore()
	ns1, ns2 := fxNS("a", "x", 1), fxNS("b", "y", 2)
	fxPut(t, s, core.EventKey(ns2, 1), 1, 0)
	fxPut(t, s, core.EventKey(ns1, 2), 2, 0)
	fxPut(t, s, core.EventKey(ns1, 1), 3, 0)
	fxPut(t, s, core.KVKey(ns1, "k"), 4, 0)
	fxPut(t, s, core.StateKey(ns2, "s"), 5, 0)
	fxPut(t, s, core.RunMetadataKey(ns2), 6, 0)

	events, err := s.ScanByType(core.TypeEvent, core.Latest)
	require.NoError(t, err)
	require.Equal(t, []string{
		core.EventKey(ns1, 1).String(), core.EventKey(ns1, 2).String(), core.EventKey(ns2, 1).String(),
	}, fxKeys(events))
	kvs, err := s.ScanByType(core.TypeKV, core.Latest)
	require.NoError(t, err)
	require.Equal(t, []string{core.KVKey(ns1, "k").String()}, fxKeys(kvs))
	vec, err := s.ScanByType(core.TypeVector, core.Latest)
	require.NoError(t, err)
	require.Empty(t, vec)
	checkGroupScans(t, s.Snapshot(), []core.RunID{fxRun(1), fxRun(2)})
}

func TestIndicesStayConsistentAfterPutAndDelete(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	k1, k2 := core.KVKey(ns, "1"), core.KVKey(ns, "2")
	ev := core.EventKey(ns, 1)
	check := func() {
		t.Helper()
		checkIndices(t, s.root.Load().cur)
		checkGroupScans(t, s.Snapshot(), []core.RunID{fxRun(1)})
	}
	fxPut(t, s, k1, 1, time.Minute)
	fxPut(t, s, k2, 2, 0)
	fxPut(t, s, ev, 3, time.Hour)
	check()
	fxPut(t, s, k1, 4, 0) // TTL dropped
	fxPut(t, s, k2, 5, time.Second)
	check()
	_, err := s.Delete(k1)
	require.NoError(t, err)
	check()
	_, err = s.Delete(ev) // the namespace's last event: the type member goes
	require.NoError(t, err)
	check()
	require.Equal(t, 1, s.Stats().Runs)
	clk.Advance(time.Second) // k2 expired but stored: still indexed
	check()
	_, err = s.Delete(k2)
	require.ErrorIs(t, err, core.ErrNotFound)
	res, err := s.RemoveExpired(s.FindExpired(s.Now(), 0))
	require.NoError(t, err)
	require.Equal(t, 1, res.Removed)
	check()
	require.Equal(t, 0, s.Stats().Runs)
	require.Equal(t, 0, s.root.Load().cur.types.Len())
}

// TestIndicesMatchDataAtEveryVersion runs random workloads (puts with and
// without TTL, overwrites, deletes, expiry removals, transactions, clock
// moves) over many namespaces and types, and checks after every change that
// the indices hold exactly what the data implies and that every run's and
// type's scan equals filtering the full iteration; at the end it checks every
// snapshot again, since older versions must be untouched by later writes.
func TestIndicesMatchDataAtEveryVersion(t *testing.T) {
	seeds, steps := 4, 250
	if testing.Short() {
		seeds, steps = 2, 100
	}
	for seed := range uint64(seeds) {
		rng := rand.New(rand.NewPCG(seed, 99))
		s, clk := fxStore()
		runs := []core.RunID{fxRun(1), fxRun(2), fxRun(3)}
		var nss []core.Namespace
		for _, tenant := range []string{"", "t", "t\x00"} {
			for _, agent := range []string{"a", "b"} {
				nss = append(nss, core.Namespace{Tenant: tenant, Agent: agent, RunID: runs[rng.IntN(len(runs))]})
			}
		}
		key := func() core.Key {
			return core.NewKey(nss[rng.IntN(len(nss))], core.TypeTag(rng.IntN(6)), []byte{byte(rng.IntN(4))})
		}
		ttl := func() time.Duration {
			if rng.IntN(2) == 0 {
				return 0
			}
			return time.Duration(1+rng.IntN(5)) * time.Second
		}
		var snaps []*Snapshot
		for range steps {
			switch op := rng.IntN(10); {
			case op < 5:
				_, err := s.Put(key(), core.Int64Value(rng.Int64()), ttl())
				require.NoError(t, err)
			case op < 7:
				_, err := s.Delete(key())
				if err != nil {
					require.ErrorIs(t, err, core.ErrNotFound)
				}
			case op < 8:
				clk.Advance(time.Duration(rng.IntN(3)) * time.Second)
				_, err := s.RemoveExpired(s.FindExpired(s.Now(), rng.IntN(3)))
				require.NoError(t, err)
			default:
				_, err := s.Update(func(txn *Txn) error {
					for range 1 + rng.IntN(4) {
						k := key()
						if rng.IntN(3) == 0 {
							if err := txn.Delete(k); err != nil {
								require.ErrorIs(t, err, core.ErrNotFound)
							}
							continue
						}
						require.NoError(t, txn.Put(k, core.Int64Value(1), ttl()))
					}
					return nil
				})
				require.NoError(t, err)
			}
			checkIndices(t, s.root.Load().cur)
			sn := s.Snapshot()
			checkGroupScans(t, sn, runs)
			snaps = append(snaps, sn)
		}
		for _, sn := range snaps {
			checkIndices(t, sn.st)
			checkGroupScans(t, sn, runs)
		}
	}
}
