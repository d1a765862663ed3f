package proptest

import (
	"math"
	"slices"
	"testing"

	"github.com/inmemdb/inmem/core"
)

func TestModelAppend(t *testing.T) {
	c := core.NewManualClock(epoch)
	m := NewModel(c)
	k, v, err := m.Append(mNS, core.Int64Value(1), tick)
	if err != nil || !k.Equal(core.EventKey(mNS, 1)) || v != 1 {
		t.Fatalf("Append to an empty log = %s, %d, %v", k, v, err)
	}
	c.Advance(tick) // the tail has expired, but is still stored: it counts
	if k, _, _ := m.Append(mNS, core.Int64Value(2), 0); !k.Equal(core.EventKey(mNS, 2)) {
		t.Fatalf("Append after an expired tail = %s, want sequence 2", k)
	}
	// Event keys whose user key is not 8 bytes are not sequences.
	mustVersion(t, 3)(m.Put(core.NewKey(mNS, core.TypeEvent, []byte("zzzzzzzzz")), core.NullValue(), 0))
	if k, _, _ := m.Append(mNS, core.NullValue(), 0); !k.Equal(core.EventKey(mNS, 3)) {
		t.Fatalf("Append = %s, want sequence 3", k)
	}
	mustVersion(t, 5)(m.Put(core.EventKey(mNS2, math.MaxUint64), core.NullValue(), 0))
	_, _, err = m.Append(mNS2, core.NullValue(), 0)
	wantErr(t, err, core.ErrTooLarge)
	_, _, err = m.Append(mNS, core.NullValue(), -1)
	wantErr(t, err, core.ErrInvalidTTL)
	if m.CurrentVersion() != 5 {
		t.Fatalf("failed appends took versions: %d", m.CurrentVersion())
	}
	// In a transaction: the next sequence as it sees the log, and a conflict
	// when another appender took it first.
	tx := m.Begin()
	if k, err := tx.Append(mNS, core.NullValue(), 0); err != nil || !k.Equal(core.EventKey(mNS, 4)) {
		t.Fatalf("Txn.Append = %s, %v", k, err)
	}
	if k, _ := tx.Append(mNS, core.NullValue(), 0); !k.Equal(core.EventKey(mNS, 5)) {
		t.Fatalf("second Txn.Append = %s, want sequence 5", k)
	}
	_, _, _ = m.Append(mNS, core.NullValue(), 0)
	_, err = tx.Commit()
	wantErr(t, err, core.ErrConflict)
}

func TestModelDeletePrefixTouchExpireAndCommits(t *testing.T) {
	c := core.NewManualClock(epoch)
	m := NewModel(c)
	mustVersion(t, 1)(m.Put(ka, core.Int64Value(1), tick))
	mustVersion(t, 2)(m.Put(kb, core.Int64Value(2), 0))
	mustVersion(t, 3)(m.Put(kc, core.Int64Value(3), 0))
	c.Advance(tick) // a has expired
	n, v, err := m.DeletePrefix(core.NamespacePrefix(mNS))
	if n != 1 || v != 4 || err != nil {
		t.Fatalf("DeletePrefix = %d, %d, %v; want 1 live key at version 4", n, v, err)
	}
	cm, ok := m.Commit(4, nil)
	if !ok || len(cm.Changes) != 2 || cm.Changes[0].Op != core.ChangeExpire || cm.Changes[1].Op != core.ChangeDelete ||
		!cm.Changes[1].Value.Value.Equal(core.Int64Value(2)) || !cm.Time.Equal(c.Now()) {
		t.Fatalf("Commit(4) = %+v, %v; want a's expiry, then b's delete with its value", cm, ok)
	}
	if _, ok := m.Commit(4, core.TenantPrefix("u").Match); ok {
		t.Fatal("Commit(4) filtered to tenant u has changes")
	}
	if n, v, err := m.DeletePrefix(core.NamespacePrefix(mNS)); n != 0 || v != 0 || err != nil {
		t.Fatalf("DeletePrefix of nothing = %d, %d, %v", n, v, err)
	}
	_, _, err = m.DeletePrefix(core.KeyPrefix(kbad))
	wantErr(t, err, core.ErrInvalidKey)

	mustVersion(t, 5)(m.Touch(kc, tick))
	if vv, _ := m.Get(kc); vv.Version != 5 || vv.TTL != tick || !vv.Timestamp.Equal(c.Now()) || !vv.Value.Equal(core.Int64Value(3)) {
		t.Fatalf("after Touch: %+v", vv)
	}
	_, err = m.Touch(ka, 0)
	wantErr(t, err, core.ErrNotFound)
	c.Advance(tick)
	if r, _ := m.Expire(0); r.Removed != 1 || r.Version != 6 {
		t.Fatalf("Expire = %+v", r)
	}
	if r, _ := m.Expire(0); r.Removed != 0 || r.Version != 0 || m.CurrentVersion() != 6 {
		t.Fatalf("Expire of nothing = %+v at version %d", r, m.CurrentVersion())
	}
}

