package mvcc

import (
	"fmt"
	"strings"

	"github.com/inmemdb/inmem/core"
)

// Fork returns a new in-memory Store that starts as the snapshot: the same
// data and indices (run, type, TTL: everything the snapshot's state holds),
// at the snapshot's version, sharing every node with it. A fork therefore
// costs O(1) in time and memory whatever the size of the store: it copies
// nothing, and each side copies a node only when it first changes it.
// Writes to the fork never reach the store the snapshot came from, nor the
// other way round. The fork's versions continue from sn.Version()+1, its
// history window starts at sn.Version(), and it has its own watchers.
//
// The fork takes the settings of the store the snapshot came from that New
// takes (clock, history window, limits, retries); opts change them as they
// would for New. Options that only Open takes (WithSync, WithSyncInterval,
// WithCheckpointBytes, WithLogger) and WithStartVersion are refused with an
// error wrapping core.ErrInvalidArgument: a fork is in memory, and starts at
// the snapshot's version. A fork of a durable store is in memory too; Merge
// brings its changes back through the parent's log. Base returns sn, and
// Store.Merge of the snapshot's store takes the fork's changes back. A nil
// sn is core.ErrInvalidArgument. Safe for concurrent use.
func (sn *Snapshot) Fork(opts ...Option) (*Store, error) {
	if sn == nil {
		return nil, fmt.Errorf("%w: Fork of a nil snapshot", core.ErrInvalidArgument)
	}
	cfg := newConfig(nil)
	if sn.from != nil {
		cfg = sn.from.cfg
		// What only a durable store uses does not carry over.
		cfg.sync, cfg.syncInterval, cfg.checkpointBytes, cfg.logger = SyncAlways, 0, 0, nil
	}
	cfg.startVersion, cfg.forkRefused = 0, nil
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if len(cfg.forkRefused) > 0 {
		return nil, fmt.Errorf("%w: a fork is in memory and starts at its snapshot's version: it takes no %s",
			core.ErrInvalidArgument, strings.Join(cfg.forkRefused, ", "))
	}
	f := newStore(cfg, sn.state())
	f.base = sn
	return f, nil
}

// Fork is s.Snapshot().Fork(opts...): a fork of the current version. It
// fails with core.ErrClosed on a closed store. Safe for concurrent use.
func (s *Store) Fork(opts ...Option) (*Store, error) {
	if s.isClosed.Load() {
		return nil, errClosed
	}
	return s.Snapshot().Fork(opts...)
}

// Base returns the snapshot s was forked from (see Fork), or nil when s is
// not a fork. It stays that snapshot for the fork's whole life, merges
// included. Safe for concurrent use.
func (s *Store) Base() *Snapshot { return s.base }
