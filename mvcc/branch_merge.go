package mvcc

import (
	"errors"
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/btree"
)

// MergeConflict is the error of a Merge that found keys both sides changed
// differently since the fork's base and had no MergeOption to decide them.
// errors.Is(err, core.ErrConflict) holds for it, and errors.As finds it as a
// *core.MergeConflict too (the form code written against core.Brancher
// looks for), with the same keys.
type MergeConflict struct {
	Keys []core.Key // the conflicting keys, in key order
}

// Error lists the conflicting keys (the first few), as core.MergeConflict
// does.
func (e *MergeConflict) Error() string { return e.core().Error() }

// Is reports whether target is core.ErrConflict.
func (e *MergeConflict) Is(target error) bool { return target == core.ErrConflict }

// As lets errors.As find e as a *core.MergeConflict: target must be a
// **core.MergeConflict, which it sets to one holding e's keys.
func (e *MergeConflict) As(target any) bool {
	p, ok := target.(**core.MergeConflict)
	if ok {
		*p = e.core()
	}
	return ok
}

func (e *MergeConflict) core() *core.MergeConflict { return &core.MergeConflict{Keys: e.Keys} }

// MergeOption decides the conflicts of a Merge (PreferFork, PreferStore,
// Resolve). With several, the last one given decides. It is
// core.MergeOption.
type MergeOption = core.MergeOption

// Conflict is one key both sides of a Merge changed differently since the
// base: what the base, the store and the fork hold (Base, Store, Fork), and
// which of them hold a value (InBase, InStore, InFork), expiry judged at the
// merge's time on all three. It is core.Conflict.
type Conflict = core.Conflict

// PreferFork makes every conflict take the fork's side: its value, or its
// delete (core.PreferFork).
func PreferFork() MergeOption { return core.PreferFork() }

// PreferStore makes every conflict keep the store's side
// (core.PreferStore).
func PreferStore() MergeOption { return core.PreferStore() }

// Resolve decides each conflict with fn: keep=false deletes the key (if the
// store holds it); keep=true stores v. A kept v equal to the fork's value is
// written as the fork holds it, with its TTL deadline; one equal to the
// store's value leaves the store's as it is; any other v is written without
// a TTL. An error from fn aborts the merge, which changes nothing and
// returns it wrapped. fn runs on the merging goroutine, before the merge
// commits, with no lock held; when the store changes a merged key meanwhile
// the merge plans again, and fn may be asked about a key again. A nil fn is
// refused with core.ErrInvalidArgument (core.Resolve).
func Resolve(fn func(c Conflict) (v core.Value, keep bool, err error)) MergeOption {
	return core.Resolve(fn)
}

// mergeMark is what a fork's last merge took: the fork's state. The next
// merge of the fork starts from it instead of the fork's base: it is the
// last state the fork and the store agreed on.
type mergeMark struct {
	fork *state
}

