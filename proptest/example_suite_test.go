package proptest_test

import (
	"fmt"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/inmemdb/inmem/proptest"
)

// Run checks any store against the Model, every capability it offers
// (core's interfaces) included. In a _test.go file of the store's package (a
// test function, so this example is only compiled):
func ExampleRun() {
	testConformance := func(t *testing.T) {
		clock := core.NewManualClock(core.SystemClock{}.Now())
		proptest.Run(t, func() core.Storage {
			return mvcc.New(mvcc.WithClock(clock)) // or any other store
		}, proptest.WithClock(clock))
	}
	_ = testConformance
}

// Replay is the engine of a fuzz target: any bytes are a valid operation
// sequence.
func ExampleReplay() {
	fuzzStore := func(f *testing.F) {
		f.Add([]byte{1, 2, 3})
		f.Fuzz(func(t *testing.T, data []byte) {
			clock := core.NewManualClock(core.SystemClock{}.Now())
			proptest.Replay(t, data, func() core.Storage {
				return mvcc.New(mvcc.WithClock(clock))
			}, proptest.WithClock(clock))
		})
	}
	_ = fuzzStore
}

// CheckIndices checks, without a model, that a store's indices agree with
// its data: for stress tests that end with a store in an unknown state.
func ExampleCheckIndices() {
	s := mvcc.New()
	ns := core.Namespace{Tenant: "acme", RunID: core.RunID{1}}
	_, _ = s.Put(core.KVKey(ns, "a"), core.Int64Value(1), 0)
	_, _ = s.Put(core.EventKey(ns, 1), core.StringValue("started"), 0)
	_, _ = s.Delete(core.KVKey(ns, "a"))
	fmt.Println(proptest.CheckIndices(s))
	// Output:
	// <nil>
}
