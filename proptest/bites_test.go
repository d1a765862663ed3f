package proptest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
)

// recorder is a failer that stops the sequence by panicking with what it
// was told; caught records it.
type recorder struct{}

type failure string

func (recorder) Helper() {}

func (recorder) Fatalf(format string, args ...any) { panic(failure(fmt.Sprintf(format, args...))) }

// caught runs fn and returns the failure it reported, or "".
func caught(fn func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(failure)
			if !ok {
				panic(r)
			}
			msg = string(f)
		}
	}()
	fn()
	return ""
}

// hunt runs random byte-driven sequences of the generic suite (with a shared
// clock), drawn from seed, against stores from newStore until one fails, and
// returns the failure, or "" when none of tries did.
func hunt(seed uint64, tries int, newStore func(c *core.ManualClock) core.Storage) string {
	rng := rand.New(rand.NewPCG(seed, seed))
	for range tries {
		b := make([]byte, 300)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		c := core.NewManualClock(epoch)
		if msg := caught(func() { replay(recorder{}, b, newStore(c), &options{clock: c}) }); msg != "" {
			return msg
		}
	}
	return ""
}

// Buggy stores: a Model with one planted defect each.

// runScanDropsLast loses the last entry of every run scan with two or more.
type runScanDropsLast struct{ *Model }

func (s runScanDropsLast) ScanByRun(r core.RunID, v uint64) ([]core.Entry, error) {
	es, err := s.Model.ScanByRun(r, v)
	if len(es) > 1 {
		es = es[:len(es)-1]
	}
	return es, err
}

// versionedReadsCurrent ignores maxVersion: it answers the current value.
type versionedReadsCurrent struct{ *Model }

func (s versionedReadsCurrent) GetVersioned(k core.Key, _ uint64) (core.VersionedValue, error) {
	return s.Model.Get(k)
}

// expiresLate keeps a value readable at the exact instant it expires.
type expiresLate struct {
	*Model
	clock *core.ManualClock
}

func (s expiresLate) Get(k core.Key) (core.VersionedValue, error) {
	vv, err := s.Model.Get(k)
	if err != nil && k.Type.Valid() {
		for _, e := range s.Model.Stored() {
			if e.Key.Equal(k) && e.Value.TTL > 0 && e.Value.Timestamp.Add(e.Value.TTL).Equal(s.clock.Now()) {
				return e.Value, nil
			}
		}
	}
	return vv, err
}

// deleteSkipsVersion assigns two versions to a delete.
type deleteSkipsVersion struct{ *Model }

func (s deleteSkipsVersion) Delete(k core.Key) (core.VersionedValue, error) {
	vv, err := s.Model.Delete(k)
	if err == nil {
		_, _ = s.Model.Put(core.NewKey(core.Namespace{Tenant: "hidden"}, core.TypeKV, nil), core.NullValue(), 0)
		_, _ = s.Model.Delete(core.NewKey(core.Namespace{Tenant: "hidden"}, core.TypeKV, nil))
	}
	return vv, err
}

// keepsCallerKey stores the caller's user key slice without copying it.
type keepsCallerKey struct {
	*Model
	keys map[string][]byte
}

func (s keepsCallerKey) Put(k core.Key, v core.Value, ttl time.Duration) (uint64, error) {
	ver, err := s.Model.Put(k, v, ttl)
	if err == nil {
		s.keys[k.String()] = k.UserKey
	}
	return ver, err
}

func (s keepsCallerKey) Get(k core.Key) (core.VersionedValue, error) {
	if uk, ok := s.keys[k.String()]; ok && string(uk) != string(k.UserKey) {
		return core.VersionedValue{}, core.ErrNotFound
	}
	return s.Model.Get(k)
}

// scanShowsExpired returns, in prefix scans, values that have expired but
// are not yet removed: a range counted by what it stores, not what is live.
type scanShowsExpired struct {
	*Model
	clock *core.ManualClock
}

func (s scanShowsExpired) ScanPrefix(p core.Key, v uint64) ([]core.Entry, error) {
	es, err := s.Model.ScanPrefix(p, v)
	if err != nil || v < s.Model.CurrentVersion() {
		return es, err
	}
	var out []core.Entry
	for _, e := range s.Model.Stored() {
		if e.Key.HasPrefix(p) {
			out = append(out, e)
		}
	}
	return out, nil
}

