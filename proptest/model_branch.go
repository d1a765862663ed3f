package proptest

import (
	"fmt"
	"iter"
	"maps"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
)

// The Model's branches (core.Brancher), written for clarity: a fork is a
// copy, a diff compares two views key by key, a merge compares three maps.

var _ core.Brancher = (*Model)(nil)

// modelFork is what a Model that is a fork knows of where it came from.
type modelFork struct {
	parent *Model
	base   *ModelSnapshot // the view it was forked from
	// mark is the fork's state at its last merge (nil: none yet): the last
	// state it and its parent agreed on.
	mark modelState
}

// Branch returns a fork of the view from, which must be a *ModelSnapshot
// that a Model handed out (Snapshot, View, SnapshotAt, ViewAt): a new Model
// holding the view's versions up to its own (shared: they never change), on
// the same clock, that changes apart from its parent from then on. Its
// history before the view's version reads as the parent's; a store keeps no
// commit record of it (Reopened is the view's version). Another view:
// ErrInvalidArgument. Safe for concurrent use.
func (m *Model) Branch(from core.Snapshot) (core.Storage, error) {
	sn, ok := from.(*ModelSnapshot)
	if !ok || sn == nil || sn.origin == nil {
		return nil, fmt.Errorf("%w: Branch of a view no Model handed out", core.ErrInvalidArgument)
	}
	o := sn.origin
	o.mu.Lock()
	defer o.mu.Unlock()
	v := sn.version
	f := &Model{
		clock:       o.clock,
		states:      o.states[: v+1 : v+1],
		commits:     o.commits[: v+1 : v+1],
		lastRemoval: v,
		reopened:    v,
		indexes:     slices.Clone(o.indexes), // a fork keeps its store's vector index rules
		fork:        &modelFork{parent: o, base: sn},
	}
	return f, nil
}

// Base returns the view a fork was forked from, or nil for a Model that is
// not a fork. Safe for concurrent use.
func (m *Model) Base() *ModelSnapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fork == nil {
		return nil
	}
	return m.fork.base
}

// DiffViews yields, in key order (Reverse, Limit, After and Within apply),
// the keys whose Get differs between from and to, two *ModelSnapshots: a
// ChangePut with to's value where to has a live one (absent from from, or
// another value, version, timestamp or TTL), a ChangeDelete with from's
// value where only from has one. Other views, or an invalid option, yield
// nothing. Safe for concurrent use.
func (m *Model) DiffViews(from, to core.Snapshot, opts ...core.ScanOption) iter.Seq[core.Change] {
	a, okA := from.(*ModelSnapshot)
	b, okB := to.(*ModelSnapshot)
	o := core.NewScanOptions(opts...)
	if !okA || !okB || a == nil || b == nil || o.Err != nil {
		return func(func(core.Change) bool) {}
	}
	var all []core.Change
	keys := map[mkey]core.Key{}
	for _, e := range a.live {
		keys[keyOf(e.Key)] = e.Key
	}
	for _, e := range b.live {
		keys[keyOf(e.Key)] = e.Key
	}
	for _, k := range keys {
		x, errX := liveIn(a.st, k, a.now)
		y, errY := liveIn(b.st, k, b.now)
		switch {
		case errY == nil && (errX != nil || !sameVersioned(x, y)):
			all = append(all, core.Change{Key: ownKey(k), Op: core.ChangePut, Value: y})
		case errX == nil && errY != nil:
			all = append(all, core.Change{Key: ownKey(k), Op: core.ChangeDelete, Value: x})
		}
	}
	sortChanges(all)
	if o.Reverse {
		slices.Reverse(all)
	}
	var out []core.Change
	for _, c := range all {
		if !o.Within.Match(c.Key) {
			continue
		}
		if o.HasAfter {
			cmp := c.Key.Compare(o.After)
			if !o.Reverse && cmp <= 0 || o.Reverse && cmp >= 0 {
				continue
			}
		}
		out = append(out, c)
		if o.Limit > 0 && len(out) == o.Limit {
			break
		}
	}
	return slices.Values(out)
}

// sameVersioned reports whether a and b read alike: the same value,
// version, timestamp and TTL.
func sameVersioned(a, b core.VersionedValue) bool {
	return a.Value.Equal(b.Value) && a.Version == b.Version && a.Timestamp.Equal(b.Timestamp) && a.TTL == b.TTL
}