func TestModelSnapshotAtAndReopen(t *testing.T) {
	c := core.NewManualClock(epoch)
	m := NewModel(c)
	mustVersion(t, 1)(m.Put(ka, core.Int64Value(1), tick))
	c.Advance(2 * tick)
	sn, err := m.SnapshotAt(1)
	if err != nil || !sn.Time().Equal(epoch) {
		t.Fatalf("SnapshotAt(1) = %v, %v; want the commit's time", sn, err)
	}
	if _, err := sn.Get(ka); err != nil {
		t.Fatalf("SnapshotAt(1): Get(a) = %v; it was live at the commit", err)
	}
	_, err = m.SnapshotAt(2)
	wantErr(t, err, core.ErrNotFound)
	mustVersion(t, 2)(m.Put(kb, core.Int64Value(2), 0))
	if m.LastRemoval() != 0 {
		t.Fatalf("LastRemoval = %d before any removal", m.LastRemoval())
	}
	m.Reopen()
	if m.LastRemoval() != 2 || m.Reopened() != 2 {
		t.Fatalf("after Reopen: LastRemoval %d, Reopened %d; want 2, 2", m.LastRemoval(), m.Reopened())
	}
}

func TestModelScanOptions(t *testing.T) {
	m := NewModel(core.NewManualClock(epoch))
	for _, k := range []core.Key{ka, kb, kc, core.KVKey(mNS2, "x")} {
		_, _ = m.Put(k, core.NullValue(), 0)
	}
	sn := m.Snapshot()
	keys := func(es []core.Entry) (out []string) {
		for _, e := range es {
			out = append(out, e.Key.String())
		}
		return out
	}
	for _, tc := range []struct {
		got  []core.Entry
		want []core.Key
	}{
		{collect(sn.Scan(core.AllKeys())), []core.Key{ka, kb, core.KVKey(mNS2, "x"), kc}}, // kv before event
		{collect(sn.Scan(core.NamespacePrefix(mNS), core.Reverse())), []core.Key{kb, ka}},
		{collect(sn.Scan(core.AllKeys(), core.After(ka), core.Limit(2))), []core.Key{kb, core.KVKey(mNS2, "x")}},
		{collect(sn.Scan(core.AllKeys(), core.After(ka), core.Reverse())), nil},
		{collect(sn.Scan(core.KeyPrefix(kbad))), nil},
		{collect(sn.Scan(core.AllKeys(), core.After(kbad))), nil},
		{collect(sn.ScanRun(mNS2.RunID, core.Reverse())), []core.Key{kc, core.KVKey(mNS2, "x")}},
		{collect(sn.ScanType(core.TypeKV, core.Within(core.TenantPrefix("u")))), []core.Key{core.KVKey(mNS2, "x")}},
		{collect(sn.ScanType(core.TypeKV, core.Within(core.KeyPrefix(kc)))), nil},
		{collect(sn.ScanType(core.TypeKV, core.Within(core.KeyPrefix(kbad)))), nil},
	} {
		var want []string
		for _, k := range tc.want {
			want = append(want, k.String())
		}
		if got := keys(tc.got); !slices.Equal(got, want) {
			t.Errorf("scan = %v, want %v", got, want)
		}
	}
}
