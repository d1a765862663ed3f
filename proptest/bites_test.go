package proptest

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
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
// clock) against stores from newStore until one fails, and returns the
// failure, or "" when none of tries did.
func hunt(tries int, newStore func(c *core.ManualClock) core.Storage) string {
	rng := rand.New(rand.NewPCG(7, 7))
	for range tries {
		b := make([]byte, 200)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		c := core.NewManualClock(epoch)
		d := &byteDrawer{b: b}
		m := &machine{f: recorder{}, d: d, store: newStore(c), model: NewModel(c), clock: c, ts: true}
		if msg := caught(func() { m.replay(d) }); msg != "" {
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
			msg := hunt(300, bug.newStore)
			if msg == "" {
				t.Fatal("300 sequences did not catch the bug")
			}
			if !strings.Contains(msg, bug.want) {
				t.Fatalf("caught by %q, want a failure mentioning %q", msg, bug.want)
			}
			t.Logf("caught: %.200s", msg)
		})
	}
	t.Run("the model itself passes", func(t *testing.T) {
		if msg := hunt(50, func(c *core.ManualClock) core.Storage { return NewModel(c) }); msg != "" {
			t.Fatalf("the model fails its own suite: %s", msg)
		}
	})
}

// huntStore runs random byte-driven sequences of RunStore's machine over an
// mvcc store, with defects planted through the machine's seams by plant,
// until one fails, and returns the failure, or "" when none of tries did.
func huntStore(tries int, plant func(m *machine)) string {
	rng := rand.New(rand.NewPCG(9, 9))
	for range tries {
		b := make([]byte, 300)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		d := &byteDrawer{b: b}
		m := newStoreMachine(recorder{}, d, func(c core.Clock) *mvcc.Store { return mvcc.New(mvcc.WithClock(c)) })
		plant(m)
		if msg := caught(func() { m.replay(d) }); msg != "" {
			return msg
		}
	}
	return ""
}

// appendSkips is an Append that leaves a gap: it writes the sequence after
// the next one, in one commit all the same.
func appendSkips(s *mvcc.Store, ns core.Namespace, v core.Value, ttl time.Duration) (core.Key, uint64, error) {
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

// dropsChange is a watcher that loses the last change of every commit with
// two or more.
type dropsChange struct{ *mvcc.Watcher }

func (w dropsChange) Next(ctx context.Context) (core.Commit, error) {
	c, err := w.Watcher.Next(ctx)
	if len(c.Changes) > 1 {
		c.Changes = c.Changes[:len(c.Changes)-1]
	}
	return c, err
}

// TestSuiteBitesStore shows RunStore's machine catches defects planted in
// the operations beyond core.Storage, and names the check that did.
func TestSuiteBitesStore(t *testing.T) {
	bugs := []struct {
		name  string
		plant func(m *machine)
		want  string // a substring of the failure
	}{
		{"Append skips a sequence number", func(m *machine) { m.appendFn = appendSkips }, "Append("},
		{"a watcher drops a change", func(m *machine) {
			m.watchFn = func(s *mvcc.Store, after uint64, opts ...mvcc.WatchOption) nexter {
				return dropsChange{s.Watch(after, opts...)}
			}
		}, ": Next: version"},
	}
	for _, bug := range bugs {
		t.Run(bug.name, func(t *testing.T) {
			msg := huntStore(100, bug.plant)
			if msg == "" {
				t.Fatal("100 sequences did not catch the bug")
			}
			if !strings.Contains(msg, bug.want) {
				t.Fatalf("caught by %q, want a failure mentioning %q", msg, bug.want)
			}
			t.Logf("caught: %.300s", msg)
		})
	}
	t.Run("the mvcc store itself passes", func(t *testing.T) {
		if msg := huntStore(10, func(*machine) {}); msg != "" {
			t.Fatalf("the mvcc store fails the suite: %s", msg)
		}
	})
}

// TestReplayReportsDifferences: Replay fails its test on a store that
// differs from the model (here: a store whose clock runs a tick ahead, so
// its snapshots are taken at another time).
func TestReplayReportsDifferences(t *testing.T) {
	msg := caught(func() {
		replay(recorder{}, []byte{0, 0, 0, 0, 0, 0}, func(c core.Clock) *mvcc.Store {
			return mvcc.New(mvcc.WithClock(aheadClock{c}))
		})
	})
	if !strings.Contains(msg, "check: current snapshot: version 0, time") {
		t.Fatalf("failure %q, want a snapshot time difference", msg)
	}
}

type aheadClock struct{ c core.Clock }

func (a aheadClock) Now() time.Time { return a.c.Now().Add(tick) }
