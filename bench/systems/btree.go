package systems

import (
	"strings"
	"sync"
	"time"

	"github.com/google/btree"
	"github.com/inmemdb/inmem/core"
)

// BTree adapts google/btree (string keys: the encoded keys) behind one
// sync.RWMutex; a snapshot is Clone (lazy copy-on-write), taken under the
// write lock because Clone changes the tree's copy-on-write context. Safe for
// concurrent use.
type BTree struct {
	mu sync.RWMutex
	t  *btree.BTreeG[kv]
}

func kvLess(a, b kv) bool { return a.Key < b.Key }

// NewBTree returns an empty google/btree behind a lock.
func NewBTree() System { return &BTree{t: btree.NewG(btreeDegree, kvLess)} }

// Name implements System.
func (b *BTree) Name() string { return "btree" }

// Load implements System under one hold of the write lock; no TTLs.
func (b *BTree) Load(keys []core.Key, vals [][]byte, _ []time.Duration) error {
	return b.Batch(keys, vals)
}

// Batch implements System under one hold of the write lock.
func (b *BTree) Batch(keys []core.Key, vals [][]byte) error {
	b.mu.Lock()
	for i, k := range keys {
		b.t.ReplaceOrInsert(kv{Key: encode(k), Val: string(vals[i])})
	}
	b.mu.Unlock()
	return nil
}

// Put implements System.
func (b *BTree) Put(k core.Key, v []byte) error {
	it := kv{Key: encode(k), Val: string(v)}
	b.mu.Lock()
	b.t.ReplaceOrInsert(it)
	b.mu.Unlock()
	return nil
}

func (b *BTree) get(k core.Key) (kv, bool) {
	sc := encodeScratch(k)
	b.mu.RLock()
	it, ok := b.t.Get(kv{Key: sc.view()})
	b.mu.RUnlock()
	sc.release()
	return it, ok
}

// Get implements System.
func (b *BTree) Get(k core.Key) bool {
	_, ok := b.get(k)
	return ok
}

// Value implements System.
func (b *BTree) Value(k core.Key) ([]byte, bool) {
	it, ok := b.get(k)
	if !ok {
		return nil, false
	}
	return []byte(it.Val), true
}

// Delete implements System.
func (b *BTree) Delete(k core.Key) error {
	sc := encodeScratch(k)
	b.mu.Lock()
	b.t.Delete(kv{Key: sc.view()})
	b.mu.Unlock()
	sc.release()
	return nil
}

func scanTree(t *btree.BTreeG[kv], prefix string) []kv {
	var out []kv
	t.AscendGreaterOrEqual(kv{Key: prefix}, func(it kv) bool {
		if !strings.HasPrefix(it.Key, prefix) {
			return false
		}
		out = append(out, it)
		return true
	})
	return out
}

// ScanPrefix implements System with an ordered iteration from the prefix.
func (b *BTree) ScanPrefix(p core.Key) Rows {
	sc := encodeScratch(p)
	defer sc.release()
	b.mu.RLock()
	defer b.mu.RUnlock()
	return kvRows(scanTree(b.t, sc.view()))
}

// ScanRun implements System with an ordered iteration over the namespace.
func (b *BTree) ScanRun(ns core.Namespace) Rows {
	prefix := encodeNS(ns)
	b.mu.RLock()
	defer b.mu.RUnlock()
	return kvRows(scanTree(b.t, prefix))
}

// Snapshot implements Snapshotter with Clone.
func (b *BTree) Snapshot() View {
	b.mu.Lock()
	c := b.t.Clone()
	b.mu.Unlock()
	return btreeView{c}
}

// Prepare implements System; nothing to do.
func (b *BTree) Prepare() {}

// Close implements System; nothing to release.
func (b *BTree) Close() error { return nil }

type btreeView struct{ t *btree.BTreeG[kv] }

func (v btreeView) Value(k core.Key) ([]byte, bool) {
	sc := encodeScratch(k)
	defer sc.release()
	it, ok := v.t.Get(kv{Key: sc.view()})
	if !ok {
		return nil, false
	}
	return []byte(it.Val), true
}
