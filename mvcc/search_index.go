package mvcc

import (
	"fmt"
	"strings"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/hnsw"
)

// VectorIndex configures an approximate nearest-neighbour index over the
// KindVector values under Within (WithVectorIndex). Dims and Metric are
// required in effect: Dims must be positive, and Metric 0 means
// core.Cosine. The tuning fields trade memory and write time for recall;
// their zero values pick defaults measured in docs/benchmarks.md.
type VectorIndex struct {
	Within core.Prefix // the scope indexed (core.AllKeys(): every key)
	Dims   int         // the length of every vector under Within
	Metric core.Metric // the score the graph is built and searched by; 0: core.Cosine

	// M is the number of links a vector keeps to its neighbours on each
	// level of the graph above the lowest (which keeps 2M): more links,
	// better recall, more memory and slower writes. 0: 16.
	M int
	// EfConstruction is the breadth of the search that places a new
	// vector: more, a better graph and slower writes. 0: 64.
	EfConstruction int
	// EfSearch is the default breadth of a search (core.SearchBreadth
	// overrides it per search; never below k). 0: 80.
	EfSearch int
	// ExactBelow decides when a search in a narrower scope than Within
	// compares the scope's vectors one by one instead of walking the graph:
	// when the scope holds at most ExactBelow of the index's vectors. 0:
	// decided by cost (about sqrt(EfSearch*2M*n/2) for n vectors indexed);
	// negative: always walk.
	ExactBelow int
}

// WithVectorIndex keeps an approximate nearest-neighbour index (a
// hierarchical navigable small world graph) over the KindVector values under
// cfg.Within, as part of the store's root: changed in the same commit as the
// data, so every snapshot (and fork, and SnapshotAt) searches exactly its own
// vectors, without a lock and without a rebuild. A put of a vector of another
// length than cfg.Dims under cfg.Within, or of one holding a NaN or an
// infinity, fails with core.ErrInvalidValue and changes nothing. Search(p,
// ...) uses the index when p lies within cfg.Within (a narrower p is a
// filtered search, not a post-filter), the query has cfg.Dims elements and
// the search's metric is cfg.Metric; otherwise it is exact.
//
// A store may have several indexes; one given again for the same Within
// replaces the earlier. A cfg with Dims < 1, an unknown Metric or an invalid
// Within adds no index (searches stay exact). A store made by Open or
// Restore builds its indexes from the data it recovers (docs/benchmarks.md
// measures the time that takes).
func WithVectorIndex(cfg VectorIndex) Option {
	return func(cf *config) {
		if cfg.Dims < 1 || (cfg.Metric != 0 && !cfg.Metric.Valid()) || cfg.Within.Err() != nil {
			return
		}
		if cfg.Metric == 0 {
			cfg.Metric = core.Cosine
		}
		spec := &vectorSpec{cfg: cfg, within: string(cfg.Within.AppendEncode(nil))}
		for i, old := range cf.vectors {
			if old.within == spec.within {
				cf.vectors[i] = spec
				return
			}
		}
		cf.vectors = append(cf.vectors, spec)
	}
}

// vectorSpec is one configured index: its configuration and its scope
// encoded.
type vectorSpec struct {
	cfg    VectorIndex
	within string
}

// graphConfig returns the configuration of the spec's graph.
func (sp *vectorSpec) graphConfig() hnsw.Config {
	return hnsw.Config{Dims: sp.cfg.Dims, Metric: sp.cfg.Metric, M: sp.cfg.M, EfConstruction: sp.cfg.EfConstruction, EfSearch: sp.cfg.EfSearch}
}

// vecIndex is one index in a state: its spec and its graph at the state's
// version.
type vecIndex struct {
	spec *vectorSpec
	g    hnsw.Graph
}

// vecEdit is one index in a draft.
type vecEdit struct {
	spec *vectorSpec
	e    hnsw.Edit
}

// emptyIndexes returns the empty indexes of the configured specs.
func emptyIndexes(specs []*vectorSpec) []vecIndex {
	if len(specs) == 0 {
		return nil
	}
	vs := make([]vecIndex, len(specs))
	for i, sp := range specs {
		vs[i] = vecIndex{spec: sp, g: hnsw.New(sp.graphConfig())}
	}
	return vs
}