// Merge applies to s, in one commit (one version, through the one publish
// path: watchers see one commit, a durable store's log holds one record),
// every difference between fork's base and fork's current state, and
// returns the commit's version. A key that s also changed since that base,
// to something other than what the fork now holds, is a conflict: without a
// MergeOption that decides it, Merge changes nothing and returns a
// *MergeConflict naming every such key (errors.Is(err, core.ErrConflict)).
//
// A value merged in keeps the fork's TTL deadline (a value that has expired
// by the merge's time is merged as a delete); it is written at the merge's
// version and time. Keys whose values already agree are not written; when
// nothing needs writing Merge assigns no version and returns s's current
// version.
//
// Merge holds however long the fork lived: the base is the snapshot the
// fork keeps (Base), so it needs no history window. The fork remembers
// what it merged: merging it again applies only what changed on it since
// (nothing when nothing did), against s as that merge left it. Finding the
// fork's changes costs O(d × log n) for d changed keys, whatever the size
// of either store (see Diff); the commit writes d keys.
//
// Errors: core.ErrInvalidArgument when fork is nil or is not a fork of s
// (its base is not a snapshot of s: a fork of a fork merges into its own
// parent), or for a bad option; core.ErrClosed when s or fork is closed; a
// value over s's limits, core.ErrTooLarge; core.ErrConflict when s keeps
// changing the merged keys while the merge is planned, after as many tries
// as Update makes. On any error nothing changes. Safe for concurrent use.
func (s *Store) Merge(fork *Store, opts ...MergeOption) (uint64, error) {
	o := core.NewMergeOptions(opts...)
	switch {
	case o.Err != nil:
		return 0, o.Err
	case fork == nil || fork.base == nil || fork.base.from != s:
		return 0, fmt.Errorf("%w: Merge of a store that is not a fork of this one", core.ErrInvalidArgument)
	case s.isClosed.Load():
		return 0, errClosed
	case fork.isClosed.Load():
		return 0, fmt.Errorf("mvcc: merge of a closed fork: %w", core.ErrClosed)
	}
	mark := fork.merged.Load()
	from := fork.base.st
	if mark != nil {
		from = mark.fork
	}
	cur := fork.root.Load().cur

	// What changed on the fork since the last merge (or the base): the keys
	// whose stored records differ, found by the walk that skips what the two
	// trees share.
	var changes []forkChange
	btree.Diff(&from.data, &cur.data, "", "", false, sameStored, func(enc string, x, y *stored) bool {
		c := forkChange{enc: enc}
		if x != nil {
			c.base, c.inBase = *x, true
		}
		if y != nil {
			c.fork, c.inFork = *y, true
		}
		changes = append(changes, c)
		return true
	})
	if len(changes) == 0 {
		return s.CurrentVersion(), nil
	}
	m := merger{s: s, o: &o, changes: changes}
	for try := 1; ; try++ {
		if err := m.plan(); err != nil {
			return 0, err
		}
		v, err := s.commit(func(d *draft) error {
			if err := m.check(d); err != nil {
				return err
			}
			m.apply(d)
			return nil
		})
		if errors.Is(err, errMergeMoved) && try < s.cfg.updateRetries {
			continue
		}
		if err != nil {
			return 0, err
		}
		fork.remember(&mergeMark{fork: cur})
		return v, nil
	}
}

// remember records mark as the fork's last merge, unless a concurrent merge
// of the fork already recorded a later state of it.
func (s *Store) remember(mark *mergeMark) {
	for {
		old := s.merged.Load()
		if old != nil && old.fork.version > mark.fork.version {
			return
		}
		if s.merged.CompareAndSwap(old, mark) {
			return
		}
	}
}

// errMergeMoved ends a merge's commit when the store changed a key the
// merge planned for after it planned: the merge plans again.
var errMergeMoved = fmt.Errorf("%w: the store kept changing the keys being merged", core.ErrConflict)

// forkChange is one key the fork changed since the base: its record there
// and now (in* false: absent).
type forkChange struct {
	enc            string
	base, fork     stored
	inBase, inFork bool
}

// mergeAction is what a merge does to one key of the store.
type mergeAction uint8

const (
	actKeep   mergeAction = iota // leave the store's value
	actFork                      // write the fork's record (its value and TTL deadline)
	actValue                     // write a value Resolve chose, without a TTL
	actDelete                    // delete the store's value, if live
)

// mergeStep is the plan for one changed key: the store's record it was
// planned against (checked at commit) and the action.
type mergeStep struct {
	had   bool
	was   stored
	act   mergeAction
	value core.Value // actValue
}

// merger plans and applies one Merge.
type merger struct {
	s       *Store
	o       *core.MergeOptions
	changes []forkChange
	steps   []mergeStep // steps[i] is the plan for changes[i]
}

