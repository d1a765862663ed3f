package proptest

import (
	"fmt"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// CheckIndices checks, through s's public API and without a model, that each
// of s's indices holds exactly what its data implies:
//
//   - for every run and every type tag, the snapshot's ScanByRun and
//     ScanByType equal the entries of Snapshot.All with that run or type, in
//     key order, and so does ScanPrefix for every (namespace, type);
//   - the TTL index (FindExpired far in the future) lists every stored key
//     with a TTL exactly once, in expiry order, and FindExpired at now lists
//     exactly those of them that have expired;
//   - Stats counts exactly the stored keys, the (run, namespace) pairs and
//     the keys with a TTL that the data holds: an index entry left behind
//     for data that is gone shows here.
//
// It returns the first disagreement found, or nil. The store must be
// quiescent (no concurrent writer) while it runs. It is safe to call from any
// goroutine.
func CheckIndices(s *mvcc.Store) error {
	sn := s.Snapshot()
	now := sn.Time()
	all := collect(sn.All())
	if !slices.IsSortedFunc(all, func(a, b core.Entry) int { return a.Key.Compare(b.Key) }) {
		return fmt.Errorf("All() is not in key order")
	}
	withTTL := s.FindExpired(farFuture, 0)
	expiredNow := s.FindExpired(now, 0)
	if err := checkTTLIndex(all, withTTL, expiredNow, now); err != nil {
		return err
	}
	stored := append(slices.Clone(all), expiredNow...)
	runs := map[core.RunID]bool{}
	nsTypes := map[mkey]bool{}
	for _, e := range stored {
		runs[e.Key.Namespace.RunID] = true
		nsTypes[mkey{ns: e.Key.Namespace, t: e.Key.Type}] = true
	}
	for r := range runs {
		got, err := sn.ScanByRun(r)
		if d := diffScan(got, err, filter(all, func(k core.Key) bool { return k.Namespace.RunID == r }), nil, true); d != "" {
			return fmt.Errorf("ScanByRun(%s) at version %d: %s", r, sn.Version(), d)
		}
	}
	for _, t := range allTypes() {
		got, err := sn.ScanByType(t)
		if d := diffScan(got, err, filter(all, func(k core.Key) bool { return k.Type == t }), nil, true); d != "" {
			return fmt.Errorf("ScanByType(%v) at version %d: %s", t, sn.Version(), d)
		}
	}
	for nt := range nsTypes {
		p := core.Key{Namespace: nt.ns, Type: nt.t}
		got, err := sn.ScanPrefix(p)
		if d := diffScan(got, err, filter(all, func(k core.Key) bool { return k.HasPrefix(p) }), nil, true); d != "" {
			return fmt.Errorf("ScanPrefix(%s) at version %d: %s", p, sn.Version(), d)
		}
	}
	want := storedStats(stored)
	got := s.Stats()
	if sn.Len() != want.Keys || got.Keys != want.Keys || got.Runs != want.Runs || got.Types != want.Types || got.TTLKeys != want.TTLKeys {
		return fmt.Errorf("Stats() = keys %d, runs %d, types %d, ttl keys %d, snapshot len %d; the data implies %d, %d, %d, %d",
			got.Keys, got.Runs, got.Types, got.TTLKeys, sn.Len(), want.Keys, want.Runs, want.Types, want.TTLKeys)
	}
	return nil
}

// checkTTLIndex checks the TTL index's listing of every key with a TTL
// (withTTL) and of those expired at now (expiredNow) against the live data.
func checkTTLIndex(all, withTTL, expiredNow []core.Entry, now time.Time) error {
	seen := map[string]bool{}
	for i, e := range withTTL {
		if e.Value.TTL <= 0 {
			return fmt.Errorf("TTL index lists %s, which has no TTL", e.Key)
		}
		if seen[string(e.Key.Encode())] {
			return fmt.Errorf("TTL index lists %s twice", e.Key)
		}
		seen[string(e.Key.Encode())] = true
		if i > 0 && expiryOrder(withTTL[i-1], e) >= 0 {
			return fmt.Errorf("TTL index lists %s after %s: not in expiry order", e.Key, withTTL[i-1].Key)
		}
	}
	var live []core.Entry
	for _, e := range withTTL {
		if expired(e.Value, now) {
			continue
		}
		live = append(live, e)
	}
	if d := diffEntries(expiredNow, withTTL[:len(withTTL)-len(live)], true); d != "" {
		return fmt.Errorf("FindExpired(now) is not the expired head of the TTL index: %s", d)
	}
	sortEntries(live)
	var liveTTL []core.Entry
	for _, e := range all {
		if e.Value.TTL > 0 {
			liveTTL = append(liveTTL, e)
		}
	}
	if d := diffEntries(live, liveTTL, true); d != "" {
		return fmt.Errorf("the TTL index's unexpired keys are not the live keys with a TTL: %s", d)
	}
	return nil
}

// expiryOrder orders entries by expiry time, then key.
func expiryOrder(a, b core.Entry) int {
	if c := expiry(a).Compare(expiry(b)); c != 0 {
		return c
	}
	return a.Key.Compare(b.Key)
}

// storedStats returns the counts Stats must report for the stored entries
// (expired ones included): keys, distinct (run, namespace) and (type,
// namespace) pairs, keys with a TTL.
func storedStats(stored []core.Entry) mvcc.Stats {
	type nsType struct {
		ns core.Namespace
		t  core.TypeTag
	}
	var st mvcc.Stats
	pairs := map[core.Namespace]bool{}
	typePairs := map[nsType]bool{}
	for _, e := range stored {
		st.Keys++
		pairs[e.Key.Namespace] = true
		typePairs[nsType{e.Key.Namespace, e.Key.Type}] = true
		if e.Value.TTL > 0 {
			st.TTLKeys++
		}
	}
	st.Runs = len(pairs)
	st.Types = len(typePairs)
	return st
}