// resetIndexes points the draft's index edits at st's indexes, keeping their
// scratch memory.
func (d *draft) resetIndexes(st *state, edits []vecEdit) {
	if len(st.vecs) == 0 {
		d.vecs = edits[:0]
		return
	}
	for len(edits) < len(st.vecs) {
		edits = append(edits, vecEdit{})
	}
	edits = edits[:len(st.vecs)]
	for i := range st.vecs {
		edits[i].spec = st.vecs[i].spec
		edits[i].e.Reset(&st.vecs[i].g)
	}
	d.vecs = edits
}

// publishIndexes freezes the draft's index edits into st.
func (d *draft) publishIndexes(st *state) {
	if len(d.vecs) == 0 {
		return
	}
	st.vecs = make([]vecIndex, len(d.vecs))
	for i := range d.vecs {
		st.vecs[i].spec = d.vecs[i].spec
		d.vecs[i].e.Publish(&st.vecs[i].g)
	}
}

// checkVector refuses value under enc when one of the indexes of specs
// covers enc and value is a vector it cannot hold: another length than the
// index's, or one with a NaN or an infinity. Every write of a caller's value
// passes it (checkSize), before anything is queued.
func checkVector(specs []*vectorSpec, enc string, value core.Value) error {
	if len(specs) == 0 || value.Kind() != core.KindVector {
		return nil
	}
	for _, sp := range specs {
		if !strings.HasPrefix(enc, sp.within) {
			continue
		}
		if value.Len() != sp.cfg.Dims {
			return fmt.Errorf("%w: key %s: a vector of %d elements under an index of %d (%s)", core.ErrInvalidValue, keyOf(enc), value.Len(), sp.cfg.Dims, sp.cfg.Within)
		}
		if !core.VectorFinite(value) {
			return fmt.Errorf("%w: key %s: a vector with a NaN or an infinity under an index", core.ErrInvalidValue, keyOf(enc))
		}
	}
	return nil
}

// indexable reports whether the index of sp holds v: a vector of its length
// with finite elements. What checkVector refuses is not stored; a vector
// stored before its index existed (recovered by Open with a new index, say)
// and not indexable stays out of it, and exact searches still see it.
func (sp *vectorSpec) indexable(v core.Value) bool {
	return v.Kind() == core.KindVector && v.Len() == sp.cfg.Dims && core.VectorFinite(v)
}

// indexSet keeps the indexes covering enc exact after r was stored under it
// (over prev, when had).
func (d *draft) indexSet(enc string, r *stored, prev *stored, had bool) {
	for i := range d.vecs {
		ve := &d.vecs[i]
		if !strings.HasPrefix(enc, ve.spec.within) {
			continue
		}
		if ve.spec.indexable(r.val) {
			ve.e.Set(enc, r.val, deadlineOf(r))
		} else if had && prev.val.Kind() == core.KindVector {
			ve.e.Delete(enc)
		}
	}
}

// indexDel keeps the indexes covering enc exact after prev was removed from
// under it.
func (d *draft) indexDel(enc string, prev *stored) {
	if prev.val.Kind() != core.KindVector {
		return
	}
	for i := range d.vecs {
		if strings.HasPrefix(enc, d.vecs[i].spec.within) {
			d.vecs[i].e.Delete(enc)
		}
	}
}

// deadlineOf returns when r expires, as the index compares it.
func deadlineOf(r *stored) hnsw.Deadline {
	sec, nsec, ok := r.deadline()
	if !ok {
		return hnsw.Never
	}
	return hnsw.Deadline{Sec: sec, Nsec: nsec}
}

// nowDeadline returns the moment t as the index compares deadlines with it.
func nowDeadline(t time.Time) hnsw.Deadline {
	return hnsw.Deadline{Sec: t.Unix() + unixToInternal, Nsec: int32(t.Nanosecond())}
}

// indexFor returns the index that serves a search under the encoded prefix
// p for a query of dims elements scored by m (0: any metric), or nil: the
// narrowest index whose scope contains p.
func (st *state) indexFor(p string, dims int, m core.Metric) *vecIndex {
	var best *vecIndex
	for i := range st.vecs {
		vi := &st.vecs[i]
		if !strings.HasPrefix(p, vi.spec.within) || vi.spec.cfg.Dims != dims || (m != 0 && m != vi.spec.cfg.Metric) {
			continue
		}
		if best == nil || len(vi.spec.within) > len(best.spec.within) {
			best = vi
		}
	}
	return best
}
