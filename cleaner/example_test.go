package cleaner_test

import (
	"context"
	"fmt"
	"time"

	"github.com/inmemdb/inmem/cleaner"
	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// A pass removes what has expired by the store's clock, in one commit, and
// keeps what was written again.
func Example() {
	clock := core.NewManualClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	store := mvcc.New(mvcc.WithClock(clock))
	ns := core.Namespace{Tenant: "acme", App: "support", Agent: "triage"}

	_, _ = store.Put(core.KVKey(ns, "scratch"), core.StringValue("temp"), time.Minute)
	_, _ = store.Put(core.KVKey(ns, "session"), core.StringValue("old"), time.Minute)
	_, _ = store.Put(core.KVKey(ns, "profile"), core.StringValue("kept"), 0)
	clock.Advance(time.Minute)
	// Written again after it expired: the new value is not the cleaner's to take.
	_, _ = store.Put(core.KVKey(ns, "session"), core.StringValue("new"), time.Hour)

	c := cleaner.New(store, cleaner.WithBatchSize(100))
	rep, err := c.RunOnce(context.Background())
	fmt.Println("removed:", rep.Removed, "skipped:", rep.Skipped, "versions:", rep.Versions, "error:", err)
	for k, vv := range store.Snapshot().All() {
		fmt.Println(string(k.UserKey), vv.Value)
	}

	// In a program: passes every interval until Stop.
	c.Start(context.Background())
	defer c.Stop()
	// Output:
	// removed: 1 skipped: 0 versions: [5] error: <nil>
	// profile kept
	// session new
}