// plan decides every changed key against the store's current state, and
// returns a *MergeConflict for the conflicts no option decides.
//
// The base of the three-way merge is the last state both sides agreed on:
// the fork's base, or the fork as its last merge took it. A side changed a
// key when it reads otherwise than the base now: another value or TTL
// deadline, or a value where the base has none (or the other way round),
// expiry judged at the merge's time on all three. A rewrite of the same
// value is no change, and versions do not count (a merged value has the
// store's version).
func (m *merger) plan() error {
	st, now := m.s.root.Load().cur, m.s.Now()
	m.steps = m.steps[:0]
	var conflicts []core.Key
	var kd keyDecoder
	for i := range m.changes {
		c := &m.changes[i]
		was, had := st.get(c.enc)
		step := mergeStep{had: had, was: was, act: actFork}
		baseLive := c.inBase && visible(&c.base, now)
		forkLive := c.inFork && visible(&c.fork, now)
		storeLive := had && visible(&was, now)
		switch {
		case sameRead(baseLive, &c.base, forkLive, &c.fork):
			step.act = actKeep // the fork's record changed, its reading did not
		case !sameRead(baseLive, &c.base, storeLive, &was):
			// Both sides changed the key since the base.
			switch {
			case sameRead(storeLive, &was, forkLive, &c.fork):
				step.act = actKeep // both sides arrived at the same
			case m.o.Side == core.ForkSide:
			case m.o.Side == core.StoreSide:
				step.act = actKeep
			case m.o.Resolve != nil:
				var err error
				if step, err = m.resolve(c, step, baseLive, storeLive, forkLive, &kd); err != nil {
					return err
				}
			default:
				conflicts = append(conflicts, kd.key(c.enc))
			}
		}
		if step.act == actFork && c.inFork {
			if _, err := m.s.checkSize(c.enc, c.fork.val); err != nil {
				return err
			}
		}
		m.steps = append(m.steps, step)
	}
	if len(conflicts) > 0 {
		return &MergeConflict{Keys: conflicts}
	}
	return nil
}

// resolve asks the Resolve function about the conflict of c.
func (m *merger) resolve(c *forkChange, step mergeStep, baseLive, storeLive, forkLive bool, kd *keyDecoder) (mergeStep, error) {
	cf := Conflict{Key: kd.key(c.enc), InBase: baseLive, InStore: storeLive, InFork: forkLive}
	if baseLive {
		cf.Base = c.base.public()
	}
	if storeLive {
		cf.Store = step.was.public()
	}
	if forkLive {
		cf.Fork = c.fork.public()
	}
	v, keep, err := m.o.Resolve(cf)
	switch {
	case err != nil:
		return step, fmt.Errorf("mvcc: merge: resolving %s: %w", cf.Key, err)
	case !keep:
		step.act = actDelete
	case forkLive && v.Equal(c.fork.val):
		step.act = actFork
	case storeLive && v.Equal(step.was.val):
		step.act = actKeep
	default:
		if _, err := m.s.checkSize(c.enc, v); err != nil {
			return step, err
		}
		step.act, step.value = actValue, v
	}
	return step, nil
}

// sameRead reports whether two sides read alike for a merge: both without
// a live value, or both with equal values and the same TTL deadline.
func sameRead(aLive bool, a *stored, bLive bool, b *stored) bool {
	if !aLive || !bLive {
		return aLive == bLive
	}
	if !a.val.Equal(b.val) {
		return false
	}
	as, an, aok := a.deadline()
	bs, bn, bok := b.deadline()
	return aok == bok && as == bs && an == bn
}

// check refuses the commit when the store changed a planned key since the
// plan: the merge plans again.
func (m *merger) check(d *draft) error {
	for i := range m.changes {
		r, ok := d.get(m.changes[i].enc)
		if st := &m.steps[i]; ok != st.had || ok && !sameStored(&r, &st.was) {
			return errMergeMoved
		}
	}
	return nil
}

// apply carries out the plan on the draft, at the draft's version and time.
func (m *merger) apply(d *draft) {
	d.expectChanges(len(m.changes))
	for i := range m.changes {
		c, step := &m.changes[i], &m.steps[i]
		act := step.act
		var ttl time.Duration
		if act == actFork && c.inFork && c.fork.ttl > 0 {
			// Keep the fork's deadline: the value is written now.
			at, _ := c.fork.expiresAt()
			if ttl = at.Sub(d.now); ttl <= 0 {
				act = actDelete // expired by the merge's time
			}
		}
		if act == actFork && !c.inFork {
			act = actDelete
		}
		switch act {
		case actFork:
			if !step.had || !sameRead(true, &step.was, true, &c.fork) || !visible(&step.was, d.now) {
				d.put(c.enc, c.fork.val, ttl)
			}
		case actValue:
			d.put(c.enc, step.value, 0)
		case actDelete:
			if _, ok := d.live(c.enc); ok {
				d.remove(c.enc, core.ChangeDelete)
			}
		}
	}
}
