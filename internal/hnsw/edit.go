package hnsw

import (
	"slices"
	"strings"
	"sync/atomic"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/btree"
)

// lastOwner issues owner ids: one per Reset and one more per Publish. Id 0
// is never issued, so a node with owner 0 is frozen for every edit.
var lastOwner atomic.Uint64

func nextOwner() uint64 { return lastOwner.Add(1) }

// Edit is a transient: a batch of changes on top of a Graph. The zero Edit
// must be Reset before use. Not safe for concurrent use: one goroutine at a
// time, and no search of the edit while it changes (searches read published
// Graphs).
type Edit struct {
	g     Graph
	keys  btree.Edit[uint32]
	owner uint64
	s     *scratch
}

// Reset makes e an edit of g, keeping its scratch memory. Nothing e changes
// from now on can be a node of g or of any Graph published before.
func (e *Edit) Reset(g *Graph) {
	e.g = *g
	e.owner = nextOwner()
	e.keys.Reset(&e.g.keys)
	if e.s == nil {
		e.s = new(scratch)
	}
}

// Publish freezes the current contents into *dst. The edit stays usable: it
// takes a fresh owner id, so no later change reaches a node of dst.
func (e *Edit) Publish(dst *Graph) {
	e.keys.Publish(&e.g.keys)
	*dst = e.g
	e.owner = nextOwner()
}

// Len returns the number of vectors in the edit.
func (e *Edit) Len() int { return e.keys.Len() }

// Has reports whether key's vector is in the edit.
func (e *Edit) Has(key string) bool {
	_, ok := e.keys.Get(key)
	return ok
}

// own returns id's node, copied into the edit first if a published graph
// holds it.
func (e *Edit) own(id uint32) *node {
	n := e.g.nodes.get(id)
	if n.owner == e.owner {
		return n
	}
	c := *n
	c.owner = e.owner
	c.links = append([]uint32(nil), n.links...)
	e.g.nodes.set(id, &c, e.owner)
	return &c
}

// Set makes v, with deadline dl, the vector of key (a view is fine: the
// index keeps its own copy of the key). v must be a vector of the index's
// dimension with finite elements (the caller checks). A key already holding
// an equal vector only takes the new deadline; one holding another vector is
// removed and placed again.
func (e *Edit) Set(key string, v core.Value, dl Deadline) {
	if id, ok := e.keys.Get(key); ok {
		if n := e.g.nodes.get(id); n.val.Equal(v) {
			// The same vector: the node stays where it is, with the new
			// deadline and the new Value (whose elements the store holds
			// now: the old ones may go).
			c := e.own(id)
			c.dl, c.val = dl, v
			return
		}
		e.Delete(key)
	}
	e.insert(strings.Clone(key), v, dl)
}

// Delete removes key's vector, if the index holds one, and reports whether it
// did. Its node stays as a tombstone, to be reused.
func (e *Edit) Delete(key string) bool {
	id, ok := e.keys.Delete(key)
	if !ok {
		return false
	}
	if e.keys.Len() == 0 { // nothing left to walk to: start afresh
		p := e.g.p
		e.g = Graph{p: p, top: -1}
		e.keys.Reset(nil)
		return true
	}
	n := e.own(id)
	n.dead, n.key = true, ""
	e.g.dead++
	if id != e.g.entry {
		e.g.free = &freeCell{id: id, next: e.g.free}
	}
	return true
}

// newID returns the id for a new node: a tombstone's, or the next one.
func (e *Edit) newID() (id uint32, reused bool) {
	if f := e.g.free; f != nil {
		e.g.free = f.next
		e.g.dead--
		return f.id, true
	}
	e.g.n++
	return e.g.n - 1, false
}

