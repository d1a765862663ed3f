package proptest

import (
	"errors"
	"fmt"
	"slices"

	"github.com/inmemdb/inmem/core"
)

// The steps of branches (core.Brancher): forks of the store and of its
// forks, writes on them, diffs between any two views of the family, and
// merges back, each against the Model's forks (copies).

// maxBranches is how many forks a sequence keeps at once.
const maxBranches = 3

// branchStep is the step of branches: it draws one of fork, write on a
// fork, diff and merge. One step with its own draw, rather
// than four, leaves the other steps' odds almost as they were.
func (m *machine) branchStep() {
	switch m.d.draw(6, "branch action") {
	case 0:
		m.branch()
	case 1, 2:
		m.branchWrite()
	case 3:
		m.branchDiff()
	default:
		m.branchMerge()
	}
}

// branchPair is a fork of the store under test (or of one of its forks) and
// the Model's fork taken with it.
type branchPair struct {
	name   string
	store  core.Storage
	model  *Model
	parent *branchPair // nil: the machine's store
	epoch  int         // the machine's store's epoch when the fork was made
	base   viewPair    // the views it was forked from
}

// viewPair is a view of the store's family and the Model's view taken with
// it.
type viewPair struct {
	name  string
	sn    core.Snapshot
	model *ModelSnapshot
}

// pruneBranches drops the forks of a store the machine no longer drives (a
// Reopen made a new one), and theirs.
func (m *machine) pruneBranches() {
	m.branches = slices.DeleteFunc(m.branches, func(p *branchPair) bool {
		for q := p; q != nil; q = q.parent {
			if q.epoch != m.epoch {
				return true
			}
		}
		return false
	})
}

// branchSide returns a pair's store and Model, or the machine's for nil.
func (m *machine) branchSide(p *branchPair) (core.Storage, *Model, string) {
	if p == nil {
		return m.store, m.model, "store"
	}
	return p.store, p.model, p.name
}

// currentView takes a view of both sides of p (nil: the machine's store).
func (m *machine) currentView(p *branchPair) viewPair {
	s, model, name := m.branchSide(p)
	v, ok := s.(core.Viewer)
	if !ok {
		m.f.Fatalf("%s: a fork without View", name)
	}
	return viewPair{name: name + " now", sn: v.View(), model: model.Snapshot()}
}

// branch forks the store or one of its forks, at its current view or (the
// store) at a snapshot kept earlier.
func (m *machine) branch() {
	m.pruneBranches()
	if len(m.branches) == maxBranches {
		return
	}
	var parent *branchPair
	if i := m.d.draw(len(m.branches)+1, "fork of"); i > 0 {
		parent = m.branches[i-1]
	}
	from := m.currentView(parent)
	if parent == nil && len(m.snaps) > 0 && m.d.draw(2, "fork of a kept snapshot") == 0 {
		// A snapshot taken before a Reopen is a view of the store closed
		// then: its fork is not a fork of the store reopened.
		sp := m.snaps[m.d.draw(len(m.snaps), "kept snapshot")]
		if r := m.model.Reopened(); r == 0 || sp.model.version > r {
			from = viewPair{name: fmt.Sprintf("snapshot %d", sp.want.version), sn: sp.sn, model: sp.model}
		}
	}
	ps, pm, pname := m.branchSide(parent)
	b, ok := ps.(core.Brancher)
	if !ok {
		m.f.Fatalf("%s: a fork without Branch", pname)
	}
	fs, err := b.Branch(from.sn)
	if err != nil {
		m.f.Fatalf("Branch(%s): %v", from.name, err)
	}
	fm, err := pm.Branch(from.model)
	if err != nil {
		m.f.Fatalf("model: Branch(%s): %v", from.name, err)
	}
	p := &branchPair{
		name:   fmt.Sprintf("fork %d of %s at %d", len(m.branches), pname, from.model.version),
		store:  fs,
		model:  fm.(*Model),
		parent: parent,
		epoch:  m.epoch,
		base:   from,
	}
	m.branches = append(m.branches, p)
	m.checkBranch(p)
}

// pickBranch draws one of the forks; nil when there is none.
func (m *machine) pickBranch() *branchPair {
	m.pruneBranches()
	if len(m.branches) == 0 {
		return nil
	}
	return m.branches[m.d.draw(len(m.branches), "fork")]
}

// branchWrite puts or deletes a key on a fork.
func (m *machine) branchWrite() {
	p := m.pickBranch()
	if p == nil {
		return
	}
	k := m.key()
	if m.d.draw(3, "fork write") == 0 {
		want, wantErr := p.model.Delete(k)
		got, gotErr := p.store.Delete(k)
		m.fail(diffRead(got, gotErr, want, wantErr, m.ts), "%s: Delete(%s)", p.name, k)
	} else {
		val, ttl := m.value(), m.ttl()
		want, wantErr := p.model.Put(k, val, ttl)
		got, gotErr := p.store.Put(k, val, ttl)
		m.fail(diffVersion(got, gotErr, want, wantErr), "%s: Put(%s, %v, %v)", p.name, k, val, ttl)
	}
	m.checkBranch(p)
}

// branchViews returns the views a diff draws from: the store's now, the
// kept snapshots, and each fork's base and current view.
func (m *machine) branchViews() []viewPair {
	vs := []viewPair{m.currentView(nil)}
	for _, sp := range m.snaps {
		vs = append(vs, viewPair{name: fmt.Sprintf("snapshot %d", sp.want.version), sn: sp.sn, model: sp.model})
	}
	for _, p := range m.branches {
		b := p.base
		b.name = p.name + " base"
		vs = append(vs, b, m.currentView(p))
	}
	return vs
}

