package hnsw

import (
	"fmt"
)

// check verifies the invariants of a published graph: the key map and the
// live nodes agree, every link leads to a node of a level high enough, no
// node links to itself or twice to one node, the entry is at the top level,
// and the tombstones are counted and (but for the entry) reusable.
func (g *Graph) check() error {
	p := g.p
	if g.top < 0 {
		if g.Len() != 0 || g.n != 0 {
			return fmt.Errorf("empty graph with %d keys, %d nodes", g.Len(), g.n)
		}
		return nil
	}
	if g.entry >= g.n {
		return fmt.Errorf("entry %d of %d nodes", g.entry, g.n)
	}
	if e := g.nodes.get(g.entry); int(e.level) != int(g.top) {
		return fmt.Errorf("entry at level %d, top %d", e.level, g.top)
	}
	live, dead := 0, 0
	for id := uint32(0); id < g.n; id++ {
		n := g.nodes.get(id)
		if n == nil {
			return fmt.Errorf("node %d missing", id)
		}
		if int(n.level) > int(g.top) {
			return fmt.Errorf("node %d at level %d above top %d", id, n.level, g.top)
		}
		if n.dead {
			dead++
			if n.key != "" {
				return fmt.Errorf("tombstone %d keeps key %q", id, n.key)
			}
		} else {
			live++
			if got, ok := g.keys.Get(n.key); !ok || got != id {
				return fmt.Errorf("node %d key %q maps to %d, %v", id, n.key, got, ok)
			}
			if n.val.Len() != p.Dims {
				return fmt.Errorf("node %d vector of %d", id, n.val.Len())
			}
		}
		if len(n.links) != p.off(int(n.level)+1) {
			return fmt.Errorf("node %d links %d for level %d", id, len(n.links), n.level)
		}
		for l := 0; l <= int(n.level); l++ {
			if int(n.links[p.off(l)]) > p.linkCap(l) {
				return fmt.Errorf("node %d level %d: %d links", id, l, n.links[p.off(l)])
			}
			seen := map[uint32]bool{}
			for _, nb := range p.neighbors(n, l) {
				if nb == id || nb >= g.n || seen[nb] {
					return fmt.Errorf("node %d level %d: bad link %d", id, l, nb)
				}
				seen[nb] = true
				if int(g.nodes.get(nb).level) < l {
					return fmt.Errorf("node %d level %d links to %d of level %d", id, l, nb, g.nodes.get(nb).level)
				}
			}
		}
	}
	if live != g.Len() {
		return fmt.Errorf("%d live nodes, %d keys", live, g.Len())
	}
	if dead != g.dead {
		return fmt.Errorf("%d tombstones counted %d", dead, g.dead)
	}
	free := map[uint32]bool{}
	for f := g.free; f != nil; f = f.next {
		if free[f.id] || f.id >= g.n || !g.nodes.get(f.id).dead || f.id == g.entry {
			return fmt.Errorf("bad free id %d", f.id)
		}
		free[f.id] = true
	}
	want := dead
	if g.nodes.get(g.entry).dead {
		want--
	}
	if len(free) != want {
		return fmt.Errorf("%d free ids for %d reusable tombstones", len(free), want)
	}
	return nil
}
