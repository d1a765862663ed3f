package mvcc_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

func ExampleStore_Watch() {
	store, _ := exampleStore()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Changes of the run's scratchpad from now on.
	w := store.Watch(core.Latest, mvcc.WatchPrefix(core.KeyPrefix(core.KVKey(exampleNS, ""))))
	defer w.Close()

	store.Put(core.KVKey(exampleNS, "plan"), core.StringValue("check the logs"), 0)
	store.Append(exampleNS, core.StringValue("ticket received"), 0) // an event: not matched
	store.Update(func(tx *mvcc.Txn) error {
		tx.Put(core.KVKey(exampleNS, "plan"), core.StringValue("reply"), 0)
		tx.Put(core.KVKey(exampleNS, "mood"), core.StringValue("calm"), 0)
		return nil
	})
	store.Delete(core.KVKey(exampleNS, "mood"))

	for range 3 {
		c, err := w.Next(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("v%d", c.Version)
		for _, ch := range c.Changes {
			fmt.Printf("  %s %s=%s", ch.Op, ch.Key.UserKey, ch.Value.Value)
		}
		fmt.Println()
	}
	// Output:
	// v1  put plan=check the logs
	// v3  put mood=calm  put plan=reply
	// v4  delete mood=calm
}

func ExampleWatcher_Next_compacted() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store := mvcc.New(mvcc.WithHistory(2)) // the current version and 2 past ones
	w := store.Watch(0)
	defer w.Close()
	for i := range 5 {
		store.Put(core.KVKey(exampleNS, "step"), core.Int64Value(int64(i)), 0)
	}

	// The watcher fell behind the window: resume from a snapshot.
	_, err := w.Next(ctx)
	fmt.Println(errors.Is(err, core.ErrCompacted))
	snap := store.Snapshot()
	step, _ := snap.Get(core.KVKey(exampleNS, "step"))
	fmt.Println("state at", snap.Version(), "step =", step.Value)
	w = store.Watch(snap.Version())
	defer w.Close()

	store.Put(core.KVKey(exampleNS, "step"), core.Int64Value(5), 0)
	c, _ := w.Next(ctx)
	fmt.Println("then v", c.Version, "step =", c.Changes[0].Value.Value)
	// Output:
	// true
	// state at 5 step = 4
	// then v 6 step = 5
}
