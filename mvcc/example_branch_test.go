package mvcc_test

import (
	"errors"
	"fmt"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

func ExampleStore_Fork() {
	store, _ := exampleStore()
	plan := core.KVKey(exampleNS, "plan")
	store.Put(plan, core.StringValue("check the logs"), 0)

	// A fork starts as the store is now, whatever its size, in O(1).
	fork, err := store.Fork()
	if err != nil {
		fmt.Println(err)
		return
	}
	fork.Put(plan, core.StringValue("restart the job"), 0)

	onStore, _ := store.Get(plan)
	onFork, _ := fork.Get(plan)
	fmt.Println("store:", onStore.Value, "| fork:", onFork.Value, "| fork's base: version", fork.Base().Version())
	// Output:
	// store: check the logs | fork: restart the job | fork's base: version 1
}

func ExampleDiff() {
	store, _ := exampleStore()
	store.Put(core.KVKey(exampleNS, "plan"), core.StringValue("check the logs"), 0)
	store.Put(core.KVKey(exampleNS, "scratch"), core.StringValue("draft"), 0)
	fork, _ := store.Fork()
	fork.Put(core.KVKey(exampleNS, "plan"), core.StringValue("restart the job"), 0)
	fork.Delete(core.KVKey(exampleNS, "scratch"))

	// Only what the fork changed is read: shared parts of the two trees are
	// stepped over.
	for c := range mvcc.Diff(fork.Base(), fork.Snapshot()) {
		fmt.Println(c.Op, string(c.Key.UserKey), c.Value.Value)
	}
	// Output:
	// put plan restart the job
	// delete scratch draft
}

func ExampleStore_Merge() {
	store, _ := exampleStore()
	plan, owner := core.KVKey(exampleNS, "plan"), core.KVKey(exampleNS, "owner")
	store.Put(plan, core.StringValue("check the logs"), 0)
	fork, _ := store.Fork()
	fork.Put(plan, core.StringValue("restart the job"), 0)
	fork.Put(owner, core.StringValue("agent"), 0)
	store.Put(plan, core.StringValue("wait for the user"), 0) // both changed plan

	_, err := store.Merge(fork)
	var conflict *mvcc.MergeConflict
	if errors.As(err, &conflict) && errors.Is(err, core.ErrConflict) {
		fmt.Println("conflict on", len(conflict.Keys), "key:", string(conflict.Keys[0].UserKey))
	}
	// Decide it: here the fork's side wins. One commit, one version.
	v, err := store.Merge(fork, mvcc.PreferFork())
	if err != nil {
		fmt.Println(err)
		return
	}
	got, _ := store.Get(plan)
	who, _ := store.Get(owner)
	fmt.Println("merged at version", v, "| plan:", got.Value, "| owner:", who.Value)
	// Output:
	// conflict on 1 key: plan
	// merged at version 3 | plan: restart the job | owner: agent
}
