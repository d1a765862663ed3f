package mvcc

import (
	"fmt"

	"github.com/inmemdb/inmem/core"
)

// The store's capabilities as core's interfaces. The methods of the
// contract that hand out a snapshot, a transaction or a watcher return
// mvcc's own types (Snapshot() *Snapshot, Begin() *Txn, ...); Go has no
// covariant results, so each has a twin under a name of its own that
// returns the core interface.
// Code written against core's interfaces (the conformance suite, the
// cleaner, a program that runs on mvcc or etcdstore) calls the twins.

// Compile-time proof that the store, its snapshots, transactions and
// watchers keep every capability of the contract.
var (
	_ core.Storage           = (*Store)(nil)
	_ core.Viewer            = (*Store)(nil)
	_ core.ViewerAt          = (*Store)(nil)
	_ core.Scanner           = (*Store)(nil)
	_ core.TypeScanner       = (*Store)(nil)
	_ core.CompareAndSwapper = (*Store)(nil)
	_ core.Transactor        = (*Store)(nil)
	_ core.Watchable         = (*Store)(nil)
	_ core.Appender          = (*Store)(nil)
	_ core.PrefixDeleter     = (*Store)(nil)
	_ core.Toucher           = (*Store)(nil)
	_ core.ExpiryTarget      = (*Store)(nil)
	_ core.Expirer           = (*Store)(nil)
	_ core.NamespaceLister   = (*Store)(nil)

	_ core.SnapshotView    = (*Snapshot)(nil)
	_ core.Snapshot        = (*Snapshot)(nil)
	_ core.IndexScanner    = (*Snapshot)(nil)
	_ core.NamespaceLister = (*Snapshot)(nil)

	_ core.Txn         = (*Txn)(nil)
	_ core.TxnAppender = (*Txn)(nil)

	_ core.Watcher = (*Watcher)(nil)
)

// View is Snapshot as a core.Snapshot (core.Viewer). Safe for concurrent
// use.
func (s *Store) View() core.Snapshot { return s.Snapshot() }

// ViewAt is SnapshotAt as a core.Snapshot (core.ViewerAt): the same errors,
// and a nil Snapshot with them. Safe for concurrent use.
func (s *Store) ViewAt(v uint64) (core.Snapshot, error) {
	sn, err := s.SnapshotAt(v)
	if err != nil {
		return nil, err
	}
	return sn, nil
}

// BeginTxn is Begin as a core.Txn (core.Transactor). Safe for concurrent
// use; the Txn is not.
func (s *Store) BeginTxn() core.Txn { return s.Begin() }

// UpdateTxn is Update with fn taking a core.Txn (core.Transactor): the same
// retries and errors. Safe for concurrent use.
func (s *Store) UpdateTxn(fn func(core.Txn) error) (uint64, error) {
	if fn == nil {
		return 0, fmt.Errorf("%w: UpdateTxn needs a function", core.ErrInvalidArgument)
	}
	return s.Update(func(t *Txn) error { return fn(t) })
}

// WatchCommits is Watch as a core.Watcher (core.Watchable). Safe for
// concurrent use.
func (s *Store) WatchCommits(after uint64, opts ...core.WatchOption) core.Watcher {
	return s.Watch(after, opts...)
}

// Err returns nil: the reads of an in-memory snapshot never fail (see
// core.Snapshot, whose remote implementations report a failed lazy scan
// here).
func (sn *Snapshot) Err() error { return nil }
