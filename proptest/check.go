package proptest

import (
	"fmt"
	"github.com/inmemdb/inmem/mvcc"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
)

// checkStore is the invariant of an mvcc store after every step: the current
// state, every index, the statistics, the history window and every snapshot
// kept agree with the model.
func (m *machine) checkStore() {
	m.checkSnapshot("check: current snapshot", m.ms.Snapshot(), answers(m.model.Snapshot()), true)
	if err := CheckIndices(m.ms); err != nil {
		m.f.Fatalf("check: CheckIndices: %v", err)
	}
	m.checkStats()
	now := m.ms.Now()
	for _, at := range []struct {
		name string
		t    time.Time
	}{{"now", now}, {"far future", farFuture}} {
		m.fail(diffEntries(m.ms.FindExpired(at.t, 0), m.model.FindExpired(at.t, 0), true), "check: FindExpired(%s, 0)", at.name)
	}
	for _, t := range allTypes() {
		want, wantErr := m.model.ScanByType(t, core.Latest)
		got, gotErr := m.ms.ScanByType(t, core.Latest)
		m.fail(diffScan(got, gotErr, want, wantErr, true), "check: ScanByType(%v, Latest)", t)
	}
	m.checkWindow()
	for i, p := range m.snaps {
		m.checkSnapshot(fmt.Sprintf("check: snapshot %d (version %d)", i, p.want.version), p.sn, p.want, false)
	}
}

// checkStats compares the store's counts with what the model's stored data
// implies: its keys, its (run, namespace) and (type, namespace) pairs (the
// run and type indices must hold no more) and its keys with a TTL.
func (m *machine) checkStats() {
	stored := m.model.Stored()
	want := storedStats(stored)
	want.Version = m.model.CurrentVersion()
	got := m.ms.Stats()
	if got.Version != want.Version || got.Keys != want.Keys || got.Runs != want.Runs || got.Types != want.Types || got.TTLKeys != want.TTLKeys {
		m.f.Fatalf("check: Stats() = version %d, keys %d, runs %d, types %d, ttl keys %d; want %d, %d, %d, %d, %d",
			got.Version, got.Keys, got.Runs, got.Types, got.TTLKeys, want.Version, want.Keys, want.Runs, want.Types, want.TTLKeys)
	}
}

// checkWindow compares versioned reads at versions inside the store's
// history window (the oldest, a middle one, the one before the current) with
// the model's past: there they must be exact.
func (m *machine) checkWindow() {
	lo, cur := m.windowLow(), m.model.CurrentVersion()
	vs := []uint64{lo}
	if mid := lo + (cur-lo)/2; mid > lo && mid < cur {
		vs = append(vs, mid)
	}
	if cur > 0 && cur-1 > lo {
		vs = append(vs, cur-1)
	}
	for _, v := range vs {
		for _, r := range spaceRuns {
			want, wantErr := m.model.ScanByRun(r, v)
			got, gotErr := m.ms.ScanByRun(r, v)
			m.fail(diffScan(got, gotErr, want, wantErr, true), "check: ScanByRun(%s, %d) in window [%d, %d]", r, v, lo, cur)
		}
		for _, t := range spaceTypes {
			want, wantErr := m.model.ScanByType(t, v)
			got, gotErr := m.ms.ScanByType(t, v)
			m.fail(diffScan(got, gotErr, want, wantErr, true), "check: ScanByType(%v, %d) in window [%d, %d]", t, v, lo, cur)
		}
		p := space.prefixes[int(v)%len(space.prefixes)]
		want, wantErr := m.model.ScanPrefix(p, v)
		got, gotErr := m.ms.ScanPrefix(p, v)
		m.fail(diffScan(got, gotErr, want, wantErr, true), "check: ScanPrefix(%s, %d) in window [%d, %d]", p, v, lo, cur)
	}
	for _, k := range space.keys {
		want, wantErr := m.model.GetVersioned(k, lo)
		got, gotErr := m.ms.GetVersioned(k, lo)
		m.fail(diffRead(got, gotErr, want, wantErr, true), "check: GetVersioned(%s, %d) in window [%d, %d]", k, lo, lo, cur)
	}
}

