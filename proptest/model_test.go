package proptest

import (
	"errors"
	"testing"

	"github.com/inmemdb/inmem/core"
)

var (
	mNS  = core.Namespace{Tenant: "t", RunID: core.RunID{1}}
	mNS2 = core.Namespace{Tenant: "u", RunID: core.RunID{2}}
	ka   = core.KVKey(mNS, "a")
	kb   = core.KVKey(mNS, "b")
	kc   = core.EventKey(mNS2, 1)
	kbad = core.NewKey(mNS, invalidType, nil)
)

func mustVersion(t *testing.T, want uint64) func(uint64, error) {
	t.Helper()
	return func(got uint64, err error) {
		t.Helper()
		if err != nil || got != want {
			t.Fatalf("got version %d, %v; want %d", got, err, want)
		}
	}
}

func wantErr(t *testing.T, err, sentinel error) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v, want %v", err, sentinel)
	}
}

func TestModelVersionsAndHistory(t *testing.T) {
	c := core.NewManualClock(epoch)
	m := NewModel(c)
	mustVersion(t, 1)(m.Put(ka, core.Int64Value(1), 0))
	mustVersion(t, 2)(m.Put(ka, core.Int64Value(2), 0))
	mustVersion(t, 3)(m.Put(kb, core.Int64Value(3), 0))
	// Failed operations assign no version.
	_, err := m.Put(kbad, core.Int64Value(0), 0)
	wantErr(t, err, core.ErrInvalidKey)
	_, err = m.Put(ka, core.Int64Value(0), -1)
	wantErr(t, err, core.ErrInvalidTTL)
	_, err = m.Delete(kc)
	wantErr(t, err, core.ErrNotFound)
	if m.CurrentVersion() != 3 {
		t.Fatalf("CurrentVersion() = %d, want 3", m.CurrentVersion())
	}
	vv, err := m.Delete(ka)
	if err != nil || !vv.Value.Equal(core.Int64Value(2)) || vv.Version != 2 || m.CurrentVersion() != 4 {
		t.Fatalf("Delete = %v, %v at version %d", vv, err, m.CurrentVersion())
	}
	for v, want := range map[uint64]int64{1: 1, 2: 2, 3: 2} {
		if vv, err := m.GetVersioned(ka, v); err != nil || vv.Value.Int64() != want {
			t.Fatalf("GetVersioned(a, %d) = %v, %v; want %d", v, vv, err, want)
		}
	}
	for _, v := range []uint64{0, 4, 99, core.Latest} {
		if _, err := m.GetVersioned(ka, v); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("GetVersioned(a, %d): %v, want ErrNotFound", v, err)
		}
	}
	_, err = m.GetVersioned(kbad, 1)
	wantErr(t, err, core.ErrInvalidKey)
	es, _ := m.ScanPrefix(core.KVKey(mNS, ""), 2)
	if len(es) != 1 || !es[0].Key.Equal(ka) {
		t.Fatalf("ScanPrefix at 2 = %v", es)
	}
	_, err = m.ScanPrefix(kbad, 2)
	wantErr(t, err, core.ErrInvalidKey)
	// Returned keys are the caller's.
	scribble(es)
	if es, _ := m.ScanPrefix(core.KVKey(mNS, ""), 2); !es[0].Key.Equal(ka) {
		t.Fatal("scribbling over a result changed the model")
	}
}

func TestModelExpiry(t *testing.T) {
	c := core.NewManualClock(epoch)
	m := NewModel(c)
	mustVersion(t, 1)(m.Put(ka, core.Int64Value(1), 2*tick))
	mustVersion(t, 2)(m.Put(kb, core.Int64Value(2), tick))
	mustVersion(t, 3)(m.Put(kc, core.Int64Value(3), 0))
	c.Advance(tick - 1)
	if _, err := m.Get(kb); err != nil {
		t.Fatalf("b expired a nanosecond early: %v", err)
	}
	c.Advance(1) // exactly Timestamp+TTL: expired
	if _, err := m.Get(kb); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("b at its expiry instant: %v, want ErrNotFound", err)
	}
	if _, err := m.Delete(kb); !errors.Is(err, core.ErrNotFound) || m.CurrentVersion() != 3 {
		t.Fatalf("Delete of an expired key: %v at version %d", err, m.CurrentVersion())
	}
	c.Advance(tick)
	exp := m.FindExpired(c.Now(), 0)
	if len(exp) != 2 || !exp[0].Key.Equal(kb) || !exp[1].Key.Equal(ka) {
		t.Fatalf("FindExpired = %v, want b then a", exp)
	}
	if one := m.FindExpired(c.Now(), 1); len(one) != 1 || !one[0].Key.Equal(kb) {
		t.Fatalf("FindExpired limit 1 = %v", one)
	}
	stale := core.Entry{Key: kc, Value: core.VersionedValue{Version: 3}} // not expired
	res, err := m.RemoveExpired(append(exp, stale, exp[0], core.Entry{Key: kbad}))
	if err != nil || res != (core.Removal{Version: 4, Removed: 2, Skipped: 3}) {
		t.Fatalf("RemoveExpired = %+v, %v", res, err)
	}
	if res, _ := m.RemoveExpired(exp); res != (core.Removal{Skipped: 2}) || m.CurrentVersion() != 4 {
		t.Fatalf("RemoveExpired again = %+v at version %d", res, m.CurrentVersion())
	}
	if st := m.Stored(); len(st) != 1 || !st[0].Key.Equal(kc) {
		t.Fatalf("Stored() = %v", st)
	}
	if NewModel(nil).Now().IsZero() {
		t.Fatal("a model without a clock reads the zero time")
	}
}

