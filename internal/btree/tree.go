package btree

import (
	"sync/atomic"
	"unsafe"
)

// tree is a root, its height and its entry count. Height 0 is the empty tree, height 1 a root
// leaf, height h > 1 an inner root with h-1 inner levels.
type tree[V any] struct {
	root unsafe.Pointer // *leaf[V] when h == 1, *inner[V] when h > 1, nil when h == 0
	h    int
	n    int
}

// in returns the root as an inner node, lf as a leaf: call in only when h > 1 and lf only when
// h == 1 (the race detector's pointer checks reject a conversion to the wrong node type).
func (t *tree[V]) in() *inner[V] { return (*inner[V])(t.root) }
func (t *tree[V]) lf() *leaf[V]  { return (*leaf[V])(t.root) }

// lastID issues owner ids: one per Edit and one more each time an Edit publishes a Map. Id 0
// is never issued, so a node with owner 0 is frozen for every edit.
var lastID atomic.Uint64

func nextID() uint64 { return lastID.Add(1) }

// get returns the value stored under key.
func (t *tree[V]) get(key string) (*V, bool) {
	if t.h == 0 {
		return nil, false
	}
	var l *leaf[V]
	if t.h == 1 {
		l = t.lf()
	} else {
		n := t.in()
		for d := t.h - 2; d > 0; d-- {
			n = n.inner(n.childIndex(key))
		}
		l = n.leaf(n.childIndex(key))
	}
	i, ok := l.search(key)
	if !ok {
		return nil, false
	}
	return &l.vals[i], true
}
