package hnsw

import "unsafe"

const (
	tshift = 5
	tfan   = 1 << tshift
	tmask  = tfan - 1
)

// tleaf and tinner are the nodes of the persistent trie that maps a node id
// to its *node: 32 children each, so a million ids are four levels deep.
type tleaf struct {
	owner uint64
	n     [tfan]*node
}

type tinner struct {
	owner uint64
	k     [tfan]unsafe.Pointer // *tinner one level up from the leaves, else *tleaf
}

// trie is a root and its depth: 0 is empty, 1 a root leaf, d > 1 an inner
// root with d-1 inner levels.
type trie struct {
	root  unsafe.Pointer
	depth uint8
}

// capacity returns how many ids a trie of depth d holds.
func capacity(d uint8) uint64 {
	if d == 0 {
		return 0
	}
	return 1 << (tshift * uint(d))
}

// get returns the node of id, which must be below the trie's capacity.
func (t *trie) get(id uint32) *node {
	p := t.root
	for d := t.depth; d > 1; d-- {
		p = (*tinner)(p).k[(id>>(tshift*uint(d-1)))&tmask]
	}
	if p == nil {
		return nil
	}
	return (*tleaf)(p).n[id&tmask]
}

// set stores n under id, copying every trie node on the path that owner does
// not own. It grows the trie as id needs.
func (t *trie) set(id uint32, n *node, owner uint64) {
	for uint64(id) >= capacity(t.depth) {
		if t.depth == 0 {
			t.root, t.depth = unsafe.Pointer(&tleaf{owner: owner}), 1
			continue
		}
		in := &tinner{owner: owner}
		in.k[0] = t.root
		t.root, t.depth = unsafe.Pointer(in), t.depth+1
	}
	pp := &t.root
	for d := t.depth; d > 1; d-- {
		in := (*tinner)(*pp)
		switch {
		case in == nil:
			in = &tinner{owner: owner}
		case in.owner != owner:
			c := *in
			c.owner = owner
			in = &c
		}
		*pp = unsafe.Pointer(in)
		pp = &in.k[(id>>(tshift*uint(d-1)))&tmask]
	}
	lf := (*tleaf)(*pp)
	switch {
	case lf == nil:
		lf = &tleaf{owner: owner}
	case lf.owner != owner:
		c := *lf
		c.owner = owner
		lf = &c
	}
	*pp = unsafe.Pointer(lf)
	lf.n[id&tmask] = n
}
