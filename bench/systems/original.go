package systems

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/btree"
	"github.com/inmemdb/inmem/core"
)

// Original reproduces the original design faithfully: one sync.RWMutex
// around a sorted map (google/btree) of key -> VersionedValue, a version
// counter incremented before the write lock is taken, a snapshot that deep
// copies the whole map, ScanByRun that filters every key, and FindExpired
// that scans every key. It has no transactions: Load and Batch put one key
// at a time. Safe for concurrent use.
type Original struct {
	mu      sync.RWMutex
	data    *btree.BTreeG[origItem]
	version atomic.Uint64
}

type origItem struct {
	key core.Key
	vv  core.VersionedValue
}

func origLess(a, b origItem) bool { return a.key.Compare(b.key) < 0 }

// btreeDegree is the node degree of every google/btree in the comparison.
const btreeDegree = 32

// NewOriginal returns an empty Original.
func NewOriginal() System {
	return &Original{data: btree.NewG(btreeDegree, origLess)}
}

// Name implements System.
func (o *Original) Name() string { return "original" }

// put is the original's put: version first, then the lock.
func (o *Original) put(k core.Key, v []byte, ttl time.Duration) {
	version := o.version.Add(1)
	vv := core.VersionedValue{Value: core.BytesValue(v), Version: version, Timestamp: time.Now(), TTL: ttl}
	k.UserKey = append([]byte(nil), k.UserKey...)
	o.mu.Lock()
	o.data.ReplaceOrInsert(origItem{key: k, vv: vv})
	o.mu.Unlock()
}

// Load implements System with one put per key (the original had no
// transactions).
func (o *Original) Load(keys []core.Key, vals [][]byte, ttls []time.Duration) error {
	for i, k := range keys {
		o.put(k, vals[i], ttls[i])
	}
	return nil
}

// Batch implements System with one put per key.
func (o *Original) Batch(keys []core.Key, vals [][]byte) error {
	for i, k := range keys {
		o.put(k, vals[i], 0)
	}
	return nil
}

// Put implements System.
func (o *Original) Put(k core.Key, v []byte) error {
	o.put(k, v, 0)
	return nil
}

func (o *Original) get(k core.Key) (core.VersionedValue, bool) {
	o.mu.RLock()
	it, ok := o.data.Get(origItem{key: k})
	o.mu.RUnlock()
	if !ok || it.vv.Expired(time.Now()) {
		return core.VersionedValue{}, false
	}
	return it.vv, true
}

// Get implements System.
func (o *Original) Get(k core.Key) bool {
	_, ok := o.get(k)
	return ok
}

// Value implements System.
func (o *Original) Value(k core.Key) ([]byte, bool) {
	vv, ok := o.get(k)
	if !ok {
		return nil, false
	}
	return vv.Value.Bytes(), true
}

// Delete implements System.
func (o *Original) Delete(k core.Key) error {
	o.mu.Lock()
	o.data.Delete(origItem{key: k})
	o.mu.Unlock()
	return nil
}

// cloneEntry is the original's clone of a stored entry: the user key is
// copied (the Value is immutable in Go and shared, which flatters the
// original: its clone copied value bytes too).
func cloneEntry(it origItem) core.Entry {
	k := it.key
	k.UserKey = append([]byte(nil), k.UserKey...)
	return core.Entry{Key: k, Value: it.vv}
}

// ScanPrefix implements System: a range scan from the prefix, cloning each
// entry.
func (o *Original) ScanPrefix(p core.Key) Rows {
	now := time.Now()
	var out []core.Entry
	o.mu.RLock()
	o.data.AscendGreaterOrEqual(origItem{key: p}, func(it origItem) bool {
		if !it.key.HasPrefix(p) {
			return false
		}
		if !it.vv.Expired(now) {
			out = append(out, cloneEntry(it))
		}
		return true
	})
	o.mu.RUnlock()
	return entryRows(out)
}

// ScanRun implements System as the original did: every key is visited and
// those of the run kept.
func (o *Original) ScanRun(ns core.Namespace) Rows {
	now := time.Now()
	var out []core.Entry
	o.mu.RLock()
	o.data.Ascend(func(it origItem) bool {
		if it.key.Namespace.RunID == ns.RunID && !it.vv.Expired(now) {
			out = append(out, cloneEntry(it))
		}
		return true
	})
	o.mu.RUnlock()
	return entryRows(out)
}

// Snapshot implements Snapshotter as the original did: a deep copy of the
// whole map under the read lock.
func (o *Original) Snapshot() View {
	cp := btree.NewG(btreeDegree, origLess)
	o.mu.RLock()
	version := o.version.Load()
	o.data.Ascend(func(it origItem) bool {
		e := cloneEntry(it)
		cp.ReplaceOrInsert(origItem{key: e.Key, vv: e.Value})
		return true
	})
	o.mu.RUnlock()
	return &origSnapshot{version: version, data: cp}
}

// FindExpired implements ExpiryFinder as the original did: a scan of every
// key.
func (o *Original) FindExpired(now time.Time) int {
	var out []core.Key
	o.mu.RLock()
	o.data.Ascend(func(it origItem) bool {
		if it.vv.Expired(now) {
			out = append(out, cloneEntry(it).Key)
		}
		return true
	})
	o.mu.RUnlock()
	return len(out)
}

// Prepare implements System; nothing to do.
func (o *Original) Prepare() {}

// Close implements System; nothing to release.
func (o *Original) Close() error { return nil }

type origSnapshot struct {
	version uint64
	data    *btree.BTreeG[origItem]
}

func (s *origSnapshot) Value(k core.Key) ([]byte, bool) {
	it, ok := s.data.Get(origItem{key: k})
	if !ok || it.vv.Expired(time.Now()) {
		return nil, false
	}
	return it.vv.Value.Bytes(), true
}
