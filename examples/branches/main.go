// Command branches shows an agent exploring two plans on two forks of its
// memory, comparing each with where it started, and merging the better one
// back.
//
// The agent's memory holds a trip's goal, its budget and what it learned so
// far. It forks its memory twice, in O(1) whatever its size: on one fork it
// plans the trip by plane, on the other by train, each writing its own
// steps, cost and notes. Meanwhile the user tells the agent something new,
// which lands in the memory itself. The agent diffs each fork against the
// snapshot it started from (only what the plan changed is read), scores the
// plans, and merges the better one into its memory in one commit: the
// user's new fact stays, the losing fork is dropped.
//
// The store runs on a manual clock, so the output is the same on every run.
//
//	go run ./examples/branches
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "branches:", err)
		os.Exit(1)
	}
}

// plan is one way to reach the goal, as the agent explores it on a fork.
type plan struct {
	name  string
	steps []string
	cost  int64
	notes map[string]string // facts learned while planning
}

var plans = []plan{
	{
		name:  "plane",
		steps: []string{"taxi to the airport", "fly Lisbon to Porto", "metro to the hotel"},
		cost:  180,
		notes: map[string]string{"airport": "check-in closes 40 minutes before"},
	},
	{
		name:  "train",
		steps: []string{"walk to Santa Apolonia", "Alfa Pendular to Porto Campanha", "walk to the hotel"},
		cost:  62,
		notes: map[string]string{"station": "trains leave every hour"},
	},
}

func run(w io.Writer) error {
	runID, err := core.ParseRunID("6f1c2a9e-3b7d-4e8a-9c51-0d2f4b6a8e13")
	if err != nil {
		return err
	}
	ns := core.Namespace{Tenant: "acme", App: "travel", Agent: "planner", RunID: runID}
	clock := core.NewManualClock(time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC))
	memory := mvcc.New(mvcc.WithClock(clock))

	// What the agent knows before planning.
	for _, kv := range []struct {
		name  string
		value core.Value
		ttl   time.Duration
	}{
		{"goal", core.StringValue("Lisbon to Porto on Friday"), 0},
		{"budget", core.Int64Value(150), 0},
		{"plan", core.StringValue("none yet"), 0},
		{"scratch/weather", core.StringValue("rain in Porto"), time.Hour},
	} {
		if _, err := memory.Put(core.KVKey(ns, kv.name), kv.value, kv.ttl); err != nil {
			return err
		}
	}
	base := memory.Snapshot()
	fmt.Fprintf(w, "memory at version %d: %d keys\n", base.Version(), base.Len())

	// One fork per plan: each starts as the memory is now.
	forks := make([]*mvcc.Store, len(plans))
	for i, p := range plans {
		if forks[i], err = base.Fork(); err != nil {
			return err
		}
		if err := explore(forks[i], ns, p); err != nil {
			return err
		}
	}
	clock.Advance(10 * time.Minute)
	// While the agent explored, the user said something new.
	if _, err := memory.Put(core.KVKey(ns, "traveller/seat"), core.StringValue("window"), 0); err != nil {
		return err
	}

	// Compare each plan with where it started, and score it.
	best, bestScore := -1, int64(0)
	for i, p := range plans {
		fmt.Fprintf(w, "\nplan %q: what it changed since version %d\n", p.name, base.Version())
		for c := range mvcc.Diff(forks[i].Base(), forks[i].Snapshot()) {
			fmt.Fprintf(w, "  %-7s %-16s %s\n", op(c.Op), c.Key.UserKey, c.Value.Value)
		}
		cost, err := forks[i].Get(core.KVKey(ns, "cost"))
		if err != nil {
			return err
		}
		score := 150 - cost.Value.Int64() // within budget, and the cheaper the better
		fmt.Fprintf(w, "  score %d\n", score)
		if best < 0 || score > bestScore {
			best, bestScore = i, score
		}
	}

	// Merge the better plan into the memory, in one commit.
	v, err := memory.Merge(forks[best])
	var conflict *mvcc.MergeConflict
	if errors.As(err, &conflict) {
		return fmt.Errorf("the plan and the user changed the same keys: %v", conflict.Keys)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nmerged plan %q at version %d; the memory now holds:\n", plans[best].name, v)
	for k, vv := range memory.Scan(core.NamespacePrefix(ns)) {
		fmt.Fprintf(w, "  %-16s %s\n", k.UserKey, vv.Value)
	}
	return nil
}

// explore plays the agent planning p on its fork: the steps, the cost, what
// it learned, and the scratch notes it no longer needs.
func explore(fork *mvcc.Store, ns core.Namespace, p plan) error {
	_, err := fork.Update(func(t *mvcc.Txn) error {
		steps := make([]core.Value, len(p.steps))
		for i, s := range p.steps {
			steps[i] = core.StringValue(s)
		}
		if err := t.Put(core.KVKey(ns, "plan"), core.StringValue(p.name), 0); err != nil {
			return err
		}
		if err := t.Put(core.KVKey(ns, "steps"), core.ArrayValue(steps...), 0); err != nil {
			return err
		}
		if err := t.Put(core.KVKey(ns, "cost"), core.Int64Value(p.cost), 0); err != nil {
			return err
		}
		for name, note := range p.notes {
			if err := t.Put(core.KVKey(ns, "fact/"+name), core.StringValue(note), 0); err != nil {
				return err
			}
		}
		return t.Delete(core.KVKey(ns, "scratch/weather"))
	})
	return err
}

func op(o core.ChangeOp) string {
	if o == core.ChangeDelete {
		return "deleted"
	}
	return "set"
}
