package mvcc

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"pgregory.net/rapid"
)

// The branch model: a family of stores (a root, forks of it, forks of
// forks) driven by random operations on a shared manual clock, each store
// against a model that forks by copying. Diff between any two snapshots of
// the family is checked against a brute-force comparison of the two models,
// and Merge against a three-way merge of maps.

// bmRec is a stored record as the model keeps it.
type bmRec struct {
	val     core.Value
	version uint64
	ts      time.Time
	ttl     time.Duration
}

func (r bmRec) live(now time.Time) bool { return r.ttl == 0 || r.ts.Add(r.ttl).After(now) }

func (r bmRec) same(o bmRec) bool {
	return r.val.Equal(o.val) && r.version == o.version && r.ts.Equal(o.ts) && r.ttl == o.ttl
}

func (r bmRec) vv() core.VersionedValue {
	return core.VersionedValue{Value: r.val, Version: r.version, Timestamp: r.ts, TTL: r.ttl}
}

// deadline is the record's expiry, or the zero time when it has none.
func (r bmRec) deadline() time.Time {
	if r.ttl == 0 {
		return time.Time{}
	}
	return r.ts.Add(r.ttl)
}

type bmData map[string]bmRec

// bmStore is one store of the family and its model.
type bmStore struct {
	s       *Store
	name    string
	parent  int // index in the family; -1 for the root
	data    bmData
	version uint64
	// a fork's base, and its last merge (hasMark)
	base     bmData
	hasMark  bool
	markFork bmData
	children int
}

// bmSnap is a snapshot of a store of the family and a copy of its model.
type bmSnap struct {
	sn    *Snapshot
	store int
	data  bmData
	now   time.Time
}

type branchModel struct {
	clock  *core.ManualClock
	stores []*bmStore
	snaps  []bmSnap
	keys   []core.Key
}

func newBranchModel() *branchModel {
	clk := core.NewManualClock(fxStart)
	m := &branchModel{clock: clk}
	for _, ns := range []core.Namespace{fxNS("t", "a", 1), fxNS("t", "b", 2)} {
		for _, name := range []string{"a", "b", "c", "d", "e"} {
			m.keys = append(m.keys, core.KVKey(ns, name))
		}
		m.keys = append(m.keys, core.StateKey(ns, "s"))
	}
	root := &bmStore{s: New(WithClock(clk), WithHistory(4)), name: "root", parent: -1, data: bmData{}}
	m.stores = append(m.stores, root)
	return m
}

func enc(k core.Key) string { return string(k.Encode()) }

func (m *branchModel) now() time.Time { return m.clock.Now() }

// check compares every store with its model.
func (m *branchModel) check(t *rapid.T) {
	now := m.now()
	for _, st := range m.stores {
		if v := st.s.CurrentVersion(); v != st.version {
			t.Fatalf("%s: version %d, model %d", st.name, v, st.version)
		}
		if n := st.s.Stats().Keys; n != len(st.data) {
			t.Fatalf("%s: %d keys stored, model %d", st.name, n, len(st.data))
		}
		got := fxCollect(st.s.Scan(core.AllKeys()))
		want := st.data.entries(m, now)
		if !fxEqualEntries(want, got) {
			t.Fatalf("%s: contents differ:\n got %v\nwant %v", st.name, fxKeys(got), fxKeys(want))
		}
		for _, run := range []core.RunID{fxRun(1), fxRun(2)} {
			es, err := st.s.ScanByRun(run, core.Latest)
			if err != nil {
				t.Fatal(err)
			}
			wantRun := fxFilter(want, func(k core.Key) bool { return k.Namespace.RunID == run })
			if !fxEqualEntries(wantRun, es) {
				t.Fatalf("%s: ScanByRun(%v) differs", st.name, run)
			}
		}
	}
}

// entries returns the model's live entries at now, in key order.
func (d bmData) entries(m *branchModel, now time.Time) []core.Entry {
	var out []core.Entry
	for _, k := range m.sortedKeys() {
		if r, ok := d[enc(k)]; ok && r.live(now) {
			out = append(out, core.Entry{Key: k, Value: r.vv()})
		}
	}
	return out
}

