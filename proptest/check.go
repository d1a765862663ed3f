package proptest

import (
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
)

// check runs after every step: versions agree (gapless) and every run scan
// equals the model's; then, for each capability the store offers, what it
// answers now: its current snapshot and every snapshot kept earlier, the
// type scans, the expired values, exact reads inside the retained history,
// and the caller's own check (WithCheck).
func (m *machine) check() {
	if got, want := m.store.CurrentVersion(), m.model.CurrentVersion(); got != want {
		m.f.Fatalf("CurrentVersion() = %d, want %d", got, want)
	}
	for _, r := range allRuns() {
		want, wantErr := m.model.ScanByRun(r, core.Latest)
		got, gotErr := m.store.ScanByRun(r, core.Latest)
		m.fail(diffScan(got, gotErr, want, wantErr, m.ts), "check: ScanByRun(%s, Latest)", r)
	}
	if m.c.viewer != nil {
		m.checkSnapshot("check: current snapshot", m.c.viewer.View(), answers(m.model.Snapshot()), true)
		for i, p := range m.snaps {
			m.checkSnapshot(fmt.Sprintf("check: snapshot %d (version %d)", i, p.want.version), p.sn, p.want, false)
		}
	}
	if m.c.types != nil {
		for _, t := range allTypes() {
			want, wantErr := m.model.ScanByType(t, core.Latest)
			got, gotErr := m.c.types.ScanByType(t, core.Latest)
			m.fail(diffScan(got, gotErr, want, wantErr, m.ts), "check: ScanByType(%v, Latest)", t)
		}
	}
	if m.c.expiry != nil {
		now := m.c.expiry.Now()
		for _, at := range []struct {
			name string
			t    time.Time
		}{{"now", now}, {"far future", farFuture}} {
			m.fail(diffEntries(m.c.expiry.FindExpired(at.t, 0), m.model.FindExpired(at.t, 0), m.ts), "check: FindExpired(%s, 0)", at.name)
		}
	}
	m.checkWindow()
	if m.o.check != nil {
		if err := m.o.check(m.store, m.model.Stored()); err != nil {
			m.f.Fatalf("check: WithCheck's function: %v", err)
		}
	}
}

// checkWindow compares versioned reads at versions the store keeps exactly
// (WithRetained: the oldest, a middle one, the one before the current) with
// the model's past.
func (m *machine) checkWindow() {
	lo, known := m.retainedLow()
	if !known {
		return
	}
	cur := m.model.CurrentVersion()
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
			got, gotErr := m.store.ScanByRun(r, v)
			m.fail(diffScan(got, gotErr, want, wantErr, m.ts), "check: ScanByRun(%s, %d) in window [%d, %d]", r, v, lo, cur)
		}
		if m.c.types != nil {
			for _, t := range spaceTypes {
				want, wantErr := m.model.ScanByType(t, v)
				got, gotErr := m.c.types.ScanByType(t, v)
				m.fail(diffScan(got, gotErr, want, wantErr, m.ts), "check: ScanByType(%v, %d) in window [%d, %d]", t, v, lo, cur)
			}
		}
		p := space.prefixes[int(v)%len(space.prefixes)]
		want, wantErr := m.model.ScanPrefix(p, v)
		got, gotErr := m.store.ScanPrefix(p, v)
		m.fail(diffScan(got, gotErr, want, wantErr, m.ts), "check: ScanPrefix(%s, %d) in window [%d, %d]", p, v, lo, cur)
	}
	for _, k := range space.keys {
		want, wantErr := m.model.GetVersioned(k, lo)
		got, gotErr := m.store.GetVersioned(k, lo)
		m.fail(diffRead(got, gotErr, want, wantErr, m.ts), "check: GetVersioned(%s, %d) in window [%d, %d]", k, lo, lo, cur)
	}
}

// snapProbe lists what checkSnapshot asks a snapshot: Get of every key (and
// an invalid one), prefix scans (every namespace and type, a user-key prefix,
// an invalid one), run scans (a run with no keys included), type scans
// (every type and an invalid one), and a scan of everything.
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
	len      int // stored keys, expired ones not yet removed included
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
	a := &snapAnswers{version: ms.Version(), time: ms.Time(), len: ms.Len(), all: collect(ms.All())}
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

// What a snapshot may offer besides core.Snapshot (mvcc's does), checked
// when it does: the number of keys it stores, expired ones not yet removed
// included; every live entry; the live entries under a key prefix.
type (
	lener interface{ Len() int }
	aller interface {
		All() iter.Seq2[core.Key, core.VersionedValue]
	}
	prefixer interface {
		Prefix(core.Key) iter.Seq2[core.Key, core.VersionedValue]
	}
)

// checkSnapshot compares everything a store snapshot answers with want, the
// model snapshot's answers: Version, Time, Len (when the snapshot has it),
// Get of every key, prefix scans (and, when iter is set, the same prefixes
// through Scan and Prefix when lazy is set), run and type scans, a Scan of
// everything (and All), and Err.
func (m *machine) checkSnapshot(op string, sn core.Snapshot, want *snapAnswers, lazy bool) {
	if sn.Version() != want.version || (m.ts && !sn.Time().Equal(want.time)) {
		m.f.Fatalf("%s: version %d, time %v; want %d, %v", op, sn.Version(), sn.Time(), want.version, want.time)
	}
	if l, ok := sn.(lener); ok && l.Len() != want.len {
		m.f.Fatalf("%s: Len() = %d, want %d", op, l.Len(), want.len)
	}
	for i, k := range snapProbe.keys {
		got, gotErr := sn.Get(k)
		m.fail(diffRead(got, gotErr, want.gets[i], want.getErrs[i], m.ts), "%s: Get(%s)", op, k)
	}
	for i, p := range snapProbe.prefixes {
		got, gotErr := sn.ScanPrefix(p)
		m.fail(diffScan(got, gotErr, want.prefixes[i], want.prefErrs[i], m.ts), "%s: ScanPrefix(%s)", op, p)
		if lazy && want.prefErrs[i] == nil {
			m.fail(diffEntries(collect(sn.Scan(core.KeyPrefix(p))), want.prefixes[i], m.ts), "%s: Scan(%s)", op, core.KeyPrefix(p))
			if px, ok := sn.(prefixer); ok {
				m.fail(diffEntries(collect(px.Prefix(p)), want.prefixes[i], m.ts), "%s: Prefix(%s)", op, p)
			}
		}
	}
	for i, r := range snapProbe.runs {
		got, gotErr := sn.ScanByRun(r)
		m.fail(diffScan(got, gotErr, want.runs[i], nil, m.ts), "%s: ScanByRun(%s)", op, r)
	}
	for i, t := range snapProbe.types {
		got, gotErr := sn.ScanByType(t)
		m.fail(diffScan(got, gotErr, want.types[i], want.typeErrs[i], m.ts), "%s: ScanByType(%v)", op, t)
	}
	m.fail(diffEntries(collect(sn.Scan(core.AllKeys())), want.all, m.ts), "%s: Scan(*)", op)
	if a, ok := sn.(aller); ok {
		m.fail(diffEntries(collect(a.All()), want.all, m.ts), "%s: All()", op)
	}
	if err := sn.Err(); err != nil {
		m.f.Fatalf("%s: Err() = %v after reads that succeeded", op, err)
	}
}
