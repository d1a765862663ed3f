package mvcc_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/inmemdb/inmem/mvcc/mvcctest"
)

// TestStressLargeValues: values of 1, 4 and 16 MB (bytes, a string, an
// array of 1 MB byte strings) round-trip through Put, Get, GetVersioned,
// scans, snapshots and transactions unchanged, and a caller's change to its
// own slice after Put does not reach the store.
func TestStressLargeValues(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test: skipped under -short")
	}
	s := mvcc.New()
	ns := core.Namespace{Tenant: "mb", RunID: core.RunID{9}}
	mb := func(n int, b byte) []byte { return bytes.Repeat([]byte{b, b + 1, b + 2}, n<<20/3+1)[:n<<20] }
	raw := mb(4, 'a')
	vals := map[string]core.Value{
		"bytes-1mb":  core.BytesValue(mb(1, 'x')),
		"bytes-4mb":  core.BytesValue(raw),
		"string-16":  core.StringValue(strings.Repeat("0123456789abcdef", 1<<20)),
		"array-4x1m": core.ArrayValue(core.BytesValue(mb(1, 'p')), core.BytesValue(mb(1, 'q')), core.BytesValue(mb(1, 'r')), core.BytesValue(mb(1, 's'))),
	}
	versions := map[string]uint64{}
	for name, v := range vals {
		ver, err := s.Put(core.KVKey(ns, name), v, 0)
		if err != nil {
			t.Fatalf("Put(%s): %v", name, err)
		}
		versions[name] = ver
	}
	raw[0] = '!' // the store copied it at BytesValue
	if got, _ := s.Get(core.KVKey(ns, "bytes-4mb")); got.Value.Bytes()[0] != 'a' {
		t.Fatal("changing the caller's slice changed the stored value")
	}
	tx := s.Begin()
	if err := tx.Put(core.KVKey(ns, "txn-8mb"), core.BytesValue(mb(8, 'k')), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	vals["txn-8mb"] = core.BytesValue(mb(8, 'k'))
	sn := s.Snapshot()
	for name, want := range vals {
		k := core.KVKey(ns, name)
		for _, read := range []func() (core.VersionedValue, error){
			func() (core.VersionedValue, error) { return s.Get(k) },
			func() (core.VersionedValue, error) { return s.GetVersioned(k, core.Latest) },
			func() (core.VersionedValue, error) { return sn.Get(k) },
		} {
			if got, err := read(); err != nil || !got.Value.Equal(want) {
				t.Fatalf("%s: read back %v (kind %v), %v", name, err, got.Value.Kind(), err)
			}
		}
		if v, ok := versions[name]; ok {
			if got, err := s.GetVersioned(k, v); err != nil || !got.Value.Equal(want) {
				t.Fatalf("%s: GetVersioned at its version: %v", name, err)
			}
		}
	}
	es, err := s.ScanByRun(ns.RunID, core.Latest)
	if err != nil || len(es) != len(vals) {
		t.Fatalf("ScanByRun = %d entries, %v; want %d", len(es), err, len(vals))
	}
	for _, e := range es {
		if !e.Value.Value.Equal(vals[string(e.Key.UserKey)]) {
			t.Fatalf("ScanByRun: %s does not round-trip", e.Key)
		}
	}
}

// TestStressVersionExhausted: a store started two versions below the highest
// assignable one (mvcc.WithStartVersion) takes exactly two more changes,
// then refuses every kind of write with ErrVersionExhausted and changes
// nothing: not the version, not the data, not the indices.
func TestStressVersionExhausted(t *testing.T) {
	clock := core.NewManualClock(epoch)
	const last uint64 = math.MaxUint64 - 1 // the highest assignable version; MaxUint64 is core.Latest
	s := mvcc.New(mvcc.WithClock(clock), mvcc.WithStartVersion(last-2))
	if got := s.CurrentVersion(); got != last-2 {
		t.Fatalf("CurrentVersion() = %d, want %d", got, last-2)
	}
	ns := core.Namespace{Tenant: "end", RunID: core.RunID{1}}
	k1, k2 := core.KVKey(ns, "a"), core.KVKey(ns, "b")
	if v, err := s.Put(k1, core.Int64Value(1), tick); err != nil || v != last-1 {
		t.Fatalf("Put = %d, %v; want %d", v, err, last-1)
	}
	if v, err := s.Put(k2, core.Int64Value(2), 0); err != nil || v != last {
		t.Fatalf("Put = %d, %v; want %d", v, err, last)
	}
	clock.Advance(2 * tick) // k1 has expired: a removal would be a change
	before := collect(s.Snapshot().All())
	stats := s.Stats()
	tx := s.Begin()
	_ = tx.Put(k1, core.Int64Value(3), 0)
	refusals := map[string]error{}
	_, refusals["Put"] = s.Put(core.KVKey(ns, "c"), core.Int64Value(3), 0)
	_, refusals["Put existing"] = s.Put(k2, core.Int64Value(3), 0)
	_, refusals["Delete"] = s.Delete(k2)
	_, refusals["CompareAndSwap"] = s.CompareAndSwap(k2, last, core.Int64Value(3), 0)
	refusals["CompareAndDelete"] = s.CompareAndDelete(k2, last)
	_, refusals["Txn.Commit"] = tx.Commit()
	_, refusals["Update"] = s.Update(func(tx *mvcc.Txn) error { return tx.Put(k2, core.Int64Value(4), 0) })
	_, refusals["RemoveExpired"] = s.RemoveExpired(s.FindExpired(s.Now(), 0))
	for op, err := range refusals {
		if !errors.Is(err, core.ErrVersionExhausted) {
			t.Errorf("%s at version %d: error %v, want ErrVersionExhausted", op, last, err)
		}
	}
	if got := s.CurrentVersion(); got != last {
		t.Fatalf("CurrentVersion() = %d after refused writes, want %d", got, last)
	}
	if d := diffEntries(collect(s.Snapshot().All()), before, true); d != "" {
		t.Fatalf("refused writes changed the data: %s", d)
	}
	if got := s.Stats(); got.Keys != stats.Keys || got.Runs != stats.Runs || got.TTLKeys != stats.TTLKeys || got.Version != stats.Version {
		t.Fatalf("refused writes changed Stats: %+v, was %+v", got, stats)
	}
	if err := mvcctest.CheckIndices(s); err != nil {
		t.Fatal(err)
	}
	// Reads still work, and the versioned ones accept the highest version.
	if vv, err := s.GetVersioned(k2, last); err != nil || vv.Version != last {
		t.Fatalf("GetVersioned(b, %d) = %v, %v", last, vv, err)
	}
	// A start version beyond the highest assignable one is clamped to it.
	s2 := mvcc.New(mvcc.WithStartVersion(math.MaxUint64))
	if _, err := s2.Put(k1, core.Int64Value(1), 0); !errors.Is(err, core.ErrVersionExhausted) || s2.CurrentVersion() != last {
		t.Fatalf("store started at MaxUint64: Put error %v at version %d", err, s2.CurrentVersion())
	}
}
