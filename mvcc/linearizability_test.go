package mvcc

import (
	"testing"

	"github.com/inmemdb/inmem/proptest"
)

// TestLinearizable: concurrent histories of Get, Put, Delete and
// CompareAndSwap have a sequential explanation (proptest.CheckLinearizable,
// porcupine), and every change got its own version, gapless.
func TestLinearizable(t *testing.T) {
	seeds, ops := 3, 1000
	if testing.Short() {
		seeds, ops = 1, 300
	}
	for seed := range uint64(seeds) {
		s, _ := fxStore()
		o := proptest.LinearizableOptions{Clients: 4, Ops: ops, Keys: 3, Seed: seed, Namespace: fxNS("lin", "a", 1)}
		if err := proptest.CheckLinearizable(o, s); err != nil {
			t.Fatal(err)
		}
	}
}
