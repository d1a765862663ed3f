package mvcc

import (
	"fmt"
	"iter"

	"github.com/inmemdb/inmem/core"
)

// The store's branches as core's capability (core.Brancher), for code
// written against core's interfaces: twins of Fork, Merge and Diff that
// take and return core's types.
var _ core.Brancher = (*Store)(nil)

// Branch is Fork of the view from as a core.Storage (core.Brancher): from
// must be a *Snapshot (View, ViewAt and Snapshot hand them out), of this
// store or of any other; another view is refused with
// core.ErrInvalidArgument. The fork takes the settings of the store the
// snapshot came from. Safe for concurrent use.
func (s *Store) Branch(from core.Snapshot) (core.Storage, error) {
	sn, ok := from.(*Snapshot)
	if !ok {
		return nil, fmt.Errorf("%w: Branch of a view that is not an mvcc snapshot", core.ErrInvalidArgument)
	}
	f, err := sn.Fork()
	if err != nil {
		return nil, err
	}
	return f, nil
}

// MergeBranch is Merge as core.Brancher's: fork must be a *Store that is a
// fork of s; anything else is refused with core.ErrInvalidArgument. The
// same errors as Merge otherwise. Safe for concurrent use.
func (s *Store) MergeBranch(fork core.Storage, opts ...core.MergeOption) (uint64, error) {
	f, ok := fork.(*Store)
	if !ok {
		return 0, fmt.Errorf("%w: Merge of a store that is not a fork of this one", core.ErrInvalidArgument)
	}
	return s.Merge(f, opts...)
}

// DiffViews is Diff as core.Brancher's: from and to must be *Snapshots;
// with another view it yields nothing. Safe for concurrent use.
func (s *Store) DiffViews(from, to core.Snapshot, opts ...core.ScanOption) iter.Seq[core.Change] {
	a, okA := from.(*Snapshot)
	b, okB := to.(*Snapshot)
	if !okA || !okB {
		return func(func(core.Change) bool) {}
	}
	return Diff(a, b, opts...)
}
