package etcdstore

import (
	"github.com/inmemdb/inmem/core"
)

// The store's capabilities as core's interfaces. The methods that hand out
// a snapshot, a transaction or a watcher return the store's own types
// (Snapshot() *Snapshot, Begin() *Txn, Watch() *Watcher), as mvcc's do;
// each has a twin that returns the core interface (View, ViewAt, BeginTxn,
// UpdateTxn, WatchCommits), so code written against core's interfaces runs
// on either store.
//
// Not offered: core.Scanner on the Store (a lazy scan whose etcd reads can
// fail belongs to a Snapshot, whose Err reports the failure: take
// Snapshot().Scan) and core.Expirer (one etcd transaction removes at most
// RemoveBatchLimit values, fewer than a cleaner's batch may ask for; the
// cleaner drives FindExpired and RemoveExpired instead).
var (
	_ core.Storage           = (*Store)(nil)
	_ core.Viewer            = (*Store)(nil)
	_ core.ViewerAt          = (*Store)(nil)
	_ core.TypeScanner       = (*Store)(nil)
	_ core.CompareAndSwapper = (*Store)(nil)
	_ core.Transactor        = (*Store)(nil)
	_ core.Watchable         = (*Store)(nil)
	_ core.Appender          = (*Store)(nil)
	_ core.PrefixDeleter     = (*Store)(nil)
	_ core.Toucher           = (*Store)(nil)
	_ core.ExpiryTarget      = (*Store)(nil)

	_ core.SnapshotView = (*Snapshot)(nil)
	_ core.Snapshot     = (*Snapshot)(nil)
	_ core.IndexScanner = (*Snapshot)(nil)

	_ core.Txn         = (*Txn)(nil)
	_ core.TxnAppender = (*Txn)(nil)

	_ core.Watcher = (*Watcher)(nil)
)
