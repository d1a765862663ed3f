package main

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the tests if an agent goroutine outlives its run.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const want = `run 3c419e02-7d15-4b88-a160-2fd35e940b77: planner and worker

planner  v1  wrote task/1 and task/2
worker   v1  saw task/1 and task/2
worker   v2  did task/1 (find the failed invoices), wrote result/1 = "3 invoices failed on Nov 25"
planner  v2  got result/1 at 09:00:02
worker   v3  did task/2 (read the billing sync log), wrote result/2 = "the sync job timed out"
planner  v3  got result/2 at 09:00:04
planner  v4  wrote task/3
worker   v4  saw task/3
worker   v5  did task/3 (draft a reply: 3 invoices failed on Nov 25, because the sync job timed out), wrote result/3 = "Sorry: 3 invoices failed when our sync job timed out; they are fixed."
planner  v5  got result/3 at 09:00:06
planner  v6  status = done
worker   v6  saw status = done: stopping

store: version 6, 7 keys
`

// TestRun plays the run and checks its whole output: every task answered,
// the second wave built from the first's results, the worker stopped by
// the status record.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out, 10*time.Second))
	require.Equal(t, want, out.String())
}

// TestRunIsDeterministic plays the run many times: the agents run
// concurrently, yet the output never changes.
func TestRunIsDeterministic(t *testing.T) {
	for range 30 {
		var out bytes.Buffer
		require.NoError(t, run(&out, 10*time.Second))
		require.Equal(t, want, out.String())
	}
}

// TestPlannerWaitHasADeadline runs the planner with no worker: its wait for
// results ends at its deadline with an error naming what it waited for.
func TestPlannerWaitHasADeadline(t *testing.T) {
	tm := newTeam(50 * time.Millisecond)
	err := tm.plan(context.Background())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, "planner: waiting for the results of task/1, task/2")
	got, gerr := tm.store.Get(core.KVKey(tm.planner, "task/1"))
	require.NoError(t, gerr, "the tasks were written before the wait")
	require.Equal(t, "find the failed invoices", got.Value.String())
}

// TestWorkerWaitHasADeadline runs the worker with no planner: its wait for
// a task ends at its deadline, naming what it waited for; closing its
// watcher ends it at once with ErrClosed.
func TestWorkerWaitHasADeadline(t *testing.T) {
	tm := newTeam(50 * time.Millisecond)
	err := tm.work(context.Background(), tm.store.Watch(core.Latest))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, "worker: waiting for a task")

	tm = newTeam(10 * time.Second)
	w := tm.store.Watch(core.Latest)
	w.Close()
	err = tm.work(context.Background(), w)
	require.True(t, errors.Is(err, core.ErrClosed), "%v", err)
}

// TestResultIsWrittenOnce checks the worker's compare-and-swap: a result
// already there is not overwritten, and the worker reports it.
func TestResultIsWrittenOnce(t *testing.T) {
	tm := newTeam(10 * time.Second)
	_, err := tm.store.Put(core.KVKey(tm.worker, "result/1"), core.StringValue("someone else's"), 0)
	require.NoError(t, err)
	tasks := tm.store.Watch(core.Latest)
	_, err = tm.store.Put(core.KVKey(tm.planner, "task/1"), core.StringValue("find the failed invoices"), 0)
	require.NoError(t, err)
	err = tm.work(context.Background(), tasks)
	require.ErrorIs(t, err, core.ErrVersionMismatch)
	require.ErrorContains(t, err, "worker: writing result/1")
	got, err := tm.store.Get(core.KVKey(tm.worker, "result/1"))
	require.NoError(t, err)
	require.Equal(t, "someone else's", got.Value.String())
}