// MergeBranch merges fork, a Model that Branch made from a view of m, into
// m: a three-way merge against the last state both agreed on (the fork's
// base, or the fork as its last merge left it). The keys whose records the
// fork changed since then and whose reading (value and TTL deadline, or
// none, judged now) changed are the fork's changes; a key m's reading also
// changed since then, to something else than the fork's, is a conflict,
// decided by the options or reported as a *core.MergeConflict with nothing
// changed. The changes are applied in one commit: the fork's value with its
// deadline (a delete when it has expired by now), a value Resolve chose
// without a TTL, deletes of live values as ChangeDelete; keys that already
// read as the merge would leave them are not written. Resolve's function is
// called with m's lock held: it must not call m. Safe for concurrent use.
func (m *Model) MergeBranch(fork core.Storage, opts ...core.MergeOption) (uint64, error) {
	o := core.NewMergeOptions(opts...)
	if o.Err != nil {
		return 0, o.Err
	}
	f, ok := fork.(*Model)
	if !ok || f == m {
		return 0, fmt.Errorf("%w: Merge of a store that is not a fork of this one", core.ErrInvalidArgument)
	}
	f.mu.Lock()
	fi := f.fork
	if fi == nil || fi.parent != m {
		f.mu.Unlock()
		return 0, fmt.Errorf("%w: Merge of a store that is not a fork of this one", core.ErrInvalidArgument)
	}
	from := fi.base.st
	if fi.mark != nil {
		from = fi.mark
	}
	cur := f.current()
	f.mu.Unlock()

	var changed []core.Key // the keys whose records the fork changed, in key order
	for k, e := range cur {
		if b, ok := from[k]; !ok || !sameVersioned(b.Value, e.Value) {
			changed = append(changed, e.Key)
		}
	}
	for k, e := range from {
		if _, ok := cur[k]; !ok {
			changed = append(changed, e.Key)
		}
	}
	slices.SortFunc(changed, func(a, b core.Key) int { return a.Compare(b) })

	m.mu.Lock()
	defer m.mu.Unlock()
	if len(changed) == 0 {
		return m.version(), nil
	}
	now := m.Now()
	st := m.current()
	type write struct {
		k     core.Key
		put   bool
		value core.Value
		ttl   time.Duration
	}
	var writes []write
	var conflicts []core.Key
	for _, k := range changed {
		base, inBase := live(from, k, now)
		fv, inFork := live(cur, k, now)
		sv, inStore := live(st, k, now)
		if alike(inBase, base, inFork, fv) {
			continue // the record changed, not what it reads
		}
		side := core.ForkSide
		var resolved *core.Value
		if !alike(inBase, base, inStore, sv) && !alike(inStore, sv, inFork, fv) {
			switch {
			case o.Side != core.Undecided:
				side = o.Side
			case o.Resolve != nil:
				c := core.Conflict{Key: ownKey(k), InBase: inBase, InStore: inStore, InFork: inFork}
				if inBase {
					c.Base = base
				}
				if inStore {
					c.Store = sv
				}
				if inFork {
					c.Fork = fv
				}
				v, keep, err := o.Resolve(c)
				switch {
				case err != nil:
					return 0, fmt.Errorf("proptest: merge: resolving %s: %w", k, err)
				case !keep:
					inFork = false // a delete, as the fork's side
				case inFork && v.Equal(fv.Value):
				case inStore && v.Equal(sv.Value):
					side = core.StoreSide
				default:
					resolved = &v
				}
			default:
				conflicts = append(conflicts, ownKey(k))
				continue
			}
		}
		switch {
		case side == core.StoreSide:
		case resolved != nil:
			writes = append(writes, write{k: k, put: true, value: *resolved})
		case !inFork:
			if inStore {
				writes = append(writes, write{k: k})
			}
		case !alike(inStore, sv, true, fv):
			w := write{k: k, put: true, value: fv.Value}
			if fv.TTL > 0 {
				w.ttl = fv.Timestamp.Add(fv.TTL).Sub(now)
			}
			writes = append(writes, w)
		}
	}
	if len(conflicts) > 0 {
		return 0, &core.MergeConflict{Keys: conflicts}
	}
	v, err := m.commitAs(true, func(next modelState, version uint64, now time.Time) (bool, error) {
		for _, w := range writes {
			if !w.put {
				delete(next, keyOf(w.k))
				continue
			}
			next[keyOf(w.k)] = core.Entry{Key: ownKey(w.k), Value: core.VersionedValue{Value: w.value, Version: version, Timestamp: now, TTL: w.ttl}}
		}
		return len(writes) > 0, nil
	})
	if err != nil {
		return 0, err
	}
	f.mu.Lock()
	f.fork.mark = maps.Clone(cur)
	f.mu.Unlock()
	return v, nil
}

// live returns the live value of k in st at now, and whether there is one.
func live(st modelState, k core.Key, now time.Time) (core.VersionedValue, bool) {
	vv, err := liveIn(st, k, now)
	return vv, err == nil
}

// alike reports whether two sides of a merge read alike: both without a
// value, or both with equal values and the same TTL deadline (or none).
func alike(inA bool, a core.VersionedValue, inB bool, b core.VersionedValue) bool {
	if !inA || !inB {
		return inA == inB
	}
	if !a.Value.Equal(b.Value) || (a.TTL > 0) != (b.TTL > 0) {
		return false
	}
	return a.TTL == 0 || a.Timestamp.Add(a.TTL).Equal(b.Timestamp.Add(b.TTL))
}