// insert places a new node for key, which the index does not hold.
func (e *Edit) insert(key string, v core.Value, dl Deadline) {
	p := e.g.p
	q, _ := p.Metric.QueryOf(v)
	s := e.s
	s.vec = q.AppendVector(s.vec[:0])
	c := quantize(s.vec, nil)
	lv := p.levelOf(key)
	id, reused := e.newID()
	if reused {
		if old := e.g.nodes.get(id); int(old.level) > lv {
			// A reused slot keeps its level at least: other nodes' links to
			// it on every level it had stay links to a node of that level.
			lv = int(old.level)
		}
	}
	n := &node{owner: e.owner, key: key, val: v, c: c, dl: dl, level: uint8(lv), links: p.newLinks(lv)}
	e.keys.Set(key, id)
	if e.g.top < 0 {
		e.g.nodes.set(id, n, e.owner)
		e.g.entry, e.g.top = id, int32(lv)
		return
	}
	a := acceptor{now: Deadline{Sec: -1 << 63}, skip: id, skipOn: true}
	top := int(e.g.top)
	ep := p.descend(&e.g.nodes, &n.c, e.g.entry, top, lv)
	// Each level's walk starts from what the level above found: its
	// results, and the best node it met, which is a tombstone when every
	// node near the new one was removed (a walk must not start from nothing).
	s.out = append(s.out[:0], ep)
	for l := min(lv, top); l >= 0; l-- {
		s.start(p.EfConstruction * p.m0)
		s.best = s.out[0]
		for _, it := range s.out {
			s.seen.add(it.id)
			pushMax(&s.cand, it)
			if a.ok(it.id, e.g.nodes.get(it.id)) {
				pushMin(&s.res, it)
			}
		}
		p.searchLayer(&e.g.nodes, s, &n.c, p.EfConstruction, l, &a)
		s.out = s.out[:0]
		for len(s.res) > 0 {
			s.out = append(s.out, popMin(&s.res))
		}
		slices.Reverse(s.out) // best first
		s.ids = e.selectNeighbors(s.out, p.M, s.ids[:0])
		p.setNeighbors(n, l, s.ids)
		if len(s.out) == 0 || s.best.s > s.out[0].s {
			s.out = append(s.out, s.best)
			s.out[0], s.out[len(s.out)-1] = s.out[len(s.out)-1], s.out[0]
		}
	}
	e.g.nodes.set(id, n, e.owner)
	for l := min(lv, top); l >= 0; l-- {
		for _, nb := range p.neighbors(n, l) {
			e.link(nb, id, l)
		}
	}
	if lv > top {
		if old := e.g.nodes.get(e.g.entry); old.dead { // the old entry's id is free now
			e.g.free = &freeCell{id: e.g.entry, next: e.g.free}
		}
		e.g.entry, e.g.top = id, int32(lv)
	}
}

// link adds a link from node from to node to on level l, keeping from's
// best links by the same heuristic when it has no room left.
func (e *Edit) link(from, to uint32, l int) {
	p := e.g.p
	f := e.own(from)
	nbs := p.neighbors(f, l)
	for _, x := range nbs {
		if x == to {
			return
		}
	}
	if c := p.linkCap(l); len(nbs) < c {
		o := p.off(l)
		f.links[o+1+len(nbs)] = to
		f.links[o]++
		return
	}
	s := e.s
	s.out = s.out[:0]
	for _, x := range nbs {
		if n := e.g.nodes.get(x); !n.dead { // a full list drops its links to tombstones
			s.out = append(s.out, item{approx(p.Metric, &f.c, &n.c), x})
		}
	}
	s.out = append(s.out, item{approx(p.Metric, &f.c, &e.g.nodes.get(to).c), to})
	sortBest(s.out)
	s.ids = e.selectNeighbors(s.out, p.linkCap(l), s.ids[:0])
	p.setNeighbors(f, l, s.ids)
}

// sortBest sorts items best first (insertion sort: the lists are short).
func sortBest(a []item) {
	for i := 1; i < len(a); i++ {
		x := a[i]
		j := i
		for ; j > 0 && a[j-1].s < x.s; j-- {
			a[j] = a[j-1]
		}
		a[j] = x
	}
}

// selectNeighbors picks up to m of the candidates (best first) by the HNSW
// heuristic: a candidate is kept only if it is closer to the node than to
// every candidate kept before it, which spreads the links over directions
// instead of spending them all on one cluster. It appends their ids to out.
func (e *Edit) selectNeighbors(cands []item, m int, out []uint32) []uint32 {
	if len(cands) <= m {
		for _, c := range cands {
			out = append(out, c.id)
		}
		return out
	}
	p := e.g.p
	s := e.s
	s.kept = s.kept[:0]
	for _, c := range cands {
		if len(out) >= m {
			break
		}
		cc := &e.g.nodes.get(c.id).c
		good := true
		for _, k := range s.kept {
			if approx(p.Metric, k, cc) > c.s {
				good = false
				break
			}
		}
		if good {
			out = append(out, c.id)
			s.kept = append(s.kept, cc)
		}
	}
	clear(s.kept)
	return out
}
