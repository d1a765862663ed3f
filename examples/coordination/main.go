// Command coordination shows two agents of one run coordinating through the
// store's change feed, with no other channel between them. The planner writes
// tasks under its namespace and waits, with a watcher on its worker's
// results, until every task of a wave is answered; the worker watches the
// planner's tasks, does each one and writes its result with a
// compare-and-swap (a result is written once). The second wave depends on
// the first's results; a status record tells the worker to stop.
//
// Every wait has a deadline that names what it waited for. The store runs on
// a manual clock, and each agent's lines are told in version order, so the
// output is the same on every run.
//
//	go run ./examples/coordination
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

func main() {
	if err := run(os.Stdout, 10*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "coordination:", err)
		os.Exit(1)
	}
}

// run plays the planner and the worker against a new store and prints what
// each did, in version order. wait bounds every wait of either agent.
func run(w io.Writer, wait time.Duration) error {
	tm := newTeam(wait)
	fmt.Fprintf(w, "run %s: planner and worker\n\n", tm.runID)

	// The worker watches from the store's current version, before the
	// planner writes anything: it cannot miss a task.
	tasks := tm.store.Watch(core.Latest,
		mvcc.WatchPrefix(core.KeyPrefix(core.KVKey(tm.planner, "task/"))),
		mvcc.WatchPrefix(core.KeyPrefix(core.StateKey(tm.planner, "status"))))
	werr := make(chan error, 1)
	go func() { werr <- tm.work(context.Background(), tasks) }()

	perr := tm.plan(context.Background())
	if perr != nil {
		tasks.Close() // the worker stops waiting for tasks that will not come
	}
	err := errors.Join(perr, <-werr)
	tm.log.print(w)
	if err != nil {
		return err
	}
	st := tm.store.Stats()
	fmt.Fprintf(w, "\nstore: version %d, %d keys\n", st.Version, st.Keys)
	return nil
}

// team is what the two agents share: the store and the run's namespaces.
type team struct {
	store   *mvcc.Store
	clock   *core.ManualClock
	runID   core.RunID
	planner core.Namespace // tasks and the run's status
	worker  core.Namespace // results
	wait    time.Duration
	log     journal
}

func newTeam(wait time.Duration) *team {
	clock := core.NewManualClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	// A fixed run id (core.NewRunID makes random ones) keeps the output stable.
	run := core.RunID{0x3c, 0x41, 0x9e, 0x02, 0x7d, 0x15, 0x4b, 0x88, 0xa1, 0x60, 0x2f, 0xd3, 0x5e, 0x94, 0x0b, 0x77}
	return &team{
		store:   mvcc.New(mvcc.WithClock(clock)),
		clock:   clock,
		runID:   run,
		planner: core.Namespace{Tenant: "acme", App: "support", Agent: "planner", RunID: run},
		worker:  core.Namespace{Tenant: "acme", App: "support", Agent: "worker", RunID: run},
		wait:    wait,
	}
}

// next returns w's next commit, waiting at most tm.wait; the error names
// what was waited for.
func (tm *team) next(ctx context.Context, w *mvcc.Watcher, what string) (core.Commit, error) {
	ctx, cancel := context.WithTimeout(ctx, tm.wait)
	defer cancel()
	c, err := w.Next(ctx)
	if err != nil {
		return core.Commit{}, fmt.Errorf("%s: %w", what, err)
	}
	return c, nil
}

