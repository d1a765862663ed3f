package mvcc_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// exampleNS is the namespace of the examples' agent run.
var exampleNS = core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: core.RunID{1}}

func exampleStore() (*mvcc.Store, *core.ManualClock) {
	clock := core.NewManualClock(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	return mvcc.New(mvcc.WithClock(clock)), clock
}

func Example() {
	store, clock := exampleStore()
	note := core.KVKey(exampleNS, "scratch/plan")
	v, _ := store.Put(note, core.StringValue("check the logs"), time.Minute)
	got, _ := store.Get(note)
	fmt.Println(v, got.Value, got.Version)

	clock.Advance(time.Minute)
	_, err := store.Get(note)
	fmt.Println(errors.Is(err, core.ErrNotFound))
	// Output:
	// 1 check the logs 1
	// true
}

func ExampleStore_Put() {
	store, _ := exampleStore()
	for i := range uint64(3) {
		v, _ := store.Put(core.EventKey(exampleNS, i), core.StringValue(fmt.Sprint("event ", i)), 0)
		fmt.Println("version", v)
	}
	got, _ := store.Get(core.EventKey(exampleNS, 1))
	fmt.Println(got.Value)
	fmt.Println(store.CurrentVersion())
	// Output:
	// version 1
	// version 2
	// version 3
	// event 1
	// 3
}

func ExampleStore_Snapshot() {
	store, _ := exampleStore()
	counter := core.KVKey(exampleNS, "counter")
	store.Put(counter, core.Int64Value(1), 0)
	snap := store.Snapshot()
	store.Put(counter, core.Int64Value(2), 0)

	then, _ := snap.Get(counter)
	now, _ := store.Get(counter)
	fmt.Println(snap.Version(), then.Value, now.Value)
	// Output: 1 1 2
}

func ExampleStore_CompareAndSwap() {
	store, _ := exampleStore()
	state := core.StateKey(exampleNS, "ticket-42")
	// Expected version 0: create only if absent.
	v1, _ := store.CompareAndSwap(state, 0, core.StringValue("open"), 0)
	v2, _ := store.CompareAndSwap(state, v1, core.StringValue("in progress"), 0)
	// A writer holding the stale version loses.
	_, err := store.CompareAndSwap(state, v1, core.StringValue("closed"), 0)
	got, _ := store.Get(state)
	fmt.Println(v1, v2, errors.Is(err, core.ErrVersionMismatch), got.Value)
	// Output: 1 2 true in progress
}

func ExampleStore_Update() {
	store, _ := exampleStore()
	alice, bob := core.KVKey(exampleNS, "alice"), core.KVKey(exampleNS, "bob")
	store.Put(alice, core.Int64Value(100), 0)
	store.Put(bob, core.Int64Value(0), 0)

	// Move 30 from alice to bob: both writes or neither, retried on conflict.
	v, err := store.Update(func(txn *mvcc.Txn) error {
		a, err := txn.Get(alice)
		if err != nil {
			return err
		}
		b, err := txn.Get(bob)
		if err != nil {
			return err
		}
		if err := txn.Put(alice, core.Int64Value(a.Value.Int64()-30), 0); err != nil {
			return err
		}
		return txn.Put(bob, core.Int64Value(b.Value.Int64()+30), 0)
	})
	a, _ := store.Get(alice)
	b, _ := store.Get(bob)
	fmt.Println(v, err, a.Value, b.Value, a.Version == b.Version)
	// Output: 3 <nil> 70 30 true
}

func ExampleStore_GetVersioned() {
	store, _ := exampleStore()
	plan := core.KVKey(exampleNS, "plan")
	store.Put(plan, core.StringValue("draft"), 0)
	store.Put(plan, core.StringValue("final"), 0)
	store.Delete(plan)

	for v := range uint64(4) {
		got, err := store.GetVersioned(plan, v)
		if err != nil {
			fmt.Println(v, err)
			continue
		}
		fmt.Println(v, got.Value)
	}
	// Output:
	// 0 inmem: not found
	// 1 draft
	// 2 final
	// 3 inmem: not found
}

func ExampleStore_ScanByRun() {
	store, _ := exampleStore()
	other := exampleNS
	other.RunID = core.RunID{2}
	store.Put(core.EventKey(exampleNS, 2), core.StringValue("answered"), 0)
	store.Put(core.EventKey(other, 1), core.StringValue("elsewhere"), 0)
	store.Put(core.EventKey(exampleNS, 1), core.StringValue("asked"), 0)
	store.Put(core.RunMetadataKey(exampleNS), core.StringValue("run of triage"), 0)

	entries, _ := store.ScanByRun(exampleNS.RunID, core.Latest)
	for _, e := range entries {
		fmt.Println(e.Key.Type, e.Value.Value)
	}
	// Output:
	// event asked
	// event answered
	// run run of triage
}
