package mvcc_test

import (
	"math/rand/v2"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/inmemdb/inmem/mvcc/mvcctest"
	"github.com/inmemdb/inmem/proptest"
)

// The conformance suite (proptest) on the store. Each run below is one
// rapid.Check: -rapid.checks sequences (100 by default, a fifth under
// -short).

// TestRunMVCC runs the suite on the store as a stranger would: through
// core's interfaces only, with and without a shared clock (TestRunStore
// covers the other configurations, with mvcc's promises).
func TestRunMVCC(t *testing.T) {
	modes := []struct {
		name  string
		opts  []mvcc.Option
		clock bool
	}{
		{"default without clock", nil, false},
		{"history 3", []mvcc.Option{mvcc.WithHistory(3)}, true},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			if !mode.clock {
				proptest.Run(t, func() core.Storage { return mvcc.New(mode.opts...) })
				return
			}
			// api.md's form: proptest.RunStore with a func(core.Clock) *mvcc.Store.
			proptest.RunStore(t, func(c core.Clock) *mvcc.Store {
				return mvcc.New(append([]mvcc.Option{mvcc.WithClock(c)}, mode.opts...)...)
			})
		})
	}
}

// TestRunStore runs the suite with what the store promises beyond the
// interfaces (mvcctest.Options: an exact history window, proven reads beyond
// it, backups, Stats).
func TestRunStore(t *testing.T) {
	modes := []struct {
		name string
		opts []mvcc.Option
	}{
		{"default", nil},
		{"history 3", []mvcc.Option{mvcc.WithHistory(3)}},
		{"history 0", []mvcc.Option{mvcc.WithHistory(0)}},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			mvcctest.RunStore(t, func(c core.Clock) *mvcc.Store {
				return mvcc.New(append([]mvcc.Option{mvcc.WithClock(c)}, mode.opts...)...)
			})
		})
	}
}

// TestRunVectorIndex runs the suite (with mvcctest.Options) on stores with a
// vector index over one of the suite's tenants: the store refuses what the
// index cannot hold as the Model does, exact searches equal the Model's
// brute force, and indexed ones return only live values of the view,
// recalling the Model's best hits. Small graphs (M 2) make the index's
// links, removals and reused slots turn over fast; in memory and durable.
func TestRunVectorIndex(t *testing.T) {
	within := core.TenantPrefix("t0")
	idx := mvcc.WithVectorIndex(mvcc.VectorIndex{Within: within, Dims: 3, Metric: core.Euclidean, M: 2, EfConstruction: 4})
	t.Run("memory", func(t *testing.T) {
		c := core.NewManualClock(epoch)
		opts := append(mvcctest.Options(c), proptest.WithVectorIndex(within, 3, core.Euclidean))
		proptest.Run(t, func() core.Storage { return mvcc.New(mvcc.WithClock(c), idx) }, opts...)
	})
}

// TestRunDurable runs the suite on stores made by Open, closed and opened
// again at random steps.
func TestRunDurable(t *testing.T) {
	modes := []struct {
		name string
		opts []mvcc.Option
	}{
		{"default", nil},
		{"history 3, checkpoints", []mvcc.Option{mvcc.WithHistory(3), mvcc.WithCheckpointBytes(1 << 10)}},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			mvcctest.RunDurable(t, func(dir string, c core.Clock) (*mvcc.Store, error) {
				// The log need not reach the disk: Close flushes it, and a
				// reopen follows a Close, never a crash.
				opts := append([]mvcc.Option{mvcc.WithClock(c), mvcc.WithSync(mvcc.SyncNone)}, mode.opts...)
				return mvcc.Open(dir, opts...)
			})
		})
	}
}

// fuzzModes are the store configurations FuzzReplay picks from with the
// input's first byte.
var fuzzModes = [][]mvcc.Option{
	nil,
	{mvcc.WithHistory(3)},
	{mvcc.WithHistory(0)},
}

// FuzzReplay decodes arbitrary bytes as an operation sequence (the first
// byte picks the store's configuration, each later byte one choice) and runs
// it against a store and the Model, comparing every answer and checking
// every invariant after each step.
func FuzzReplay(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 16 {
		b := make([]byte, 32+i*24)
		for j := range b {
			b[j] = byte(rng.UintN(256))
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := fuzzModes[0]
		if len(data) > 0 {
			opts, data = fuzzModes[int(data[0])%len(fuzzModes)], data[1:]
		}
		mvcctest.Replay(t, data, func(c core.Clock) *mvcc.Store {
			return mvcc.New(append([]mvcc.Option{mvcc.WithClock(c)}, opts...)...)
		})
	})
}