func (m *branchModel) sortedKeys() []core.Key {
	ks := slices.Clone(m.keys)
	slices.SortFunc(ks, func(a, b core.Key) int { return a.Compare(b) })
	return ks
}

func (m *branchModel) put(t *rapid.T, st *bmStore, k core.Key, v int64, ttl time.Duration) {
	ver, err := st.s.Put(k, core.Int64Value(v), ttl)
	if err != nil {
		t.Fatalf("%s: Put: %v", st.name, err)
	}
	st.version++
	if ver != st.version {
		t.Fatalf("%s: Put got version %d, model %d", st.name, ver, st.version)
	}
	st.data[enc(k)] = bmRec{core.Int64Value(v), ver, m.now(), ttl}
}

func (m *branchModel) del(t *rapid.T, st *bmStore, k core.Key) {
	_, err := st.s.Delete(k)
	r, ok := st.data[enc(k)]
	if !ok || !r.live(m.now()) {
		if !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("%s: Delete of an absent key: %v", st.name, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: Delete: %v", st.name, err)
	}
	st.version++
	delete(st.data, enc(k))
}

func (m *branchModel) expire(t *rapid.T, st *bmStore) {
	res, err := st.s.Expire(0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for e, r := range st.data {
		if !r.live(m.now()) {
			delete(st.data, e)
			n++
		}
	}
	if res.Removed != n {
		t.Fatalf("%s: Expire removed %d, model %d", st.name, res.Removed, n)
	}
	if n > 0 {
		st.version++
	}
}

func (m *branchModel) snapshot(i int) bmSnap {
	st := m.stores[i]
	return bmSnap{sn: st.s.Snapshot(), store: i, data: maps.Clone(st.data), now: m.now()}
}

func (m *branchModel) fork(t *rapid.T, sn bmSnap) {
	f, err := sn.sn.Fork()
	if err != nil {
		t.Fatal(err)
	}
	parent := m.stores[sn.store]
	parent.children++
	st := &bmStore{
		s: f, name: fmt.Sprintf("%s.%d", parent.name, parent.children), parent: sn.store,
		data: maps.Clone(sn.data), version: sn.sn.Version(),
		base: sn.data,
	}
	if f.Base() != sn.sn {
		t.Fatalf("%s: Base is not the snapshot forked", st.name)
	}
	m.stores = append(m.stores, st)
}

// bmChange is one change Diff yields, for comparisons.
func changeString(c core.Change) string {
	return fmt.Sprintf("%v %s %s@%d ts=%v ttl=%v", c.Op, c.Key, c.Value.Value, c.Value.Version, c.Value.Timestamp, c.Value.TTL)
}

// diffOptions draws Diff's options and returns them with a filter and order
// that the brute force applies.
type bmDiffOpts struct {
	opts    []ScanOption
	within  core.Prefix
	after   *core.Key
	reverse bool
	limit   int
	desc    string
}

func (m *branchModel) drawDiffOpts(t *rapid.T) bmDiffOpts {
	var o bmDiffOpts
	o.within = core.AllKeys()
	switch rapid.IntRange(0, 3).Draw(t, "within") {
	case 1:
		o.within = core.NamespacePrefix(fxNS("t", "a", 1))
		o.opts = append(o.opts, Within(o.within))
	case 2:
		o.within = core.KeyPrefix(core.NewKey(fxNS("t", "b", 2), core.TypeKV, nil))
		o.opts = append(o.opts, Within(o.within))
	}
	if rapid.Bool().Draw(t, "reverse") {
		o.reverse = true
		o.opts = append(o.opts, Reverse())
	}
	if rapid.Bool().Draw(t, "hasAfter") {
		k := m.keys[rapid.IntRange(0, len(m.keys)-1).Draw(t, "after")]
		o.after = &k
		o.opts = append(o.opts, After(k))
	}
	if rapid.Bool().Draw(t, "hasLimit") {
		o.limit = rapid.IntRange(1, 4).Draw(t, "limit")
		o.opts = append(o.opts, Limit(o.limit))
	}
	o.desc = fmt.Sprintf("within=%v reverse=%v after=%v limit=%d", o.within, o.reverse, o.after, o.limit)
	return o
}

// bruteDiff compares two snapshots' models key by key.
func (m *branchModel) bruteDiff(a, b bmSnap, o bmDiffOpts) []string {
	var out []string
	keys := m.sortedKeys()
	if o.reverse {
		slices.Reverse(keys)
	}
	for _, k := range keys {
		if !o.within.Match(k) {
			continue
		}
		if o.after != nil {
			c := k.Compare(*o.after)
			if !o.reverse && c <= 0 || o.reverse && c >= 0 {
				continue
			}
		}
		x, okx := a.data[enc(k)]
		y, oky := b.data[enc(k)]
		okx = okx && x.live(a.now)
		oky = oky && y.live(b.now)
		switch {
		case oky && (!okx || !x.same(y)):
			out = append(out, changeString(core.Change{Key: k, Op: core.ChangePut, Value: y.vv()}))
		case okx && !oky:
			out = append(out, changeString(core.Change{Key: k, Op: core.ChangeDelete, Value: x.vv()}))
		default:
			continue
		}
		if o.limit > 0 && len(out) == o.limit {
			break
		}
	}
	return out
}

func (m *branchModel) diff(t *rapid.T, a, b bmSnap, o bmDiffOpts) {
	var got []string
	for c := range Diff(a.sn, b.sn, o.opts...) {
		got = append(got, changeString(c))
	}
	want := m.bruteDiff(a, b, o)
	if !slices.Equal(got, want) {
		t.Fatalf("Diff(%s@%d, %s@%d, %s):\n got %q\nwant %q", m.stores[a.store].name, a.sn.Version(),
			m.stores[b.store].name, b.sn.Version(), o.desc, got, want)
	}
}

// The merge options the model draws.
const (
	bmNoOption = iota
	bmPreferFork
	bmPreferStore
	bmResolve
)

// bmResolver decides a conflict the way the test's Resolve function does:
// a key the fork deleted is deleted; one the store deleted takes the fork's
// value; otherwise the sum of the two values (the fork's value when it
// equals the store's).
func bmResolver(c Conflict) (core.Value, bool, error) {
	switch {
	case !c.InFork:
		return core.Value{}, false, nil
	case !c.InStore:
		return c.Fork.Value, true, nil
	}
	return core.Int64Value(c.Store.Value.Int64() + c.Fork.Value.Int64()), true, nil
}

func conflictString(c Conflict) string {
	side := func(in bool, v core.VersionedValue) string {
		if !in {
			return "-"
		}
		return fmt.Sprintf("%s@%d ttl=%v", v.Value, v.Version, v.TTL)
	}
	return fmt.Sprintf("%s base=%s store=%s fork=%s", c.Key, side(c.InBase, c.Base), side(c.InStore, c.Store), side(c.InFork, c.Fork))
}

// merge merges store fi into its parent with option opt and checks the
// result against a three-way merge of the models.
func (m *branchModel) merge(t *rapid.T, fi int, opt int) {
	f := m.stores[fi]
	p := m.stores[f.parent]
	now := m.now()
	from := f.base
	if f.hasMark {
		from = f.markFork
	}
	// The fork's changes, in key order.
	var changed []core.Key
	for _, k := range m.sortedKeys() {
		x, okx := from[enc(k)]
		y, oky := f.data[enc(k)]
		if okx != oky || okx && !x.same(y) {
			changed = append(changed, k)
		}
	}
	type step struct {
		k     core.Key
		act   mergeAction
		value core.Value
	}
	var steps []step
	var conflicts []string
	var wantConflicts []string
	// Two sides read alike at now: both without a live value, or the same
	// value and deadline.
	alike := func(aLive bool, a bmRec, bLive bool, b bmRec) bool {
		return aLive == bLive && (!aLive || a.val.Equal(b.val) && a.deadline().Equal(b.deadline()))
	}
	for _, k := range changed {
		e := enc(k)
		s, sHas := p.data[e]
		b, bHas := from[e]
		fr, fHas := f.data[e]
		fLive, sLive, bLive := fHas && fr.live(now), sHas && s.live(now), bHas && b.live(now)
		st := step{k: k, act: actFork}
		if alike(bLive, b, fLive, fr) {
			st.act = actKeep
		} else if !alike(bLive, b, sLive, s) {
			switch {
			case alike(sLive, s, fLive, fr):
				st.act = actKeep
			case opt == bmPreferFork:
			case opt == bmPreferStore:
				st.act = actKeep
			case opt == bmResolve:
				c := Conflict{Key: k, InBase: bLive, InStore: sLive, InFork: fLive}
				if bLive {
					c.Base = b.vv()
				}
				if sLive {
					c.Store = s.vv()
				}
				if fLive {
					c.Fork = fr.vv()
				}
				wantConflicts = append(wantConflicts, conflictString(c))
				v, keep, _ := bmResolver(c)
				switch {
				case !keep:
					st.act = actDelete
				case fLive && v.Equal(fr.val):
				case sLive && v.Equal(s.val):
					st.act = actKeep
				default:
					st.act, st.value = actValue, v
				}
			default:
				conflicts = append(conflicts, k.String())
			}
		}
		steps = append(steps, st)
	}

	var opts []MergeOption
	var gotConflicts []string
	switch opt {
	case bmPreferFork:
		opts = append(opts, PreferFork())
	case bmPreferStore:
		opts = append(opts, PreferStore())
	case bmResolve:
		opts = append(opts, Resolve(func(c Conflict) (core.Value, bool, error) {
			gotConflicts = append(gotConflicts, conflictString(c))
			return bmResolver(c)
		}))
	}
	v, err := p.s.Merge(f.s, opts...)
	if len(conflicts) > 0 {
		var mc *MergeConflict
		if !errors.As(err, &mc) || !errors.Is(err, core.ErrConflict) {
			t.Fatalf("merge %s into %s: %v, want a conflict on %v", f.name, p.name, err, conflicts)
		}
		got := make([]string, len(mc.Keys))
		for i, k := range mc.Keys {
			got[i] = k.String()
		}
		if !slices.Equal(got, conflicts) {
			t.Fatalf("merge %s into %s: conflicts %v, want %v", f.name, p.name, got, conflicts)
		}
		return
	}
	if err != nil {
		t.Fatalf("merge %s into %s: %v", f.name, p.name, err)
	}
	if !slices.Equal(gotConflicts, wantConflicts) {
		t.Fatalf("merge %s into %s: Resolve saw\n %q\nwant\n %q", f.name, p.name, gotConflicts, wantConflicts)
	}
	// Apply the plan to the parent's model in one version.
	next := p.data
	p.data = maps.Clone(p.data)
	wrote := false
	for _, st := range steps {
		e := enc(st.k)
		fr, fHas := f.data[e]
		s, sHas := next[e]
		sLive := sHas && s.live(now)
		act := st.act
		if act == actFork && (!fHas || !fr.live(now)) {
			act = actDelete
		}
		switch act {
		case actFork:
			rec := bmRec{val: fr.val, version: p.version + 1, ts: now}
			if fr.ttl > 0 {
				rec.ttl = fr.deadline().Sub(now)
			}
			if !sLive || !s.val.Equal(fr.val) || !s.deadline().Equal(fr.deadline()) {
				p.data[e], wrote = rec, true
			}
		case actValue:
			p.data[e], wrote = bmRec{val: st.value, version: p.version + 1, ts: now}, true
		case actDelete:
			if sLive {
				delete(p.data, e)
				wrote = true
			}
		}
	}
	if wrote {
		p.version++
	}
	if v != p.version {
		t.Fatalf("merge %s into %s: version %d, model %d", f.name, p.name, v, p.version)
	}
	if len(changed) > 0 {
		f.hasMark, f.markFork = true, maps.Clone(f.data)
	}
}

// TestBranchModel runs random families of stores against the model.
func TestBranchModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newBranchModel()
		store := func(t *rapid.T) *bmStore {
			return m.stores[rapid.IntRange(0, len(m.stores)-1).Draw(t, "store")]
		}
		key := func(t *rapid.T) core.Key { return m.keys[rapid.IntRange(0, len(m.keys)-1).Draw(t, "key")] }
		t.Repeat(map[string]func(*rapid.T){
			"": func(t *rapid.T) { m.check(t) },
			"put": func(t *rapid.T) {
				ttl := []time.Duration{0, 0, time.Second, 3 * time.Second}[rapid.IntRange(0, 3).Draw(t, "ttl")]
				m.put(t, store(t), key(t), rapid.Int64Range(0, 3).Draw(t, "value"), ttl)
			},
			"delete": func(t *rapid.T) { m.del(t, store(t), key(t)) },
			"expire": func(t *rapid.T) { m.expire(t, store(t)) },
			"tick": func(t *rapid.T) {
				m.clock.Advance(time.Duration(rapid.IntRange(1, 4).Draw(t, "halfSeconds")) * time.Second / 2)
			},
			"snapshot": func(t *rapid.T) {
				m.snaps = append(m.snaps, m.snapshot(rapid.IntRange(0, len(m.stores)-1).Draw(t, "store")))
				if len(m.snaps) > 8 {
					m.snaps = m.snaps[1:]
				}
			},
			"fork": func(t *rapid.T) {
				if len(m.stores) >= 6 {
					t.Skip("enough stores")
				}
				if len(m.snaps) > 0 && rapid.Bool().Draw(t, "ofOldSnapshot") {
					m.fork(t, m.snaps[rapid.IntRange(0, len(m.snaps)-1).Draw(t, "snap")])
					return
				}
				m.fork(t, m.snapshot(rapid.IntRange(0, len(m.stores)-1).Draw(t, "store")))
			},
			"diff": func(t *rapid.T) {
				if len(m.snaps) == 0 {
					t.Skip("no snapshot")
				}
				a := m.snaps[rapid.IntRange(0, len(m.snaps)-1).Draw(t, "from")]
				b := m.snaps[rapid.IntRange(0, len(m.snaps)-1).Draw(t, "to")]
				m.diff(t, a, b, m.drawDiffOpts(t))
			},
			"diffSelf": func(t *rapid.T) {
				if len(m.snaps) == 0 {
					t.Skip("no snapshot")
				}
				a := m.snaps[rapid.IntRange(0, len(m.snaps)-1).Draw(t, "snap")]
				for c := range Diff(a.sn, a.sn) {
					t.Fatalf("Diff(a, a) yielded %s", changeString(c))
				}
			},
			"merge": func(t *rapid.T) {
				if len(m.stores) == 1 {
					t.Skip("no fork")
				}
				m.merge(t, rapid.IntRange(1, len(m.stores)-1).Draw(t, "fork"), rapid.IntRange(bmNoOption, bmResolve).Draw(t, "option"))
			},
			"mergeElsewhere": func(t *rapid.T) {
				// A store that is not the fork's parent refuses it.
				if len(m.stores) == 1 {
					t.Skip("no fork")
				}
				f := m.stores[rapid.IntRange(1, len(m.stores)-1).Draw(t, "fork")]
				other := store(t)
				if other == m.stores[f.parent] {
					t.Skip("the parent")
				}
				if _, err := other.s.Merge(f.s); !errors.Is(err, core.ErrInvalidArgument) {
					t.Fatalf("merge of %s into %s: %v, want ErrInvalidArgument", f.name, other.name, err)
				}
			},
		})
	})
}
