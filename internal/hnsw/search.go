package hnsw

import (
	"math"
	"slices"
	"strings"
	"unsafe"

	"github.com/inmemdb/inmem/core"
)

// Filter selects the nodes a search may return: those whose key starts with
// Prefix and whose deadline is after Now. Others are walked through, never
// returned.
type Filter struct {
	Prefix string
	Now    Deadline
}

// Hit is one result of a search: a key, its vector and its score.
type Hit struct {
	Key   string // a view of the index's own immutable copy of the key
	Val   core.Value
	Score float32
}

// SearchOptions tune one search.
type SearchOptions struct {
	// Ef is the breadth of the walk: how many candidates it keeps (at least
	// k). 0: the index's EfSearch.
	Ef int
	// ExactBelow decides when a filtered search scans its scope instead of
	// walking the graph: when the scope holds at most ExactBelow vectors.
	// 0: chosen by cost (see exactBudget); negative: always walk.
	ExactBelow int
}

// acceptor is a Filter, plus for an insert the id being placed.
type acceptor struct {
	prefix string
	now    Deadline
	skip   uint32
	skipOn bool
}

func (a *acceptor) ok(id uint32, n *node) bool {
	return !n.dead && (!a.skipOn || id != a.skip) && n.dl.After(a.now) && strings.HasPrefix(n.key, a.prefix)
}

// Search returns up to k of the vectors the filter accepts, the closest to q
// first (ties in key order), appended to out. q must have the index's
// dimension and metric. It walks the graph, or for a filter whose prefix
// holds few of the index's vectors scans them exactly (see SearchOptions).
// Safe for concurrent use; allocates nothing beyond out once its pooled
// scratch has grown.
func (g *Graph) Search(q *core.VectorQuery, k int, f Filter, o SearchOptions, out []Hit) []Hit {
	if g.top < 0 || k <= 0 || q.Len() != g.p.Dims {
		return out
	}
	ef := o.Ef
	if ef <= 0 {
		ef = g.p.EfSearch
	}
	// A walk keeps no more candidates than the graph has nodes, whatever k
	// asks (a huge k must not size buffers by itself).
	ef = min(max(ef, k), int(g.n))
	k = min(k, int(g.n))
	s := getScratch()
	defer s.release()
	a := acceptor{prefix: f.Prefix, now: f.Now}
	if f.Prefix != "" {
		budget := o.ExactBelow
		if budget == 0 {
			budget = g.exactBudget(ef)
		}
		if budget > 0 && g.scanIDs(s, f.Prefix, budget) {
			return g.exact(s, q, k, &a, out)
		}
	}
	s.start(min(ef*g.p.m0, int(g.n)))
	s.vec = q.AppendVector(s.vec[:0])
	s.qc = quantize(s.vec, s.qc.b)
	ep := g.p.descend(&g.nodes, &s.qc, g.entry, int(g.top), 0)
	s.seen.add(ep.id)
	pushMax(&s.cand, ep)
	s.best = ep
	if a.ok(ep.id, g.nodes.get(ep.id)) {
		pushMin(&s.res, ep)
	}
	g.p.searchLayer(&g.nodes, s, &s.qc, ef, 0, &a)
	g.rescore(s, q)
	return g.collect(s, k, out)
}

// rescore replaces the walk's scores of the results in s.res by exact ones.
func (g *Graph) rescore(s *scratch, q *core.VectorQuery) {
	s.bVals = s.bVals[:0]
	for _, it := range s.res {
		s.bVals = append(s.bVals, g.nodes.get(it.id).val)
	}
	s.score(q)
	for i := range s.res {
		s.res[i].s = s.bScores[i]
	}
	clear(s.bVals)
}

// exactBudget is the scope size up to which an exact scan of a filtered
// search costs less than a walk: a walk through a scope holding a share sel
// of the vectors expands about ef/sel nodes and scores about half their m0
// links each, while a scan scores each of the scope's vectors once, so the
// scan wins while count <= ef*m0/2 * n/count, that is count <= sqrt(ef*m0*n/2).
func (g *Graph) exactBudget(ef int) int {
	return int(math.Sqrt(float64(ef) * float64(g.p.m0) * float64(g.Len()) / 2))
}

// scanIDs collects into s.ids the ids of the vectors under prefix, in key
// order, and reports whether there are at most limit of them.
func (g *Graph) scanIDs(s *scratch, prefix string, limit int) bool {
	s.ids = s.ids[:0]
	c := g.keys.Cursor()
	for ok := c.SeekGE(prefix); ok; ok = c.Next() {
		if !c.HasPrefix(prefix) {
			return true
		}
		if len(s.ids) == limit {
			return false
		}
		s.ids = append(s.ids, *c.Value())
	}
	return true
}

