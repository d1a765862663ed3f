package proptest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
)

func TestDiffs(t *testing.T) {
	vv := core.VersionedValue{Value: core.Int64Value(1), Version: 2, Timestamp: epoch, TTL: tick}
	other := core.VersionedValue{Value: core.StringValue("x"), Version: 3, Timestamp: epoch.Add(1), TTL: 0}
	if d := diffVV(vv, vv, true); d != "" {
		t.Fatalf("diffVV of equal values: %q", d)
	}
	d := diffVV(other, vv, true)
	for _, want := range []string{"value x, want 1", "version 3, want 2", "ttl 0s, want 1s", "timestamp"} {
		if !strings.Contains(d, want) {
			t.Errorf("diffVV = %q, want it to mention %q", d, want)
		}
	}
	if d := diffVV(core.VersionedValue{Value: vv.Value, Version: 2, TTL: tick}, vv, false); d != "" {
		t.Fatalf("diffVV without timestamps: %q", d)
	}

	wrapped := fmt.Errorf("detail: %w", core.ErrNotFound)
	for _, tc := range []struct {
		got, want error
		same      bool
	}{
		{nil, nil, true},
		{wrapped, core.ErrNotFound, true},
		{core.ErrNotFound, nil, false},
		{nil, core.ErrNotFound, false},
		{core.ErrCompacted, core.ErrNotFound, false},
		{errors.New("other"), errors.New("another"), true}, // no sentinel either: same
	} {
		if sameErr(tc.got, tc.want) != tc.same {
			t.Errorf("sameErr(%v, %v) = %v", tc.got, tc.want, !tc.same)
		}
	}
	if d := diffRead(vv, core.ErrNotFound, vv, nil, true); !strings.Contains(d, "error") {
		t.Fatalf("diffRead with an unexpected error: %q", d)
	}
	if d := diffRead(core.VersionedValue{}, core.ErrNotFound, vv, core.ErrNotFound, true); d != "" {
		t.Fatalf("diffRead compares values beside errors: %q", d)
	}
	if d := diffVersion(1, nil, 2, nil); d != "version 1, want 2" {
		t.Fatalf("diffVersion = %q", d)
	}
	if d := diffVersion(0, core.ErrConflict, 0, core.ErrConflict); d != "" {
		t.Fatalf("diffVersion of equal errors = %q", d)
	}

	a := core.Entry{Key: core.KVKey(mNS, "a"), Value: vv}
	b := core.Entry{Key: core.KVKey(mNS, "b"), Value: vv}
	b2 := core.Entry{Key: b.Key, Value: other}
	for _, tc := range []struct {
		got, want []core.Entry
		mention   string
	}{
		{[]core.Entry{a}, []core.Entry{a, b}, "missing [1]"},
		{[]core.Entry{a, b}, []core.Entry{a}, "extra [1]"},
		{[]core.Entry{b}, []core.Entry{a}, "[0] " + b.Key.String() + ", want " + a.Key.String()},
		{[]core.Entry{a, b2}, []core.Entry{a, b}, "[1] " + b.Key.String()},
	} {
		if d := diffEntries(tc.got, tc.want, true); !strings.Contains(d, tc.mention) {
			t.Errorf("diffEntries = %q, want it to mention %q", d, tc.mention)
		}
	}
	put := core.Change{Key: a.Key, Op: core.ChangePut, Value: vv}
	del := core.Change{Key: a.Key, Op: core.ChangeDelete, Value: vv}
	if d := diffChanges([]core.Change{del}, []core.Change{put}, true); !strings.Contains(d, "[0] "+del.Op.String()) {
		t.Errorf("diffChanges of another op = %q, want it to name the op", d)
	}
	if d := diffChanges([]core.Change{put}, []core.Change{put}, true); d != "" {
		t.Errorf("diffChanges of equal lists = %q", d)
	}
	many := make([]core.Entry, 20)
	for i := range many {
		many[i] = core.Entry{Key: core.KVKey(mNS, fmt.Sprint(i)), Value: vv}
	}
	if d := diffEntries(nil, many, true); !strings.Contains(d, "missing [5]") || strings.Contains(d, "missing [6]") || !strings.HasSuffix(d, "and 14 more") {
		t.Fatalf("diffEntries of 20 differences = %q, want 6 named and 14 counted", d)
	}
	if d := diffScan(nil, nil, []core.Entry{}, nil, true); d != "" {
		t.Fatalf("nil and empty scans differ: %q", d)
	}
	if d := diffScan(nil, core.ErrInvalidKey, nil, nil, true); d == "" {
		t.Fatal("diffScan missed an error")
	}
}

func TestCheckTTLIndex(t *testing.T) {
	at := func(k core.Key, ts time.Time, ttl time.Duration) core.Entry {
		return core.Entry{Key: k, Value: core.VersionedValue{Value: core.NullValue(), Version: 1, Timestamp: ts, TTL: ttl}}
	}
	now := epoch.Add(2 * tick)
	gone := at(ka, epoch, tick)   // expired at now
	live := at(kb, epoch, 5*tick) // live at now
	plain := at(kc, epoch, 0)
	all := []core.Entry{live, plain}
	if err := checkTTLIndex(all, []core.Entry{gone, live}, []core.Entry{gone}, now); err != nil {
		t.Fatalf("a consistent TTL index: %v", err)
	}
	for _, tc := range []struct {
		name                 string
		all, withTTL, expNow []core.Entry
		mention              string
	}{
		{"no ttl", all, []core.Entry{plain}, nil, "has no TTL"},
		{"twice", all, []core.Entry{gone, gone}, []core.Entry{gone, gone}, "twice"},
		{"order", all, []core.Entry{live, gone}, []core.Entry{gone}, "expiry order"},
		{"expired head", all, []core.Entry{gone, live}, nil, "expired head"},
		{"live", []core.Entry{plain}, []core.Entry{gone, live}, []core.Entry{gone}, "live keys with a TTL"},
	} {
		err := checkTTLIndex(tc.all, tc.withTTL, tc.expNow, now)
		if err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.mention)
		}
	}
}
