package proptest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"

	"github.com/inmemdb/inmem/core"
)

// The Model offers every capability of the contract, so the suite runs all
// of its steps against the Model alone (the Model passes its own suite), and
// a planted defect in any of them can be tested.
var (
	_ core.Storage           = (*Model)(nil)
	_ core.Viewer            = (*Model)(nil)
	_ core.ViewerAt          = (*Model)(nil)
	_ core.Scanner           = (*Model)(nil)
	_ core.TypeScanner       = (*Model)(nil)
	_ core.CompareAndSwapper = (*Model)(nil)
	_ core.Transactor        = (*Model)(nil)
	_ core.Watchable         = (*Model)(nil)
	_ core.Appender          = (*Model)(nil)
	_ core.PrefixDeleter     = (*Model)(nil)
	_ core.Toucher           = (*Model)(nil)
	_ core.ExpiryTarget      = (*Model)(nil)
	_ core.Expirer           = (*Model)(nil)
	_ core.NamespaceLister   = (*Model)(nil)
	_ core.VectorSearcher    = (*Model)(nil)

	_ core.Snapshot        = (*ModelSnapshot)(nil)
	_ core.IndexScanner    = (*ModelSnapshot)(nil)
	_ core.NamespaceLister = (*ModelSnapshot)(nil)
	_ core.VectorSearcher  = (*ModelSnapshot)(nil)
	_ core.Txn             = (*ModelTxn)(nil)
	_ core.TxnAppender     = (*ModelTxn)(nil)
	_ core.Watcher         = (*ModelWatcher)(nil)
)

// View is Snapshot as a core.Snapshot. Safe for concurrent use.
func (m *Model) View() core.Snapshot { return m.Snapshot() }

// ViewAt is SnapshotAt as a core.Snapshot (nil with an error). Safe for
// concurrent use.
func (m *Model) ViewAt(v uint64) (core.Snapshot, error) {
	sn, err := m.SnapshotAt(v)
	if err != nil {
		return nil, err
	}
	return sn, nil
}

// Scan is Scan on a snapshot taken now. Safe for concurrent use.
func (m *Model) Scan(p core.Prefix, opts ...core.ScanOption) iter.Seq2[core.Key, core.VersionedValue] {
	return m.Snapshot().Scan(p, opts...)
}

// BeginTxn is Begin as a core.Txn. Safe for concurrent use.
func (m *Model) BeginTxn() core.Txn { return m.Begin() }

// modelUpdateRetries is how many times UpdateTxn runs its function.
const modelUpdateRetries = 10

// UpdateTxn runs fn in a transaction and commits it, running fn again on a
// fresh transaction when the commit conflicts, at most 10 times. fn's error
// ends it without committing; when fn committed the transaction itself, that
// commit's answer is returned; when fn discarded it, ErrTxnDone. A nil fn:
// ErrInvalidArgument. Safe for concurrent use.
func (m *Model) UpdateTxn(fn func(core.Txn) error) (uint64, error) {
	if fn == nil {
		return 0, fmt.Errorf("%w: UpdateTxn needs a function", core.ErrInvalidArgument)
	}
	var err error
	for range modelUpdateRetries {
		t := m.Begin()
		if ferr := fn(t); ferr != nil {
			t.Discard()
			return 0, ferr
		}
		var v uint64
		switch {
		case t.commits > 0:
			v, err = t.result, t.err
		case t.done:
			return 0, fmt.Errorf("%w: UpdateTxn's function discarded its transaction", core.ErrTxnDone)
		default:
			v, err = t.Commit()
		}
		if !errors.Is(err, core.ErrConflict) {
			return v, err
		}
	}
	return 0, fmt.Errorf("proptest: update gave up after %d attempts: %w", modelUpdateRetries, err)
}

// Err returns nil: the Model's reads never fail.
func (s *ModelSnapshot) Err() error { return nil }

// WatchCommits returns a watcher of the commits after version after (Latest:
// from now on) with a change the options match. Safe for concurrent use.
func (m *Model) WatchCommits(after uint64, opts ...core.WatchOption) core.Watcher {
	return m.Watch(after, opts...)
}

// Watch is WatchCommits with the concrete type. Safe for concurrent use.
func (m *Model) Watch(after uint64, opts ...core.WatchOption) *ModelWatcher {
	if after == core.Latest {
		after = m.CurrentVersion()
	}
	return &ModelWatcher{m: m, o: core.NewWatchOptions(opts...), next: after + 1, done: make(chan struct{})}
}

// ModelWatcher delivers the Model's commits in version order, each with the
// changes its options match; the Model keeps every commit, so it never
// answers ErrCompacted. Next and Close are safe for concurrent use.
type ModelWatcher struct {
	m    *Model
	o    core.WatchOptions
	mu   sync.Mutex // guards next; serializes Next
	next uint64
	done chan struct{}
	once sync.Once
}

// Next returns the next matching commit, waiting for one: ctx.Err() when ctx
// ends first, ErrClosed once closed, the options' error for an invalid
// filter, ErrInvalidArgument for a nil ctx.
func (w *ModelWatcher) Next(ctx context.Context) (core.Commit, error) {
	if ctx == nil {
		return core.Commit{}, fmt.Errorf("%w: Next needs a context", core.ErrInvalidArgument)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		select {
		case <-w.done:
			return core.Commit{}, fmt.Errorf("%w: watcher", core.ErrClosed)
		default:
		}
		if w.o.Err != nil {
			return core.Commit{}, w.o.Err
		}
		m := w.m
		m.mu.Lock()
		for ; w.next <= m.version(); w.next++ {
			if c, ok := m.commitLocked(w.next, w.o.Match); ok {
				w.next++
				m.mu.Unlock()
				return c, nil
			}
		}
		wake := m.wakeLocked()
		m.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return core.Commit{}, ctx.Err()
		case <-w.done:
		}
	}
}

// Close ends the watcher: Next returns ErrClosed. Safe to call twice and
// concurrently with Next.
func (w *ModelWatcher) Close() { w.once.Do(func() { close(w.done) }) }

// Namespaces is Snapshot().Namespaces(p): the namespaces holding live keys
// under p now. Safe for concurrent use.
func (m *Model) Namespaces(p core.Prefix) iter.Seq[core.Namespace] {
	return m.Snapshot().Namespaces(p)
}