// branchDiff compares the diff between two views of the family, with drawn
// options, with the Model's.
func (m *machine) branchDiff() {
	m.pruneBranches()
	vs := m.branchViews()
	a, b := vs[m.d.draw(len(vs), "diff from")], vs[m.d.draw(len(vs), "diff to")]
	opts, desc := m.scanOptions(true)
	got := slices.Collect(m.c.branch.DiffViews(a.sn, b.sn, opts...))
	want := slices.Collect(m.model.DiffViews(a.model, b.model, opts...))
	m.fail(diffChanges(got, want, m.ts), "DiffViews(%s, %s, %s)", a.name, b.name, desc)
}

// branchMerge merges a fork into its parent, sometimes after the parent
// wrote a key the fork changed too, with a drawn option (none,
// PreferFork, PreferStore, or a Resolve function that deletes what the
// fork deleted, takes the fork's value where the store has none, and else
// a drawn value) and compares the outcome, the conflicts Resolve was asked
// about and both sides after, with the Model's.
func (m *machine) branchMerge() {
	p := m.pickBranch()
	if p == nil {
		return
	}
	ps, pm, pname := m.branchSide(p.parent)
	b := ps.(core.Brancher)
	if m.d.draw(2, "parent writes a key the fork changed") == 0 {
		// Both sides change one key: a conflict, unless they agree.
		var changed []core.Key
		for c := range p.model.DiffViews(p.base.model, p.model.Snapshot()) {
			changed = append(changed, c.Key)
		}
		if len(changed) > 0 {
			k := changed[m.d.draw(len(changed), "key both change")]
			val, ttl := m.value(), m.ttl()
			want, wantErr := pm.Put(k, val, ttl)
			got, gotErr := ps.Put(k, val, ttl)
			m.fail(diffVersion(got, gotErr, want, wantErr), "%s: Put(%s, %v, %v)", pname, k, val, ttl)
		}
	}
	choice := m.d.draw(4, "merge option")
	pick := m.d.draw(len(values), "resolved value")
	var optName string
	var seen [2][]string
	opts := func(side int) []core.MergeOption {
		switch choice {
		case 1:
			optName = "PreferFork"
			return []core.MergeOption{core.PreferFork()}
		case 2:
			optName = "PreferStore"
			return []core.MergeOption{core.PreferStore()}
		case 3:
			optName = "Resolve"
			n := 0
			return []core.MergeOption{core.Resolve(func(c core.Conflict) (core.Value, bool, error) {
				seen[side] = append(seen[side], conflictString(c, m.ts))
				n++
				switch {
				case !c.InFork:
					return core.Value{}, false, nil
				case !c.InStore:
					return c.Fork.Value, true, nil
				}
				return values[(pick+n)%len(values)], true, nil
			})}
		}
		optName = "no option"
		return nil
	}
	want, wantErr := pm.MergeBranch(p.model, opts(0)...)
	got, gotErr := b.MergeBranch(p.store, opts(1)...)
	op := fmt.Sprintf("%s: Merge(%s, %s)", pname, p.name, optName)
	m.fail(diffVersion(got, gotErr, want, wantErr), "%s", op)
	var gc, wc *core.MergeConflict
	if errors.As(wantErr, &wc) {
		if !errors.As(gotErr, &gc) {
			m.f.Fatalf("%s: error %v, want a *MergeConflict", op, gotErr)
		}
		m.fail(diffKeys(gc.Keys, wc.Keys), "%s: the conflicting keys", op)
	}
	if !slices.Equal(seen[1], seen[0]) {
		m.f.Fatalf("%s: Resolve was asked about\n %q\nwant\n %q", op, seen[1], seen[0])
	}
	m.checkBranch(p)
	if p.parent != nil {
		m.checkBranch(p.parent)
	}
}

// conflictString describes a conflict for comparisons.
func conflictString(c core.Conflict, ts bool) string {
	side := func(in bool, v core.VersionedValue) string {
		if !in {
			return "-"
		}
		s := fmt.Sprintf("%v@%d ttl=%v", v.Value, v.Version, v.TTL)
		if ts {
			s += " at " + v.Timestamp.String()
		}
		return s
	}
	return fmt.Sprintf("%s base=%s store=%s fork=%s", c.Key, side(c.InBase, c.Base), side(c.InStore, c.Store), side(c.InFork, c.Fork))
}

// diffKeys describes how two key lists differ, or returns "".
func diffKeys(got, want []core.Key) string {
	if slices.EqualFunc(got, want, func(a, b core.Key) bool { return a.Equal(b) }) {
		return ""
	}
	return fmt.Sprintf("%v, want %v", got, want)
}

// checkBranch compares a fork with its Model: its version, its current view
// (every live entry) and its run scans.
func (m *machine) checkBranch(p *branchPair) {
	if got, want := p.store.CurrentVersion(), p.model.CurrentVersion(); got != want {
		m.f.Fatalf("%s: CurrentVersion() = %d, want %d", p.name, got, want)
	}
	v := m.currentView(p)
	m.fail(diffEntries(collect(v.sn.Scan(core.AllKeys())), collect(v.model.Scan(core.AllKeys())), m.ts), "%s: Scan(everything)", p.name)
	for _, r := range allRuns() {
		want, wantErr := p.model.ScanByRun(r, core.Latest)
		got, gotErr := p.store.ScanByRun(r, core.Latest)
		m.fail(diffScan(got, gotErr, want, wantErr, m.ts), "%s: ScanByRun(%s, Latest)", p.name, r)
	}
}
