package proptest_test

import (
	"fmt"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/inmemdb/inmem/proptest"
)

// Run checks any core.Storage against the Model. In a _test.go file of the
// store's package (a test function, so this example is only compiled):
func ExampleRun() {
	testConformance := func(t *testing.T) {
		clock := core.NewManualClock(core.SystemClock{}.Now())
		proptest.Run(t, func() core.Storage {
			return mvcc.New(mvcc.WithClock(clock)) // or any other core.Storage
		}, proptest.WithClock(clock))
	}
	_ = testConformance
}

// RunStore checks an *mvcc.Store, configured as the test likes, with its
// whole API and invariants:
func ExampleRunStore() {
	testStore := func(t *testing.T) {
		proptest.RunStore(t, func(clock core.Clock) *mvcc.Store {
			return mvcc.New(mvcc.WithClock(clock), mvcc.WithHistory(3))
		})
	}
	_ = testStore
}

// Replay is the engine of a fuzz target: any bytes are a valid operation
// sequence.
func ExampleReplay() {
	fuzzStore := func(f *testing.F) {
		f.Add([]byte{1, 2, 3})
		f.Fuzz(func(t *testing.T, data []byte) {
			proptest.Replay(t, data, func(clock core.Clock) *mvcc.Store {
				return mvcc.New(mvcc.WithClock(clock))
			})
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
