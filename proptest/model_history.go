package proptest

import (
	"fmt"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
)

// modelCommit is what one version changed: its time and its changes in key
// order (ChangePut with the value written, ChangeDelete and ChangeExpire
// with the value removed).
type modelCommit struct {
	time    time.Time
	changes []core.Change
}

// record appends the commit that turns prev into next at now. The caller
// holds m.mu.
func (m *Model) record(prev, next modelState, now time.Time, deletes bool) {
	version := m.version() + 1
	var out []core.Change
	for _, e := range next {
		if e.Value.Version == version {
			out = append(out, core.Change{Key: ownKey(e.Key), Op: core.ChangePut, Value: e.Value})
		}
	}
	for k, e := range prev {
		if _, ok := next[k]; ok {
			continue
		}
		op := core.ChangeDelete
		if !deletes && expired(e.Value, now) {
			op = core.ChangeExpire
		}
		out = append(out, core.Change{Key: ownKey(e.Key), Op: op, Value: e.Value})
		m.lastRemoval = version
	}
	sortChanges(out)
	m.commits = append(m.commits, modelCommit{time: now, changes: out})
}

func sortChanges(cs []core.Change) {
	slices.SortFunc(cs, func(a, b core.Change) int { return a.Key.Compare(b.Key) })
}

// Commit returns version v's commit as a watcher with filter keep sees it:
// only the changes whose key keep accepts (nil: all), and false when none
// does or v is not a committed version. Safe for concurrent use.
func (m *Model) Commit(v uint64, keep func(core.Key) bool) (core.Commit, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.commitLocked(v, keep)
}

// commitLocked is Commit; the caller holds m.mu.
func (m *Model) commitLocked(v uint64, keep func(core.Key) bool) (core.Commit, bool) {
	if v == 0 || v > m.version() {
		return core.Commit{}, false
	}
	c := core.Commit{Version: v, Time: m.commits[v].time}
	for _, ch := range m.commits[v].changes {
		if keep == nil || keep(ch.Key) {
			ch.Key = ownKey(ch.Key)
			c.Changes = append(c.Changes, ch)
		}
	}
	return c, len(c.Changes) > 0
}

// Reopen records that the store was closed and opened again from what it
// stored: the data and versions stay, but what was removed before now is no
// longer known (see LastRemoval), and the current version's commit record is
// gone. Safe for concurrent use.
func (m *Model) Reopen() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastRemoval = m.version()
	m.reopened = m.version()
}

// LastRemoval returns the newest version that removed a key, or the version
// of the last Reopen if that is newer: a versioned read at a version v older
// than the kept history can prove a key absent only when LastRemoval <= v.
// Safe for concurrent use.
func (m *Model) LastRemoval() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastRemoval
}

// Reopened returns the version of the last Reopen (0: none): a store keeps
// no commit record of it or of any version before it. Safe for concurrent
// use.
func (m *Model) Reopened() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reopened
}

// SnapshotAt returns the state right after version v committed, with expiry
// judged at v's commit time (now for version 0), or ErrNotFound
// when v is above the current version. The Model keeps every version, so it
// never answers ErrCompacted. Safe for concurrent use.
func (m *Model) SnapshotAt(v uint64) (*ModelSnapshot, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v > m.version() {
		return nil, fmt.Errorf("%w: version %d is above the current version %d", core.ErrNotFound, v, m.version())
	}
	at := m.Now()
	if v > 0 {
		at = m.commits[v].time
	}
	sn := newModelSnapshot(m, m.states[v], v, at)
	sn.origin = m
	return sn, nil
}
