package btree

import (
	"math/rand/v2"
	"testing"
)

// hunt runs a seeded random workload through the harness (the same checks as TestModel:
// invariants after every step, every kept published version re-verified) and returns the
// first disagreement.
func hunt(seed uint64, steps int) error {
	r := rand.New(rand.NewPCG(seed, 1))
	h := newHarness()
	for step := 0; step < steps; step++ {
		var err error
		switch r.IntN(5) {
		case 0, 1:
			for _, k := range batchKeys(r, 1+r.IntN(maxBatch), r.IntN(2) == 0) {
				if err = h.set(k); err != nil {
					break
				}
			}
		case 2:
			for _, k := range batchKeys(r, 1+r.IntN(maxBatch), r.IntN(2) == 0) {
				if err = h.del(k); err != nil {
					break
				}
			}
		case 3:
			err = h.publish()
		case 4:
			err = h.verifyAll()
		}
		if err == nil {
			err = h.invariants()
		}
		if err != nil {
			return err
		}
	}
	return h.verifyAll()
}

// TestPlantedBugs proves the checks catch the two bugs a persistent B+tree most easily gets
// wrong. Each case switches on a deliberate bug through the plantBug hook (read only on the
// code path it breaks) and requires hunt to report it. If the bug were present and the checks
// (the invariant checker, the model comparison, the re-verification of published versions)
// were removed, hunt would return nil and the case would fail.
func TestPlantedBugs(t *testing.T) {
	if err := hunt(1, 60); err != nil {
		t.Fatalf("without a planted bug: %v", err)
	}
	for _, c := range []struct {
		name string
		bug  int
	}{
		{"rebalance: stale separator after borrowing from the right", bugStaleSeparator},
		{"edit reaches a frozen node: Map keeps the owner id", bugNoFreeze},
	} {
		t.Run(c.name, func(t *testing.T) {
			plantBug = c.bug
			defer func() { plantBug = bugNone }()
			err := hunt(1, 300)
			if err == nil {
				t.Fatal("the planted bug went unnoticed")
			}
			t.Logf("caught: %v", err)
		})
	}
}