// snapProbe lists what checkSnapshot asks a snapshot: Get of every key (and
// an invalid one), prefix scans (every namespace and type, a user-key prefix,
// an invalid one), run scans (a run with no keys included), type scans
// (every type and an invalid one), and All.
var snapProbe = struct {
	keys     []core.Key
	prefixes []core.Key
	runs     []core.RunID
	types    []core.TypeTag
}{
	keys: slices.Concat(space.drawn, []core.Key{core.NewKey(space.namespaces[0], invalidType, nil)}),
	prefixes: slices.Concat(space.prefixes, []core.Key{core.NewKey(space.namespaces[0], core.TypeKV, []byte("a")),
		core.NewKey(space.namespaces[0], invalidType, nil)}),
	runs:  allRuns(),
	types: slices.Concat(allTypes(), []core.TypeTag{invalidType}),
}

// snapAnswers are a snapshot's answers to snapProbe.
type snapAnswers struct {
	version  uint64
	time     time.Time
	len      int
	gets     []core.VersionedValue
	getErrs  []error
	prefixes [][]core.Entry
	prefErrs []error
	runs     [][]core.Entry
	types    [][]core.Entry
	typeErrs []error
	all      []core.Entry
}

// answers computes the model snapshot's answers to snapProbe.
func answers(ms *ModelSnapshot) *snapAnswers {
	a := &snapAnswers{version: ms.Version(), time: ms.Time(), len: len(ms.st), all: collect(ms.All())}
	for _, k := range snapProbe.keys {
		vv, err := ms.Get(k)
		a.gets, a.getErrs = append(a.gets, vv), append(a.getErrs, err)
	}
	for _, p := range snapProbe.prefixes {
		es, err := ms.ScanPrefix(p)
		a.prefixes, a.prefErrs = append(a.prefixes, es), append(a.prefErrs, err)
	}
	for _, r := range snapProbe.runs {
		es, _ := ms.ScanByRun(r)
		a.runs = append(a.runs, es)
	}
	for _, t := range snapProbe.types {
		es, err := ms.ScanByType(t)
		a.types, a.typeErrs = append(a.types, es), append(a.typeErrs, err)
	}
	return a
}

// checkSnapshot compares everything a store snapshot answers with want, the
// model snapshot's answers: Get of every key, prefix scans (and the Prefix
// iterator), run and type scans, All, Len, Version and Time.
// The Prefix iterator is checked only when iter is set.
func (m *machine) checkSnapshot(op string, sn *mvcc.Snapshot, want *snapAnswers, iter bool) {
	if sn.Version() != want.version || !sn.Time().Equal(want.time) || sn.Len() != want.len {
		m.f.Fatalf("%s: version %d, time %v, len %d; want %d, %v, %d", op,
			sn.Version(), sn.Time(), sn.Len(), want.version, want.time, want.len)
	}
	for i, k := range snapProbe.keys {
		got, gotErr := sn.Get(k)
		m.fail(diffRead(got, gotErr, want.gets[i], want.getErrs[i], true), "%s: Get(%s)", op, k)
	}
	for i, p := range snapProbe.prefixes {
		got, gotErr := sn.ScanPrefix(p)
		m.fail(diffScan(got, gotErr, want.prefixes[i], want.prefErrs[i], true), "%s: ScanPrefix(%s)", op, p)
		if iter && want.prefErrs[i] == nil {
			m.fail(diffEntries(collect(sn.Prefix(p)), want.prefixes[i], true), "%s: Prefix(%s)", op, p)
		}
	}
	for i, r := range snapProbe.runs {
		got, gotErr := sn.ScanByRun(r)
		m.fail(diffScan(got, gotErr, want.runs[i], nil, true), "%s: ScanByRun(%s)", op, r)
	}
	for i, t := range snapProbe.types {
		got, gotErr := sn.ScanByType(t)
		m.fail(diffScan(got, gotErr, want.types[i], want.typeErrs[i], true), "%s: ScanByType(%v)", op, t)
	}
	m.fail(diffEntries(collect(sn.All()), want.all, true), "%s: All()", op)
}
