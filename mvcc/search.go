package mvcc

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/hnsw"
)

// Hit is one result of a vector search: a key, its KindVector value as
// stored (version, timestamp and TTL included) and its score against the
// query, higher closer (core.Hit).
type Hit = core.Hit

// SearchOption shapes a vector search (core.SearchOption): Similarity,
// Exact, MinScore, SearchBreadth.
type SearchOption = core.SearchOption

// Similarity scores the search by m (core.Similarity). The default is the
// metric of the index that covers the scope, or core.Cosine without one. An
// index built for another metric is not used: the search is exact.
func Similarity(m core.Metric) SearchOption { return core.Similarity(m) }

// Exact makes the search compare every vector of the scope even where an
// index covers it (core.Exact).
func Exact() SearchOption { return core.Exact() }

// MinScore leaves out hits scoring below s (core.MinScore).
func MinScore(s float32) SearchOption { return core.MinScore(s) }

// SearchBreadth sets how many candidates an index walk keeps, at least k:
// more, better recall and slower searches (core.SearchBreadth). n <= 0: the
// index's EfSearch. Exact searches ignore it.
func SearchBreadth(n int) SearchOption { return core.SearchBreadth(n) }

var _ core.VectorSearcher = (*Store)(nil)
var _ core.VectorSearcher = (*Snapshot)(nil)

// Search returns the k KindVector values under p closest to query, best
// first (ties in key order), exactly as of the snapshot: a search of
// SnapshotAt(v) sees exactly version v's vectors, expired values never.
// Without an index covering p (WithVectorIndex) it compares every vector of
// the scope (exact: one pass over the scope's entries, vectors of another
// length than query skipped); with one it walks the index's graph
// (approximate: see docs/benchmarks.md for its recall), filtering by p inside
// the walk, or when p holds few of the index's vectors scans those exactly.
// Every hit is a live value of the snapshot. k <= 0, an empty query, NaN or
// Inf in it, or an invalid option: core.ErrInvalidArgument; an invalid p:
// core.ErrInvalidKey. Safe for concurrent use; it takes no lock.
func (sn *Snapshot) Search(p core.Prefix, query []float32, k int, opts ...SearchOption) ([]Hit, error) {
	return search(sn.state(), sn.Time(), p, query, k, opts)
}

// Search is Snapshot.Search on the current version, judging expiry by the
// store's clock now. Safe for concurrent use; it takes no lock and never
// waits for writers.
func (s *Store) Search(p core.Prefix, query []float32, k int, opts ...SearchOption) ([]Hit, error) {
	return search(s.root.Load().cur, s.Now(), p, query, k, opts)
}

