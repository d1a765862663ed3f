package systems

import (
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// Inmem adapts inmem's mvcc.Store with its default options (history window,
// group-committing writers, lock-free readers). Safe for concurrent use.
type Inmem struct {
	s *mvcc.Store
}

// NewInmem returns an empty mvcc.Store with default options.
func NewInmem() System { return &Inmem{s: mvcc.New()} }

// Name implements System.
func (m *Inmem) Name() string { return "inmem" }

// Store returns the adapted store.
func (m *Inmem) Store() *mvcc.Store { return m.s }

// Load implements System with one transaction (Store.Update).
func (m *Inmem) Load(keys []core.Key, vals [][]byte, ttls []time.Duration) error {
	_, err := m.s.Update(func(t *mvcc.Txn) error {
		for i, k := range keys {
			if err := t.Put(k, core.BytesValue(vals[i]), ttls[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// Batch implements System with one transaction (Store.Update).
func (m *Inmem) Batch(keys []core.Key, vals [][]byte) error {
	_, err := m.s.Update(func(t *mvcc.Txn) error {
		for i, k := range keys {
			if err := t.Put(k, core.BytesValue(vals[i]), 0); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// Put implements System.
func (m *Inmem) Put(k core.Key, v []byte) error {
	_, err := m.s.Put(k, core.BytesValue(v), 0)
	return err
}

// Get implements System.
func (m *Inmem) Get(k core.Key) bool {
	_, err := m.s.Get(k)
	return err == nil
}

// Value implements System.
func (m *Inmem) Value(k core.Key) ([]byte, bool) {
	vv, err := m.s.Get(k)
	if err != nil {
		return nil, false
	}
	return vv.Value.Bytes(), true
}

// Delete implements System.
func (m *Inmem) Delete(k core.Key) error {
	_, err := m.s.Delete(k)
	if err != nil && !isNotFound(err) {
		return err
	}
	return nil
}

// ScanPrefix implements System with Store.ScanPrefix at the latest version.
func (m *Inmem) ScanPrefix(p core.Key) Rows {
	es, _ := m.s.ScanPrefix(p, core.Latest)
	return entryRows(es)
}

// ScanRun implements System with Store.ScanByRun (the run index).
func (m *Inmem) ScanRun(ns core.Namespace) Rows {
	es, _ := m.s.ScanByRun(ns.RunID, core.Latest)
	return entryRows(es)
}

// Snapshot implements Snapshotter with Store.Snapshot.
func (m *Inmem) Snapshot() View { return inmemView{m.s.Snapshot()} }

// FindExpired implements ExpiryFinder with Store.FindExpired (the TTL index).
func (m *Inmem) FindExpired(now time.Time) int { return len(m.s.FindExpired(now, 0)) }

// CommitGroups implements GroupCommitter from Store.Stats.
func (m *Inmem) CommitGroups() (commits, groups uint64) {
	st := m.s.Stats()
	return st.Commits, st.Groups
}

// Prepare implements System; nothing to do.
func (m *Inmem) Prepare() {}

// Close implements System; nothing to release.
func (m *Inmem) Close() error { return nil }

type inmemView struct{ sn *mvcc.Snapshot }

func (v inmemView) Value(k core.Key) ([]byte, bool) {
	vv, err := v.sn.Get(k)
	if err != nil {
		return nil, false
	}
	return vv.Value.Bytes(), true
}
