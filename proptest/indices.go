package proptest

import (
	"fmt"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
)

// CheckIndices checks, through s's capabilities and without a model, that
// each of s's indices holds exactly what its data implies, on a snapshot
// (s must be a core.Viewer):
//
//   - for every run and every type tag, the snapshot's ScanByRun and
//     ScanByType equal the entries of a scan of everything with that run or
//     type, in key order, and so does ScanPrefix for every (namespace, type);
//   - when s is a core.ExpiryTarget, its TTL index (FindExpired far in the
//     future) lists every stored key with a TTL exactly once, in expiry
//     order, and FindExpired at the snapshot's time lists exactly those of
//     them that have expired;
//   - when the snapshot has a Len method, it counts every stored key.
//
// It returns the first disagreement found, or nil. The store must be
// quiescent (no concurrent writer) while it runs. It is safe to call from any
// goroutine. A store's own test helpers add what only that store can report
// (mvcctest.CheckIndices adds mvcc's Stats).
func CheckIndices(s core.Storage) error {
	v, ok := s.(core.Viewer)
	if !ok {
		return fmt.Errorf("CheckIndices: %T takes no snapshot (core.Viewer)", s)
	}
	sn := v.View()
	now := sn.Time()
	all := collect(sn.Scan(core.AllKeys()))
	if !slices.IsSortedFunc(all, func(a, b core.Entry) int { return a.Key.Compare(b.Key) }) {
		return fmt.Errorf("Scan(*) is not in key order")
	}
	stored := slices.Clone(all)
	if et, ok := s.(core.ExpiryTarget); ok {
		withTTL := et.FindExpired(farFuture, 0)
		expiredNow := et.FindExpired(now, 0)
		if err := checkTTLIndex(all, withTTL, expiredNow, now); err != nil {
			return err
		}
		stored = append(stored, expiredNow...)
	}
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
	if l, ok := sn.(lener); ok && l.Len() != len(stored) {
		return fmt.Errorf("snapshot Len() = %d, the data holds %d keys", l.Len(), len(stored))
	}
	if err := sn.Err(); err != nil {
		return fmt.Errorf("snapshot Err() = %w", err)
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
