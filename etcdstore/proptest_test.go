package etcdstore

import (
	"flag"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/proptest"
)

// TestConformance runs the conformance suite on the store, on the package's
// embedded etcd, with a manual clock (TTLs and expiry) and every capability
// the store offers: 25 kinds of steps (core.Storage's, clock advances,
// ScanByType, snapshots and lazy scans with every option, SnapshotAt,
// compare-and-swap and -delete, transactions and Update, transactions over
// expired values, FindExpired/RemoveExpired, Append, DeletePrefix, Touch and
// filtered watchers), drawing every value kind. etcd keeps the whole
// history (nothing compacts it here), so every version down to 0 must
// answer exactly. Each sequence takes a second or more on etcd, so it runs
// 10 of them (3 with -short) unless -rapid.checks asks for more (300
// passed when the suite was wired: -rapid.checks 300, about 10 minutes).
func TestConformance(t *testing.T) {
	checks := "10"
	if testing.Short() {
		checks = "3"
	}
	defaultFlag(t, "rapid.checks", checks)
	clock := core.NewManualClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	proptest.Run(t, func() core.Storage { return newStore(t, WithClock(clock)) },
		proptest.WithClock(clock), proptest.WithRetained(func(core.Storage) uint64 { return 0 }))
}

// defaultFlag sets the flag name to value for the test, unless the command
// line set it.
func defaultFlag(t *testing.T, name, value string) {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	f := flag.Lookup(name)
	if given || f == nil {
		return
	}
	old := f.Value.String()
	if err := f.Value.Set(value); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
}

// TestLinearizable: concurrent clients of two Stores sharing one prefix
// (two processes, whose commits race in etcd, each also group-committing
// its own clients' writes) call Get, Put, Delete and CompareAndSwap: the
// history has a sequential explanation (proptest.CheckLinearizable,
// porcupine), and every change got its own version, gapless across both.
func TestLinearizable(t *testing.T) {
	ops := 200
	if testing.Short() {
		ops = 50
	}
	a := newStore(t)
	b := newStoreOn(t, testCli, a.Prefix())
	o := proptest.LinearizableOptions{Clients: 8, Ops: ops, Keys: 3, Namespace: testNS("lin", 50)}
	if err := proptest.CheckLinearizable(o, a, b); err != nil {
		t.Fatal(err)
	}
}
