package mvcc

import (
	"fmt"
	"slices"
	"strings"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/hnsw"
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
// takes (clock, history window, limits, retries, vector indexes); opts
// change them as they would for New. The fork shares the snapshot's vector
// indexes; one that opts add (or change) is built from the fork's data, at
// a cost in proportion to the vectors under its scope. Options that only Open takes (WithSync, WithSyncInterval,
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
	// The fork's configuration is built in place: options take its address,
	// and a config of its own would escape to the heap as well.
	f := &Store{base: sn}
	cfg := &f.cfg
	if sn.from != nil {
		*cfg = sn.from.cfg
		// What only a durable store uses does not carry over.
		cfg.sync, cfg.syncInterval, cfg.checkpointBytes, cfg.logger = SyncAlways, 0, 0, nil
		cfg.startVersion, cfg.forkRefused = 0, nil
		cfg.vectors = slices.Clone(cfg.vectors) // WithVectorIndex must not change the store's
	} else {
		*cfg = newConfig(nil)
	}
	for _, o := range opts {
		if o != nil {
			o(cfg)
		}
	}
	if len(cfg.forkRefused) > 0 {
		return nil, fmt.Errorf("%w: a fork is in memory and starts at its snapshot's version: it takes no %s",
			core.ErrInvalidArgument, strings.Join(cfg.forkRefused, ", "))
	}
	f.start(withIndexes(sn.state(), cfg.vectors))
	return f, nil
}

// withIndexes returns st with the vector indexes of specs: st itself when it
// holds exactly those (a fork that keeps its store's indexes, the O(1)
// case); else a copy of st sharing its data and other indices, that keeps
// st's graph for each spec st has an index for (the same scope and graph
// settings) and builds the others from st's data: O(v log v) for the v
// vectors under their scope.
func withIndexes(st *state, specs []*vectorSpec) *state {
	if len(st.vecs) == len(specs) {
		same := true
		for i := range specs {
			same = same && st.vecs[i].spec == specs[i]
		}
		if same {
			return st
		}
	}
	out := *st
	out.vecs = make([]vecIndex, len(specs))
	for i, sp := range specs {
		out.vecs[i] = vecIndex{spec: sp, g: hnsw.New(sp.graphConfig())}
		if j := slices.IndexFunc(st.vecs, func(v vecIndex) bool {
			return v.spec.within == sp.within && v.spec.graphConfig() == sp.graphConfig()
		}); j >= 0 {
			out.vecs[i].g = st.vecs[j].g
			continue
		}
		var e hnsw.Edit
		e.Reset(&out.vecs[i].g)
		st.rangeRecords(sp.within, func(enc string, r *stored) bool {
			if sp.indexable(r.val) {
				e.Set(enc, r.val, deadlineOf(r))
			}
			return true
		})
		e.Publish(&out.vecs[i].g)
	}
	return &out
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