func TestModelCompareAndSwap(t *testing.T) {
	c := core.NewManualClock(epoch)
	m := NewModel(c)
	_, err := m.CompareAndSwap(ka, 1, core.Int64Value(1), 0)
	wantErr(t, err, core.ErrVersionMismatch)
	mustVersion(t, 1)(m.CompareAndSwap(ka, 0, core.Int64Value(1), tick))
	_, err = m.CompareAndSwap(ka, 0, core.Int64Value(2), 0)
	wantErr(t, err, core.ErrVersionMismatch)
	wantErr(t, m.CompareAndDelete(ka, 7), core.ErrVersionMismatch)
	c.Advance(tick) // a expired: it counts as absent
	wantErr(t, m.CompareAndDelete(ka, 1), core.ErrNotFound)
	_, err = m.CompareAndSwap(ka, 1, core.Int64Value(2), 0)
	wantErr(t, err, core.ErrVersionMismatch)
	mustVersion(t, 2)(m.CompareAndSwap(ka, 0, core.Int64Value(2), 0))
	if err := m.CompareAndDelete(ka, 2); err != nil || m.CurrentVersion() != 3 {
		t.Fatalf("CompareAndDelete: %v at %d", err, m.CurrentVersion())
	}
	wantErr(t, m.CompareAndDelete(kbad, 2), core.ErrInvalidKey)
	_, err = m.ScanByType(invalidType, core.Latest)
	wantErr(t, err, core.ErrInvalidKey)
}

func TestModelSnapshot(t *testing.T) {
	c := core.NewManualClock(epoch)
	m := NewModel(c)
	mustVersion(t, 1)(m.Put(ka, core.Int64Value(1), tick))
	mustVersion(t, 2)(m.Put(kc, core.Int64Value(3), 0))
	sn := m.Snapshot()
	c.Advance(tick)
	mustVersion(t, 3)(m.Put(kb, core.Int64Value(2), 0))
	if sn.Version() != 2 || !sn.Time().Equal(epoch) {
		t.Fatalf("snapshot version %d time %v", sn.Version(), sn.Time())
	}
	if vv, err := sn.Get(ka); err != nil || vv.Value.Int64() != 1 {
		t.Fatalf("snapshot Get(a) = %v, %v: expiry is judged when it was taken", vv, err)
	}
	if _, err := sn.Get(kb); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("snapshot sees a later write: %v", err)
	}
	_, err := sn.Get(kbad)
	wantErr(t, err, core.ErrInvalidKey)
	_, err = sn.ScanPrefix(kbad)
	wantErr(t, err, core.ErrInvalidKey)
	_, err = sn.ScanByType(invalidType)
	wantErr(t, err, core.ErrInvalidKey)
	if es, _ := sn.ScanByRun(mNS2.RunID); len(es) != 1 || !es[0].Key.Equal(kc) {
		t.Fatalf("snapshot ScanByRun = %v", es)
	}
	if es, _ := sn.ScanByType(core.TypeKV); len(es) != 1 || !es[0].Key.Equal(ka) {
		t.Fatalf("snapshot ScanByType = %v", es)
	}
	for range sn.All() {
		break // stopping early is fine
	}
	if all := collect(sn.All()); len(all) != 2 {
		t.Fatalf("snapshot All = %v", all)
	}
}