// exact scores every node of s.ids (the keys under the filter's prefix, in
// key order) live at the filter's moment and returns the best k. It works in
// batches: the nodes, then their vectors, lie scattered in memory, and a
// batch asks for all of a kind at once (see scoreCodes). Its heap orders
// equal scores by position in s.ids, which is key order, so that of equal
// scores at the boundary the smaller keys are kept.
func (g *Graph) exact(s *scratch, q *core.VectorQuery, k int, a *acceptor, out []Hit) []Hit {
	s.res = s.res[:0]
	const batch = 32
	for lo := 0; lo < len(s.ids); lo += batch {
		ids := s.ids[lo:min(lo+batch, len(s.ids))]
		s.bNodes = s.bNodes[:0]
		for _, id := range ids {
			n := g.nodes.get(id)
			prefetch(unsafe.Pointer(n))
			s.bNodes = append(s.bNodes, n)
		}
		s.bVals, s.bIDs = s.bVals[:0], s.bIDs[:0]
		for i, n := range s.bNodes {
			if n.dl.After(a.now) { // the keys under the prefix: no tombstone, no other scope
				s.bVals = append(s.bVals, n.val)
				s.bIDs = append(s.bIDs, uint32(lo+i))
			}
		}
		s.score(q)
		for j, pos := range s.bIDs {
			if !s.bOK[j] {
				continue
			}
			if x := (item{s.bScores[j], pos}); len(s.res) < k {
				s.res = append(s.res, x)
				upRanked(s.res, len(s.res)-1)
			} else if worseRanked(s.res[0], x) {
				s.res[0] = x
				downRanked(s.res, 0)
			}
		}
	}
	clear(s.bVals)
	clear(s.bNodes)
	for i := range s.res {
		s.res[i].id = s.ids[s.res[i].id]
	}
	return g.collect(s, k, out)
}

// worseRanked orders the items of an exact scan: lower score, or equal score
// and later position.
func worseRanked(a, b item) bool { return a.s < b.s || (a.s == b.s && a.id > b.id) }

func upRanked(a []item, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !worseRanked(a[i], a[p]) {
			return
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func downRanked(a []item, i int) {
	n := len(a)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		if r := l + 1; r < n && worseRanked(a[r], a[l]) {
			l = r
		}
		if !worseRanked(a[l], a[i]) {
			return
		}
		a[i], a[l] = a[l], a[i]
		i = l
	}
}

// collect appends the best k of s.res to out, best first, ties in key order.
func (g *Graph) collect(s *scratch, k int, out []Hit) []Hit {
	s.hits = s.hits[:0]
	for _, it := range s.res {
		n := g.nodes.get(it.id)
		s.hits = append(s.hits, Hit{Key: n.key, Val: n.val, Score: it.s})
	}
	slices.SortFunc(s.hits, func(a, b Hit) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return strings.Compare(a.Key, b.Key)
	})
	return append(out, s.hits[:min(k, len(s.hits))]...)
}

// descend walks greedily from entry (at level top) down the levels above
// stop, scoring by the codes, and returns the closest node it found on level
// stop+1 (entry itself when top <= stop).
func (p *params) descend(t *trie, qc *code, entry uint32, top, stop int) item {
	ep := item{approx(p.Metric, qc, &t.get(entry).c), entry}
	for l := top; l > stop; l-- {
		for moved := true; moved; {
			moved = false
			for _, nb := range p.neighbors(t.get(ep.id), l) {
				if s := approx(p.Metric, qc, &t.get(nb).c); s > ep.s {
					ep, moved = item{s, nb}, true
				}
			}
		}
	}
	return ep
}

// searchLayer is the best-first walk of one level from the candidates in
// s.cand (marked seen; those accepted already in s.res): it expands the best
// unexpanded candidate until the best left is worse than the worst of ef
// accepted results, and leaves the accepted results in s.res (a min-heap).
// Nodes the acceptor refuses are walked through but never enter s.res, so a
// filtered walk goes on until it has ef results or runs out of graph.
func (p *params) searchLayer(t *trie, s *scratch, qc *code, ef, l int, a *acceptor) {
	for len(s.cand) > 0 {
		c := popMax(&s.cand)
		if len(s.res) >= ef && c.s < s.res[0].s {
			break
		}
		// Gather the unvisited neighbours first and score them as a batch:
		// their codes lie scattered in memory, and a batch overlaps the loads
		// (it prefetches ahead) where one-by-one scoring waits on each.
		s.bIDs, s.bNodes = s.bIDs[:0], s.bNodes[:0]
		for _, nb := range p.neighbors(t.get(c.id), l) {
			if s.seen.add(nb) {
				n := t.get(nb)
				prefetch(unsafe.Pointer(n))
				s.bIDs = append(s.bIDs, nb)
				s.bNodes = append(s.bNodes, n)
			}
		}
		s.scoreCodes(p.Metric, qc)
		for i, nb := range s.bIDs {
			sc := s.bScores[i]
			if sc > s.best.s {
				s.best = item{sc, nb}
			}
			if len(s.res) >= ef && sc <= s.res[0].s {
				continue
			}
			pushMax(&s.cand, item{sc, nb})
			if a.ok(nb, s.bNodes[i]) {
				pushMin(&s.res, item{sc, nb})
				if len(s.res) > ef {
					popMin(&s.res)
				}
			}
		}
	}
	clear(s.bNodes)
}