// TestSuiteBites shows the generic suite catches each planted defect, and
// names the check that did.
func TestSuiteBites(t *testing.T) {
	skipUnderRace(t)
	bugs := []struct {
		name     string
		newStore func(c *core.ManualClock) core.Storage
		want     string // a substring of the failure
	}{
		{"run scan drops an entry", func(c *core.ManualClock) core.Storage { return runScanDropsLast{NewModel(c)} }, "ScanByRun"},
		{"versioned read ignores the version", func(c *core.ManualClock) core.Storage { return versionedReadsCurrent{NewModel(c)} }, "GetVersioned"},
		{"expiry one instant late", func(c *core.ManualClock) core.Storage { return expiresLate{NewModel(c), c} }, "Get("},
		{"a delete takes two versions", func(c *core.ManualClock) core.Storage { return deleteSkipsVersion{NewModel(c)} }, "CurrentVersion"},
		{"a prefix scan returns an expired value not yet removed", func(c *core.ManualClock) core.Storage {
			return scanShowsExpired{NewModel(c), c}
		}, "ScanPrefix("},
		{"the caller's key slice is kept", func(c *core.ManualClock) core.Storage {
			return keepsCallerKey{NewModel(c), map[string][]byte{}}
		}, "Get("},
	}
	for _, bug := range bugs {
		t.Run(bug.name, func(t *testing.T) {
			msg := hunt(7, 1000, bug.newStore)
			if msg == "" {
				t.Fatal("1000 sequences did not catch the bug")
			}
			if !strings.Contains(msg, bug.want) {
				t.Fatalf("caught by %q, want a failure mentioning %q", msg, bug.want)
			}
			t.Logf("caught: %.200s", msg)
		})
	}
	t.Run("the model itself passes", func(t *testing.T) {
		if msg := hunt(7, 50, func(c *core.ManualClock) core.Storage { return NewModel(c) }); msg != "" {
			t.Fatalf("the model fails its own suite: %s", msg)
		}
	})
}

// appendSkips is an Append that leaves a gap: it writes the sequence after
// the next one, in one commit all the same.
type appendSkips struct{ *Model }

func (s appendSkips) Append(ns core.Namespace, v core.Value, ttl time.Duration) (core.Key, uint64, error) {
	tx := s.Begin()
	k, err := tx.Append(ns, v, ttl)
	tx.Discard()
	if err != nil {
		return core.Key{}, 0, err
	}
	k = core.EventKey(ns, binary.BigEndian.Uint64(k.UserKey)+1)
	ver, err := s.Put(k, v, ttl)
	return k, ver, err
}

// dropsChange hands out watchers that lose the last change of every commit
// with two or more.
type dropsChange struct{ *Model }

func (s dropsChange) WatchCommits(after uint64, opts ...core.WatchOption) core.Watcher {
	return droppingWatcher{s.Watch(after, opts...)}
}

type droppingWatcher struct{ *ModelWatcher }

func (w droppingWatcher) Next(ctx context.Context) (core.Commit, error) {
	c, err := w.ModelWatcher.Next(ctx)
	if len(c.Changes) > 1 {
		c.Changes = c.Changes[:len(c.Changes)-1]
	}
	return c, err
}

// casIgnoresTTL drops the ttl of every compare-and-swap.
type casIgnoresTTL struct{ *Model }

func (s casIgnoresTTL) CompareAndSwap(k core.Key, exp uint64, v core.Value, _ time.Duration) (uint64, error) {
	return s.Model.CompareAndSwap(k, exp, v, 0)
}

// txnReadsLatest hands out transactions that read the current version, not
// the one they began at: no snapshot isolation.
type txnReadsLatest struct{ *Model }

func (s txnReadsLatest) BeginTxn() core.Txn { return latestTxn{s.Begin(), s.Model} }

type latestTxn struct {
	*ModelTxn
	m *Model
}

func (t latestTxn) Get(k core.Key) (core.VersionedValue, error) {
	if _, err := t.ModelTxn.Get(k); err != nil && !errors.Is(err, core.ErrNotFound) {
		return core.VersionedValue{}, err
	}
	return t.m.Get(k)
}

// viewFloatLossy hands out snapshots whose reads turn a float's NaN into 0,
// as a codec through JSON would.
type viewFloatLossy struct{ *Model }

func (s viewFloatLossy) View() core.Snapshot { return lossySnapshot{s.Snapshot()} }

type lossySnapshot struct{ *ModelSnapshot }

// Branch and DiffViews take the store's own (lossy) views, as a store's
// would: the bug is in the reads, not in the branches.
func (s viewFloatLossy) Branch(from core.Snapshot) (core.Storage, error) {
	return s.Model.Branch(unlossy(from))
}

func (s viewFloatLossy) DiffViews(from, to core.Snapshot, opts ...core.ScanOption) iter.Seq[core.Change] {
	return s.Model.DiffViews(unlossy(from), unlossy(to), opts...)
}

func unlossy(v core.Snapshot) core.Snapshot {
	if l, ok := v.(lossySnapshot); ok {
		return l.ModelSnapshot
	}
	return v
}

func (s lossySnapshot) Get(k core.Key) (core.VersionedValue, error) {
	vv, err := s.ModelSnapshot.Get(k)
	if err == nil && vv.Value.Kind() == core.KindFloat64 && math.IsNaN(vv.Value.Float64()) {
		vv.Value = core.Float64Value(0)
	}
	return vv, err
}

