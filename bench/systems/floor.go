package systems

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Floor is the lower bound each workload is compared with, not a store one
// would use: point operations go to a plain Go map behind a sync.RWMutex;
// scans iterate a sorted []core.Entry (built by Prepare, so scans see the
// data as of the last Prepare) and return what inmem returns, entries with
// copied user keys; a snapshot is one atomic.Pointer Load of that slice.
// Safe for concurrent use.
type Floor struct {
	mu     sync.RWMutex
	m      map[string]string
	frozen atomic.Pointer[frozen]
}

// frozen is the floor's sorted, immutable copy of the data.
type frozen struct {
	encs    []string
	entries []core.Entry
}

// NewFloor returns an empty floor.
func NewFloor() System {
	f := &Floor{m: make(map[string]string)}
	f.frozen.Store(&frozen{})
	return f
}

// Name implements System.
func (f *Floor) Name() string { return "floor" }

// Load implements System under one hold of the write lock; no TTLs.
func (f *Floor) Load(keys []core.Key, vals [][]byte, _ []time.Duration) error {
	return f.Batch(keys, vals)
}

// Batch implements System under one hold of the write lock.
func (f *Floor) Batch(keys []core.Key, vals [][]byte) error {
	f.mu.Lock()
	for i, k := range keys {
		f.m[encode(k)] = string(vals[i])
	}
	f.mu.Unlock()
	return nil
}

// Put implements System.
func (f *Floor) Put(k core.Key, v []byte) error {
	enc, val := encode(k), string(v)
	f.mu.Lock()
	f.m[enc] = val
	f.mu.Unlock()
	return nil
}

func (f *Floor) get(k core.Key) (string, bool) {
	sc := encodeScratch(k)
	f.mu.RLock()
	v, ok := f.m[string(sc.b)]
	f.mu.RUnlock()
	sc.release()
	return v, ok
}

// Get implements System.
func (f *Floor) Get(k core.Key) bool {
	_, ok := f.get(k)
	return ok
}

// Value implements System.
func (f *Floor) Value(k core.Key) ([]byte, bool) {
	v, ok := f.get(k)
	if !ok {
		return nil, false
	}
	return []byte(v), true
}

// Delete implements System.
func (f *Floor) Delete(k core.Key) error {
	sc := encodeScratch(k)
	f.mu.Lock()
	delete(f.m, string(sc.b))
	f.mu.Unlock()
	sc.release()
	return nil
}

// Prepare implements System: it rebuilds the sorted slice the scans and
// snapshots read.
func (f *Floor) Prepare() {
	f.mu.RLock()
	encs := make([]string, 0, len(f.m))
	for k := range f.m {
		encs = append(encs, k)
	}
	slices.Sort(encs)
	fr := &frozen{encs: encs, entries: make([]core.Entry, len(encs))}
	for i, enc := range encs {
		k, err := core.DecodeKey([]byte(enc))
		if err != nil {
			panic(err)
		}
		fr.entries[i] = core.Entry{Key: k, Value: core.VersionedValue{Value: core.BytesValue([]byte(f.m[enc]))}}
	}
	f.mu.RUnlock()
	f.frozen.Store(fr)
}

// scan returns the entries under the encoded prefix, user keys copied into
// one arena, as inmem's scans do.
func (fr *frozen) scan(prefix string) Rows {
	lo := sort.SearchStrings(fr.encs, prefix)
	hi := lo
	ukLen := 0
	for hi < len(fr.encs) && strings.HasPrefix(fr.encs[hi], prefix) {
		ukLen += len(fr.entries[hi].Key.UserKey)
		hi++
	}
	if hi == lo {
		return entryRows(nil)
	}
	out := make([]core.Entry, hi-lo)
	arena := make([]byte, 0, ukLen)
	for i, e := range fr.entries[lo:hi] {
		start := len(arena)
		arena = append(arena, e.Key.UserKey...)
		e.Key.UserKey = arena[start:len(arena):len(arena)]
		out[i] = e
	}
	return entryRows(out)
}

// ScanPrefix implements System on the sorted slice.
func (f *Floor) ScanPrefix(p core.Key) Rows {
	sc := encodeScratch(p)
	defer sc.release()
	return f.frozen.Load().scan(sc.view())
}

// ScanRun implements System on the sorted slice (the namespace's range).
func (f *Floor) ScanRun(ns core.Namespace) Rows { return f.frozen.Load().scan(encodeNS(ns)) }

// Snapshot implements Snapshotter: one atomic pointer load.
func (f *Floor) Snapshot() View { return f.frozen.Load() }

// Value returns k's value in the sorted slice.
func (fr *frozen) Value(k core.Key) ([]byte, bool) {
	enc := string(k.Encode())
	i := sort.SearchStrings(fr.encs, enc)
	if i == len(fr.encs) || fr.encs[i] != enc {
		return nil, false
	}
	return fr.entries[i].Value.Value.Bytes(), true
}

// Close implements System; nothing to release.
func (f *Floor) Close() error { return nil }
