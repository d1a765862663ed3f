package core

import (
	"fmt"
	"iter"
	"strings"
)

// Branches: a store may fork itself, compare two of its views, and merge a
// fork back (Brancher). What shapes a merge and what a conflict reports are
// core types, which stores alias, so a merge reads the same on every store.

// Brancher is a store with branches. A branch (a fork) is a new store that
// starts as a view of this one and from then on changes apart from it:
// writes on either side never reach the other.
type Brancher interface {
	// Branch returns a fork that starts as the view from (a view of this
	// store or of one of its branches, as its View or ViewAt hands out),
	// with the capabilities of this store; ErrInvalidArgument for a view the
	// store cannot fork. The fork's versions continue from the view's.
	Branch(from Snapshot) (Storage, error)
	// MergeBranch applies to this store, in one commit, every change the
	// fork (a Branch of this store) made since it was forked or last merged,
	// and returns the commit's version (the current version when there is
	// nothing to apply). A key this store also changed since then, to
	// something else than the fork holds, is a conflict: without an option
	// that decides it, nothing changes and the error is a *MergeConflict.
	// ErrInvalidArgument when fork is not a branch of this store.
	MergeBranch(fork Storage, opts ...MergeOption) (uint64, error)
	// DiffViews yields, in key order (Reverse, Limit, After and Within apply),
	// exactly the keys whose Get differs between from and to, two views of
	// this store or of its branches: ChangePut with to's value where to has
	// one, ChangeDelete with from's value where only from has one. Views the
	// store cannot compare yield nothing.
	DiffViews(from, to Snapshot, opts ...ScanOption) iter.Seq[Change]
}

// Conflict is one key both sides of a merge changed differently since the
// base: what the base, the store and the fork hold, expiry judged at the
// merge's time on all three.
type Conflict struct {
	Key                     Key
	Base, Store, Fork       VersionedValue // what each side holds
	InBase, InStore, InFork bool           // false where that side has no value
}

// MergeConflict is the error of a merge that found keys both sides changed
// differently since the base and had no option to decide them.
// errors.Is(err, ErrConflict) holds for it.
type MergeConflict struct {
	Keys []Key // the conflicting keys, in key order
}

// Error lists the conflicting keys (the first few).
func (e *MergeConflict) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "inmem: merge conflict: %d key(s) changed on both sides since the base:", len(e.Keys))
	for i, k := range e.Keys {
		if i == 5 {
			b.WriteString(" ...")
			break
		}
		b.WriteString(" " + k.String())
	}
	return b.String()
}

// Is reports whether target is ErrConflict.
func (e *MergeConflict) Is(target error) bool { return target == ErrConflict }

// MergeOption decides the conflicts of a merge (PreferFork, PreferStore,
// Resolve). With several, the last one given decides. A store reads them
// with NewMergeOptions.
type MergeOption func(*MergeOptions)

// MergeSide is the side a merge's conflicts take without a Resolve function.
type MergeSide uint8

const (
	// Undecided: a conflict is reported (a *MergeConflict) and nothing
	// changes.
	Undecided MergeSide = iota
	// ForkSide: a conflict takes the fork's side, its value or its delete.
	ForkSide
	// StoreSide: a conflict keeps the store's side.
	StoreSide
)

// MergeOptions is what a list of MergeOptions asks for, as a store reads it.
type MergeOptions struct {
	Side MergeSide
	// Resolve, when not nil, decides each conflict (see the Resolve option);
	// Side is then Undecided.
	Resolve func(c Conflict) (v Value, keep bool, err error)
	// Err is the first invalid option (a nil Resolve function): an error
	// wrapping ErrInvalidArgument, which the merge returns.
	Err error
}

// PreferFork makes every conflict take the fork's side: its value, or its
// delete.
func PreferFork() MergeOption {
	return func(o *MergeOptions) { o.Side, o.Resolve = ForkSide, nil }
}

// PreferStore makes every conflict keep the store's side.
func PreferStore() MergeOption {
	return func(o *MergeOptions) { o.Side, o.Resolve = StoreSide, nil }
}

// Resolve decides each conflict with fn: keep=false deletes the key (if the
// store holds it); keep=true stores v. A kept v equal to the fork's value is
// written as the fork holds it, with its TTL deadline; one equal to the
// store's value leaves the store's as it is; any other v is written without
// a TTL. An error from fn aborts the merge, which changes nothing and
// returns it wrapped. A nil fn makes the merge fail with ErrInvalidArgument.
func Resolve(fn func(c Conflict) (v Value, keep bool, err error)) MergeOption {
	return func(o *MergeOptions) {
		if fn == nil {
			o.Err = fmt.Errorf("%w: Resolve needs a function", ErrInvalidArgument)
			return
		}
		o.Side, o.Resolve = Undecided, fn
	}
}

// NewMergeOptions applies opts, in order, to the zero MergeOptions and
// returns the result; nil options are skipped.
func NewMergeOptions(opts ...MergeOption) MergeOptions {
	var o MergeOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}