// searchDropsBest returns each search without its best hit (and one more at
// the end).
type searchDropsBest struct{ *Model }

func (s searchDropsBest) Search(p core.Prefix, q []float32, k int, opts ...core.SearchOption) ([]core.Hit, error) {
	if _, err := s.Model.Search(p, q, k, opts...); err != nil {
		return nil, err
	}
	hits, _ := s.Model.Search(p, q, k+1, opts...)
	if len(hits) == 0 {
		return hits, nil
	}
	return hits[1:], nil
}

// mergeTakesFork merges as if every conflict were decided for the fork:
// the store's own changes are overwritten.
type mergeTakesFork struct{ *Model }

func (s mergeTakesFork) MergeBranch(fork core.Storage, opts ...core.MergeOption) (uint64, error) {
	return s.Model.MergeBranch(fork, append(opts, core.PreferFork())...)
}

// diffMissesDeletes hands out diffs without their deletes.
type diffMissesDeletes struct{ *Model }

func (s diffMissesDeletes) DiffViews(from, to core.Snapshot, opts ...core.ScanOption) iter.Seq[core.Change] {
	return func(yield func(core.Change) bool) {
		for c := range s.Model.DiffViews(from, to, opts...) {
			if c.Op != core.ChangeDelete && !yield(c) {
				return
			}
		}
	}
}

// TestSuiteBitesCapabilities shows the suite catches defects planted in the
// capabilities beyond core.Storage, and names the check that did.
func TestSuiteBitesCapabilities(t *testing.T) {
	skipUnderRace(t)
	bugs := []struct {
		name     string
		newStore func(c *core.ManualClock) core.Storage
		want     string // a substring of the failure
	}{
		{"Append skips a sequence number", func(c *core.ManualClock) core.Storage { return appendSkips{NewModel(c)} }, "Append("},
		{"a watcher drops a change", func(c *core.ManualClock) core.Storage { return dropsChange{NewModel(c)} }, ": Next: version"},
		{"compare-and-swap drops the ttl", func(c *core.ManualClock) core.Storage { return casIgnoresTTL{NewModel(c)} }, "ttl"},
		{"a transaction reads the latest version", func(c *core.ManualClock) core.Storage { return txnReadsLatest{NewModel(c)} }, "Txn.Get"},
		{"a snapshot loses NaN", func(c *core.ManualClock) core.Storage { return viewFloatLossy{NewModel(c)} }, ": Get("},
		{"a search loses its best hit", func(c *core.ManualClock) core.Storage { return searchDropsBest{NewModel(c)} }, "Search("},
		{"a merge overwrites the store's changes", func(c *core.ManualClock) core.Storage { return mergeTakesFork{NewModel(c)} }, ": Merge("},
		{"a diff misses deletes", func(c *core.ManualClock) core.Storage { return diffMissesDeletes{NewModel(c)} }, "DiffViews("},
	}
	// The hunt's seed, 7 unless given here. A merge shows its bug only when
	// a fork, a write on it, a write of the same key on its parent and a
	// merge without PreferFork fall in one sequence: about one in 300 (seed
	// 7 draws them first in its 915th sequence, seed 6 in its 15th, which
	// keeps the test short under -race).
	seeds := map[string]uint64{"a merge overwrites the store's changes": 6}
	for _, bug := range bugs {
		t.Run(bug.name, func(t *testing.T) {
			seed := uint64(7)
			if s, ok := seeds[bug.name]; ok {
				seed = s
			}
			msg := hunt(seed, 1000, bug.newStore)
			if msg == "" {
				t.Fatal("1000 sequences did not catch the bug")
			}
			if !strings.Contains(msg, bug.want) {
				t.Fatalf("caught by %q, want a failure mentioning %q", msg, bug.want)
			}
			t.Logf("caught: %.300s", msg)
		})
	}
}

// TestReplayReportsDifferences: Replay fails its test on a store that
// differs from the model (here: a store whose clock runs a tick ahead, so
// its snapshots are taken at another time).
func TestReplayReportsDifferences(t *testing.T) {
	c := core.NewManualClock(epoch)
	msg := caught(func() {
		replay(recorder{}, []byte{0, 0, 0, 0, 0, 0}, NewModel(aheadClock{c}), &options{clock: c})
	})
	if !strings.Contains(msg, "check: current snapshot: version 0, time") {
		t.Fatalf("failure %q, want a snapshot time difference", msg)
	}
}

type aheadClock struct{ c core.Clock }

func (a aheadClock) Now() time.Time { return a.c.Now().Add(tick) }

// skipUnderRace skips a bite test in a -race build (see raceEnabled).
func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("hunts in single-goroutine wrappers of the Model: run without -race (CI does)")
	}
}