func TestModelTxn(t *testing.T) {
	c := core.NewManualClock(epoch)
	m := NewModel(c)
	mustVersion(t, 1)(m.Put(ka, core.Int64Value(1), 0))
	mustVersion(t, 2)(m.Put(kb, core.Int64Value(2), 0))

	// Reads see the begin version and own writes; commit is one version.
	tx := m.Begin()
	if tx.Version() != 2 {
		t.Fatalf("Version() = %d", tx.Version())
	}
	if err := tx.Put(kc, core.Int64Value(3), tick); err != nil {
		t.Fatal(err)
	}
	if vv, err := tx.Get(kc); err != nil || vv.Version != 0 || vv.TTL != tick {
		t.Fatalf("own write = %v, %v", vv, err)
	}
	if err := tx.Delete(kb); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Get(kb); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("own delete visible as %v", err)
	}
	wantErr(t, tx.Delete(kb), core.ErrNotFound)
	wantErr(t, tx.Put(kbad, core.NullValue(), 0), core.ErrInvalidKey)
	wantErr(t, tx.Put(ka, core.NullValue(), -1), core.ErrInvalidTTL)
	_, err := tx.ScanPrefix(kbad)
	wantErr(t, err, core.ErrInvalidKey)
	if es, _ := tx.ScanPrefix(core.KVKey(mNS, "")); len(es) != 1 || !es[0].Key.Equal(ka) {
		t.Fatalf("txn ScanPrefix = %v", es)
	}
	if es, _ := tx.ScanPrefix(core.NewKey(mNS2, core.TypeEvent, nil)); len(es) != 1 || !es[0].Key.Equal(kc) || es[0].Value.TTL != tick {
		t.Fatalf("txn ScanPrefix of its own write = %v", es)
	}
	mustVersion(t, 3)(tx.Commit())
	if vv, _ := m.Get(kc); vv.Version != 3 || !vv.Timestamp.Equal(epoch) {
		t.Fatalf("committed write = %v", vv)
	}
	_, err = tx.Commit()
	wantErr(t, err, core.ErrTxnDone)
	_, err = tx.Get(ka)
	wantErr(t, err, core.ErrTxnDone)
	wantErr(t, tx.Put(ka, core.NullValue(), 0), core.ErrTxnDone)
	wantErr(t, tx.Delete(ka), core.ErrTxnDone)
	_, err = tx.ScanPrefix(ka)
	wantErr(t, err, core.ErrTxnDone)

	// A read-only transaction commits at its begin version.
	ro := m.Begin()
	_, _ = ro.Get(ka)
	mustVersion(t, 4)(m.Put(ka, core.Int64Value(9), 0))
	mustVersion(t, 3)(ro.Commit())

	// Conflicts: a read key, a written key, a scanned range.
	for name, tc := range map[string]func(tx *ModelTxn){
		"read":    func(tx *ModelTxn) { _, _ = tx.Get(ka); _ = tx.Put(kb, core.NullValue(), 0) },
		"written": func(tx *ModelTxn) { _ = tx.Put(ka, core.NullValue(), 0) },
		"scanned": func(tx *ModelTxn) { _, _ = tx.ScanPrefix(core.KVKey(mNS, "")); _ = tx.Put(kc, core.NullValue(), 0) },
	} {
		tx := m.Begin()
		tc(tx)
		mustVersion(t, m.CurrentVersion()+1)(m.Put(ka, core.Int64Value(5), 0))
		if _, err := tx.Commit(); !errors.Is(err, core.ErrConflict) {
			t.Fatalf("%s key changed: Commit error %v, want ErrConflict", name, err)
		}
	}
	// No conflict when something else changed; a scan sees an insertion.
	tx = m.Begin()
	_ = tx.Put(kc, core.Int64Value(1), 0)
	before := m.CurrentVersion()
	mustVersion(t, before+1)(m.Put(kb, core.Int64Value(5), 0))
	mustVersion(t, before+2)(tx.Commit())
	tx = m.Begin()
	_, _ = tx.ScanPrefix(core.KVKey(mNS, "z"))
	_ = tx.Put(kc, core.Int64Value(1), 0)
	mustVersion(t, m.CurrentVersion()+1)(m.Put(core.KVKey(mNS, "zz"), core.Int64Value(5), 0))
	_, err = tx.Commit()
	wantErr(t, err, core.ErrConflict)

	// Writes that change nothing assign no version: the current one answers.
	absent := core.KVKey(mNS, "never")
	tx = m.Begin()
	_ = tx.Put(absent, core.NullValue(), 0)
	_ = tx.Delete(absent)
	mustVersion(t, m.CurrentVersion()+1)(m.Put(ka, core.Int64Value(6), 0))
	mustVersion(t, m.CurrentVersion())(tx.Commit())
	tx = m.Begin()
	tx.Discard()
	_, err = tx.Commit()
	wantErr(t, err, core.ErrTxnDone)
}
