package proptest

import (
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Model is a reference implementation of core.Storage, written to be
// obviously right rather than fast: it keeps the full data of every version
// (states[v] is a complete map of what was stored after version v committed),
// copies the whole map on every change, and answers every read by looking at
// one of those maps. It never forgets a version, so it never answers
// ErrCompacted.
//
// Semantics (the contract of package core): versions start at 1 and rise by
// exactly 1 per committed change; a failed or empty operation assigns no
// version; a value whose Timestamp+TTL is at or before now is expired and
// reads as not found, but stays stored until it is deleted, overwritten or
// removed by RemoveExpired. Expiry is judged by the Model's own code, not
// core.VersionedValue.Expired, so a bug there cannot hide in both.
//
// Beyond core.Storage it offers every capability of the contract (core's
// Viewer, ViewerAt, Scanner, TypeScanner, CompareAndSwapper, Transactor,
// Watchable, Appender, PrefixDeleter, Toucher, ExpiryTarget, Expirer and
// NamespaceLister), so the suite runs every step against it alone. It
// records the commit of every version (Commit), which is what a watcher must
// deliver, and Reopen, what a durable store forgets when it is opened again.
//
// A Model is safe for concurrent use: one mutex guards it.
type Model struct {
	mu      sync.Mutex
	clock   core.Clock
	states  []modelState
	commits []modelCommit // commits[v] is version v's commit; commits[0] is empty
	// lastRemoval is the newest version that removed a key (a delete or an
	// expiry), or the version of the last Reopen: what a store may prove
	// about absent keys in versions it no longer keeps.
	lastRemoval uint64
	reopened    uint64 // the version of the last Reopen: its commit record is gone
	// wake, when not nil, is closed at the next commit: watchers wait on it.
	wake chan struct{}
	// indexes are the vector indexes whose rules the Model keeps
	// (AddVectorIndex).
	indexes []modelIndex
	// fork is set on a Model that Branch made (model_branch.go).
	fork *modelFork
}

// modelState is the complete stored data of one version, expired values not
// yet removed included. It is never modified once it is in Model.states.
type modelState map[mkey]core.Entry

// mkey identifies a key in a modelState: a Key with its user key as a string,
// so that it is comparable.
type mkey struct {
	ns core.Namespace
	t  core.TypeTag
	uk string
}

func keyOf(k core.Key) mkey { return mkey{ns: k.Namespace, t: k.Type, uk: string(k.UserKey)} }

// NewModel returns an empty Model at version 0 that judges time by clock
// (core.SystemClock when nil).
func NewModel(clock core.Clock) *Model {
	if clock == nil {
		clock = core.SystemClock{}
	}
	return &Model{clock: clock, states: []modelState{{}}, commits: []modelCommit{{}}}
}

// Now returns the Model's clock reading without a monotonic reading: the time
// of every commit and expiry decision. Safe for concurrent use.
func (m *Model) Now() time.Time { return m.clock.Now().Round(0) }

// CurrentVersion returns the number of changes committed so far. Safe for
// concurrent use.
func (m *Model) CurrentVersion() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.version()
}

func (m *Model) version() uint64 { return uint64(len(m.states) - 1) }

func (m *Model) current() modelState { return m.states[len(m.states)-1] }

// at returns the state after version v committed; v above the current
// version means the current one.
func (m *Model) at(v uint64) modelState {
	return m.states[min(v, m.version())]
}

// commit runs change on a copy of the current state and, when it reports a
// change and no error, makes the copy the next version and records its
// commit (see record). It returns the version committed, or the current
// version when nothing changed. The caller holds m.mu.
func (m *Model) commit(change func(next modelState, version uint64, now time.Time) (bool, error)) (uint64, error) {
	return m.commitAs(false, change)
}

// commitAs is commit; with deletes set, every removal is recorded as
// ChangeDelete (a transaction's delete), else as ChangeExpire when the value
// removed had expired by the commit's time.
func (m *Model) commitAs(deletes bool, change func(next modelState, version uint64, now time.Time) (bool, error)) (uint64, error) {
	next := maps.Clone(m.current())
	now := m.Now()
	changed, err := change(next, m.version()+1, now)
	if err != nil {
		return 0, err
	}
	if !changed {
		return m.version(), nil
	}
	m.record(m.current(), next, now, deletes)
	m.states = append(m.states, next)
	if m.wake != nil {
		close(m.wake)
		m.wake = nil
	}
	return m.version(), nil
}

// wakeLocked returns the channel the next commit closes. The caller holds
// m.mu.
func (m *Model) wakeLocked() chan struct{} {
	if m.wake == nil {
		m.wake = make(chan struct{})
	}
	return m.wake
}

// expired is the Model's own expiry rule: a value with a TTL expires at
// Timestamp+TTL, and is expired at that instant and after.
func expired(vv core.VersionedValue, now time.Time) bool {
	return vv.TTL > 0 && !now.Before(vv.Timestamp.Add(vv.TTL))
}

// liveIn returns the value of k in st unless it is absent or expired at now.
func liveIn(st modelState, k core.Key, now time.Time) (core.VersionedValue, error) {
	e, ok := st[keyOf(k)]
	if !ok || expired(e.Value, now) {
		return core.VersionedValue{}, core.ErrNotFound
	}
	return e.Value, nil
}

// selectLive returns copies of the live entries of st that match keep, in key
// order.
func selectLive(st modelState, now time.Time, keep func(core.Key) bool) []core.Entry {
	var out []core.Entry
	for _, e := range st {
		if keep(e.Key) && !expired(e.Value, now) {
			out = append(out, ownEntry(e))
		}
	}
	sortEntries(out)
	return out
}

func sortEntries(es []core.Entry) {
	slices.SortFunc(es, func(a, b core.Entry) int { return a.Key.Compare(b.Key) })
}

// ownEntry returns e with its own copy of the user key.
func ownEntry(e core.Entry) core.Entry {
	e.Key = ownKey(e.Key)
	return e
}

func ownKey(k core.Key) core.Key {
	k.UserKey = append([]byte{}, k.UserKey...)
	return k
}

func checkKey(k core.Key) error { return k.Validate() }

func checkTTL(ttl time.Duration) error { return core.ValidateTTL(ttl) }