func search(st *state, now time.Time, p core.Prefix, query []float32, k int, opts []SearchOption) ([]Hit, error) {
	if k <= 0 {
		return nil, fmt.Errorf("%w: search for %d results", core.ErrInvalidArgument, k)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	o := core.NewSearchOptions(opts...)
	if o.Err != nil {
		return nil, o.Err
	}
	enc := string(p.AppendEncode(nil))
	// The index that covers the scope decides the default metric, also for
	// an Exact search; it serves the search unless Exact.
	idx := st.indexFor(enc, len(query), o.Metric)
	m := o.Metric
	if m == 0 {
		m = core.Cosine
		if idx != nil {
			m = idx.spec.cfg.Metric
		}
	}
	if o.Exact {
		idx = nil
	}
	q, err := core.NewVectorQuery(m, query)
	if err != nil {
		return nil, err
	}
	if idx != nil {
		return indexSearch(st, idx, now, enc, &q, k, &o), nil
	}
	return exactSearch(st, now, enc, &q, k, &o), nil
}

// indexSearch walks idx's graph for the k best vectors under enc, live at
// now, and reads each hit's record from the data.
func indexSearch(st *state, idx *vecIndex, now time.Time, enc string, q *core.VectorQuery, k int, o *core.SearchOptions) []Hit {
	f := hnsw.Filter{Now: nowDeadline(now)}
	if enc != idx.spec.within {
		f.Prefix = enc
	}
	found := idx.g.Search(q, k, f, hnsw.SearchOptions{Ef: o.Breadth, ExactBelow: idx.spec.cfg.ExactBelow}, nil)
	hits := make([]Hit, 0, len(found))
	for _, h := range found {
		if o.HasMinScore && h.Score < o.MinScore {
			break // best first: the rest score lower
		}
		// The index holds exactly the state's indexable vectors: the record is
		// there and holds h's value.
		r, ok := st.get(h.Key)
		if !ok {
			continue
		}
		hits = append(hits, Hit{Key: keyOf(h.Key), Value: r.public(), Score: h.Score})
	}
	return hits
}

// searchBatch is how many vectors an exact search scores at once.
const searchBatch = 32

// searchBatchOf is the scratch of an exact search: the records of a batch
// and their scores.
type searchBatchOf struct {
	keys   []byte // the batch's encoded keys, back to back: the walk's are views of a reused buffer
	ends   []int  // where each key ends in keys
	recs   []*stored
	vals   []core.Value
	scores [searchBatch]float32
	ok     [searchBatch]bool
}

var searchBatches = sync.Pool{New: func() any {
	return &searchBatchOf{ends: make([]int, 0, searchBatch), recs: make([]*stored, 0, searchBatch), vals: make([]core.Value, 0, searchBatch)}
}}

func getSearchBatch() *searchBatchOf { return searchBatches.Get().(*searchBatchOf) }

// add puts the record under enc (copied) in the batch.
func (b *searchBatchOf) add(enc string, r *stored) {
	b.keys = append(b.keys, enc...)
	b.ends, b.recs, b.vals = append(b.ends, len(b.keys)), append(b.recs, r), append(b.vals, r.val)
}

// enc returns the key of entry i, a view into the batch's keys: valid until
// reset.
func (b *searchBatchOf) enc(i int) string {
	lo := 0
	if i > 0 {
		lo = b.ends[i-1]
	}
	return view(b.keys[lo:b.ends[i]])
}

// reset empties b, dropping its references to the records.
func (b *searchBatchOf) reset() {
	clear(b.recs)
	clear(b.vals)
	b.keys, b.ends, b.recs, b.vals = b.keys[:0], b.ends[:0], b.recs[:0], b.vals[:0]
}

func (b *searchBatchOf) release() {
	b.reset()
	searchBatches.Put(b)
}

// offer adds x to the bounded min-heap h of the best k candidates, with its
// own copy of its key (x.enc may be a view of a batch).
func offer(h []scored, k int, x scored) []scored {
	switch {
	case len(h) < k:
		x.enc = strings.Clone(x.enc)
		h = append(h, x)
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if !worse(&h[i], &h[p]) {
				break
			}
			h[i], h[p] = h[p], h[i]
			i = p
		}
	case worse(&h[0], &x):
		x.enc = strings.Clone(x.enc)
		h[0] = x
		for i := 0; ; {
			l := 2*i + 1
			if l >= len(h) {
				break
			}
			if r := l + 1; r < len(h) && worse(&h[r], &h[l]) {
				l = r
			}
			if !worse(&h[l], &h[i]) {
				break
			}
			h[i], h[l] = h[l], h[i]
			i = l
		}
	}
	return h
}

// scored is a candidate of an exact search: a record, its key's encoding
// (its own copy: the walk's keys are views of a reused buffer) and its
// score.
type scored struct {
	s   float32
	enc string
	r   *stored
}

// worse orders the candidates of an exact search: lower score, or equal
// score and a later key (the scan meets keys in order, so an equal score
// met later never displaces one held).
func worse(a, b *scored) bool { return a.s < b.s || (a.s == b.s && a.enc > b.enc) }

// exactSearch scores every vector under enc and keeps the best k in a
// bounded min-heap: one pass over the scope's entries, nothing allocated per
// entry. The entries come in batches: a vector's elements lie apart from the
// record that holds it, and core's ScoreMany asks for the next vectors of a
// batch while it scores one.
func exactSearch(st *state, now time.Time, enc string, q *core.VectorQuery, k int, o *core.SearchOptions) []Hit {
	var h []scored
	b := getSearchBatch()
	defer b.release()
	j := fixedJudge(now)
	flush := func() {
		q.ScoreMany(b.vals, b.scores[:len(b.vals)], b.ok[:len(b.vals)])
		for i := range b.vals {
			if sc := b.scores[i]; b.ok[i] && !(o.HasMinScore && sc < o.MinScore) {
				h = offer(h, k, scored{sc, b.enc(i), b.recs[i]})
			}
		}
		b.reset()
	}
	st.rangeRecords(enc, func(key string, r *stored) bool {
		if r.val.Kind() != core.KindVector || r.val.Len() != q.Len() || j.expired(r) {
			return true
		}
		b.add(key, r)
		if len(b.vals) == searchBatch {
			flush()
		}
		return true
	})
	flush()
	slices.SortFunc(h, func(a, b scored) int {
		switch {
		case a.s > b.s:
			return -1
		case a.s < b.s:
			return 1
		}
		return strings.Compare(a.enc, b.enc)
	})
	hits := make([]Hit, len(h))
	for i := range h {
		hits[i] = Hit{Key: keyOf(h[i].enc), Value: h[i].r.public(), Score: h[i].s}
	}
	return hits
}
