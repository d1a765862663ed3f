package mvcctest_test

import (
	"fmt"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/inmemdb/inmem/mvcc/mvcctest"
)

// RunStore checks an *mvcc.Store, configured as the test likes, with every
// capability and what mvcc promises beyond them:
func ExampleRunStore() {
	testStore := func(t *testing.T) {
		mvcctest.RunStore(t, func(clock core.Clock) *mvcc.Store {
			return mvcc.New(mvcc.WithClock(clock), mvcc.WithHistory(3))
		})
	}
	_ = testStore
}

// RunDurable adds closing the store and opening it again from its
// directory:
func ExampleRunDurable() {
	testDurable := func(t *testing.T) {
		mvcctest.RunDurable(t, func(dir string, clock core.Clock) (*mvcc.Store, error) {
			return mvcc.Open(dir, mvcc.WithClock(clock), mvcc.WithSync(mvcc.SyncNone))
		})
	}
	_ = testDurable
}

// Replay is the engine of a fuzz target over the store:
func ExampleReplay() {
	fuzzStore := func(f *testing.F) {
		f.Fuzz(func(t *testing.T, data []byte) {
			mvcctest.Replay(t, data, func(clock core.Clock) *mvcc.Store {
				return mvcc.New(mvcc.WithClock(clock))
			})
		})
	}
	_ = fuzzStore
}

// CheckIndices adds mvcc's Stats to proptest.CheckIndices.
func ExampleCheckIndices() {
	s := mvcc.New()
	ns := core.Namespace{Tenant: "acme", RunID: core.RunID{1}}
	_, _ = s.Put(core.KVKey(ns, "a"), core.Int64Value(1), 0)
	fmt.Println(mvcctest.CheckIndices(s))
	// Output:
	// <nil>
}
