package hnsw

import (
	"math"
	"slices"
	"strings"

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
	s.start(ef * g.p.m0)
	ep := g.descend(q, 0)
	s.seen.add(ep.id)
	pushMax(&s.cand, ep)
	s.best = ep
	if a.ok(ep.id, g.nodes.get(ep.id)) {
		pushMin(&s.res, ep)
	}
	g.p.searchLayer(&g.nodes, s, q, ef, 0, &a)
	return g.collect(s, k, out)
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

// exact scores every node of s.ids and returns the best k the acceptor
// accepts. Its heap orders equal scores by position in s.ids, which is key
// order, so that of equal scores at the boundary the smaller keys are kept.
func (g *Graph) exact(s *scratch, q *core.VectorQuery, k int, a *acceptor, out []Hit) []Hit {
	s.res = s.res[:0]
	for i, id := range s.ids {
		n := g.nodes.get(id)
		if !a.ok(id, n) {
			continue
		}
		sc, ok := q.Score(n.val)
		if !ok {
			continue
		}
		if x := (item{sc, uint32(i)}); len(s.res) < k {
			s.res = append(s.res, x)
			upRanked(s.res, len(s.res)-1)
		} else if worseRanked(s.res[0], x) {
			s.res[0] = x
			downRanked(s.res, 0)
		}
	}
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

// descend walks greedily from the entry down the levels above stop and
// returns the closest node it found on level stop+1 (the entry itself when
// the graph's top is stop or lower).
func (g *Graph) descend(q *core.VectorQuery, stop int) item {
	return g.p.descend(&g.nodes, q, g.entry, int(g.top), stop)
}

func (p *params) descend(t *trie, q *core.VectorQuery, entry uint32, top, stop int) item {
	sc, _ := q.Score(t.get(entry).val)
	ep := item{sc, entry}
	for l := top; l > stop; l-- {
		for moved := true; moved; {
			moved = false
			for _, nb := range p.neighbors(t.get(ep.id), l) {
				if s, ok := q.Score(t.get(nb).val); ok && s > ep.s {
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
func (p *params) searchLayer(t *trie, s *scratch, q *core.VectorQuery, ef, l int, a *acceptor) {
	for len(s.cand) > 0 {
		c := popMax(&s.cand)
		if len(s.res) >= ef && c.s < s.res[0].s {
			break
		}
		for _, nb := range p.neighbors(t.get(c.id), l) {
			if !s.seen.add(nb) {
				continue
			}
			n := t.get(nb)
			sc, ok := q.Score(n.val)
			if !ok {
				continue
			}
			if sc > s.best.s {
				s.best = item{sc, nb}
			}
			if len(s.res) >= ef && sc <= s.res[0].s {
				continue
			}
			pushMax(&s.cand, item{sc, nb})
			if a.ok(nb, n) {
				pushMin(&s.res, item{sc, nb})
				if len(s.res) > ef {
					popMin(&s.res)
				}
			}
		}
	}
}
