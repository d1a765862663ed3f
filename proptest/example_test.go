package proptest_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/proptest"
)

// The Model is a plain reference store: full history, its own clock, and
// the store's semantics.
func ExampleModel() {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	m := proptest.NewModel(clock)
	ns := core.Namespace{Tenant: "acme", RunID: core.RunID{1}}
	k := core.KVKey(ns, "greeting")

	v1, _ := m.Put(k, core.StringValue("hello"), 0)
	v2, _ := m.Put(k, core.StringValue("bye"), time.Minute)
	old, _ := m.GetVersioned(k, v1)
	fmt.Println(v1, v2, old.Value)

	clock.Advance(time.Minute) // the TTL runs out exactly now
	_, err := m.Get(k)
	fmt.Println(errors.Is(err, core.ErrNotFound), len(m.FindExpired(clock.Now(), 0)))
	// Output:
	// 1 2 hello
	// true 1
}