// plan writes the tasks in two waves and waits for each wave's results; the
// second wave is built from the first's answers. Then it marks the run done.
func (tm *team) plan(ctx context.Context) error {
	results := tm.store.Watch(core.Latest, mvcc.WatchPrefix(core.KeyPrefix(core.KVKey(tm.worker, "result/"))))
	defer results.Close()

	answers := map[string]string{}
	waves := []func() []task{
		func() []task {
			return []task{{"1", "find the failed invoices"}, {"2", "read the billing sync log"}}
		},
		func() []task {
			return []task{{"3", "draft a reply: " + answers["1"] + ", because " + answers["2"]}}
		},
	}
	for _, wave := range waves {
		ts := wave()
		v, err := tm.store.Update(func(tx *mvcc.Txn) error {
			for _, t := range ts {
				if err := tx.Put(core.KVKey(tm.planner, "task/"+t.id), core.StringValue(t.text), 0); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("planner: writing tasks: %w", err)
		}
		pending := make([]string, len(ts))
		for i, t := range ts {
			pending[i] = "task/" + t.id
		}
		tm.log.add(v, wrote, "planner  v%d  wrote %s", v, strings.Join(pending, " and "))
		for len(pending) > 0 {
			c, err := tm.next(ctx, results, "planner: waiting for the results of "+strings.Join(pending, ", "))
			if err != nil {
				return err
			}
			for _, ch := range c.Changes {
				id := strings.TrimPrefix(string(ch.Key.UserKey), "result/")
				answers[id] = ch.Value.Value.String()
				pending = slices.DeleteFunc(pending, func(p string) bool { return p == "task/"+id })
				tm.log.add(c.Version, saw, "planner  v%d  got result/%s at %s", c.Version, id, c.Time.Format(time.TimeOnly))
			}
		}
	}
	v, err := tm.store.Put(core.StateKey(tm.planner, "status"), core.StringValue("done"), 0)
	if err != nil {
		return fmt.Errorf("planner: marking the run done: %w", err)
	}
	tm.log.add(v, wrote, "planner  v%d  status = done", v)
	return nil
}

// task is one unit of work the planner hands out.
type task struct{ id, text string }

// work does each task the watcher delivers until the planner's status says
// done. Each task takes two seconds of the run's clock.
func (tm *team) work(ctx context.Context, tasks *mvcc.Watcher) error {
	defer tasks.Close()
	for {
		c, err := tm.next(ctx, tasks, "worker: waiting for a task")
		if err != nil {
			return err
		}
		var names []string
		for _, ch := range c.Changes {
			if ch.Key.Type == core.TypeStateMachine {
				tm.log.add(c.Version, saw, "worker   v%d  saw %s = %s: stopping", c.Version, ch.Key.UserKey, ch.Value.Value)
				return nil
			}
			names = append(names, string(ch.Key.UserKey))
		}
		tm.log.add(c.Version, saw, "worker   v%d  saw %s", c.Version, strings.Join(names, " and "))
		for _, ch := range c.Changes {
			name := string(ch.Key.UserKey)
			text := ch.Value.Value.String()
			tm.clock.Advance(2 * time.Second) // the work
			id := strings.TrimPrefix(name, "task/")
			key := core.KVKey(tm.worker, "result/"+id)
			// Expected version 0: the result is written once, whoever does it.
			v, err := tm.store.CompareAndSwap(key, 0, core.StringValue(answer(text)), 0)
			if err != nil {
				return fmt.Errorf("worker: writing result/%s: %w", id, err)
			}
			tm.log.add(v, wrote, "worker   v%d  did %s (%s), wrote result/%s = %q", v, name, text, id, answer(text))
		}
	}
}

// answer is the worker's (canned) work.
func answer(task string) string {
	switch {
	case strings.HasPrefix(task, "find"):
		return "3 invoices failed on Nov 25"
	case strings.HasPrefix(task, "read"):
		return "the sync job timed out"
	case strings.HasPrefix(task, "draft"):
		return "Sorry: 3 invoices failed when our sync job timed out; they are fixed."
	default:
		return "no idea"
	}
}

// The two kinds of line about a version: the commit's own, then what the
// other agent saw of it.
const (
	wrote = iota
	saw
)

// journal collects the agents' lines and tells them in version order: the
// agents run concurrently, so the order they print in would vary from run
// to run; the versions they act on do not.
type journal struct {
	mu    sync.Mutex
	lines []line
}

type line struct {
	version uint64
	kind    int
	text    string
}

func (j *journal) add(v uint64, kind int, format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lines = append(j.lines, line{v, kind, fmt.Sprintf(format, args...)})
}

// print writes the lines in version order, each version's commit first;
// lines of the same version and kind keep the order their agent added them.
func (j *journal) print(w io.Writer) {
	j.mu.Lock()
	defer j.mu.Unlock()
	slices.SortStableFunc(j.lines, func(a, b line) int {
		return cmp.Or(cmp.Compare(a.version, b.version), cmp.Compare(a.kind, b.kind))
	})
	for _, l := range j.lines {
		fmt.Fprintln(w, l.text)
	}
}
