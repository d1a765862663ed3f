package core

import (
	"errors"
	"testing"
)

func TestNewScanOptions(t *testing.T) {
	ns := Namespace{Tenant: "t", RunID: RunID{1}}
	if got := NewScanOptions(); got.Reverse || got.Limit != 0 || got.HasAfter || got.Within.String() != "*" || got.Err != nil {
		t.Fatalf("NewScanOptions() = %+v, want the zero options", got)
	}
	uk := []byte("k")
	o := NewScanOptions(Reverse(), Limit(-3), nil, After(NewKey(ns, TypeKV, uk)), Within(TenantPrefix("t")))
	uk[0] = 'x' // After copied the user key
	if !o.Reverse || o.Limit != 0 || !o.HasAfter || string(o.After.UserKey) != "k" || o.Within.String() != "t/*" || o.Err != nil {
		t.Fatalf("options = %+v", o)
	}
	if o := NewScanOptions(Limit(2), Limit(5)); o.Limit != 5 {
		t.Fatalf("the last Limit wins: got %d", o.Limit)
	}
	bad := NewKey(ns, TypeTag(200), nil)
	if o := NewScanOptions(After(bad)); !errors.Is(o.Err, ErrInvalidKey) || o.HasAfter {
		t.Fatalf("After(invalid) = %+v, want ErrInvalidKey", o)
	}
	if o := NewScanOptions(Within(KeyPrefix(bad))); !errors.Is(o.Err, ErrInvalidKey) {
		t.Fatalf("Within(invalid) = %+v, want ErrInvalidKey", o)
	}
}

func TestWatchOptionsMatch(t *testing.T) {
	r1, r2 := RunID{1}, RunID{2}
	a := KVKey(Namespace{Tenant: "a", RunID: r1}, "k")
	b := KVKey(Namespace{Tenant: "b", RunID: r2}, "k")
	o := NewWatchOptions()
	if o.Filtered() || !o.Match(a) || !o.Match(b) {
		t.Fatal("no option: every change matches")
	}
	o = NewWatchOptions(WatchPrefix(TenantPrefix("a")))
	if !o.Filtered() || !o.Match(a) || o.Match(b) {
		t.Fatal("WatchPrefix(a/*) must match a's key only")
	}
	o = NewWatchOptions(WatchRun(r2))
	if o.Match(a) || !o.Match(b) {
		t.Fatal("WatchRun(r2) must match b's key only")
	}
	o = NewWatchOptions(WatchPrefix(TenantPrefix("a")), WatchRun(r2), nil)
	if !o.Match(a) || !o.Match(b) {
		t.Fatal("several options: a change matches when any does")
	}
	o = NewWatchOptions(WatchPrefix(KeyPrefix(NewKey(Namespace{}, TypeTag(200), nil))))
	if !errors.Is(o.Err, ErrInvalidKey) {
		t.Fatalf("WatchPrefix(invalid): Err = %v, want ErrInvalidKey", o.Err)
	}
}
