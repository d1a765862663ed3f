package cleaner_test

import (
	"context"
	"testing"
	"time"

	"github.com/inmemdb/inmem/cleaner"
	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestStartRunsAPassPerTick(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, clk := newStore()
	mt := newManualTicker()
	onPass, done := passes()
	c := cleaner.New(s, cleaner.WithTicker(mt.start), cleaner.WithInterval(time.Minute), onPass)
	c.Start(context.Background())
	defer stop(t, c)
	assert.Equal(t, []time.Duration{time.Minute}, mt.starts(), "the ticker runs at the interval")

	for i := range 5 {
		put(t, s, kv(i), "x", time.Second)
	}
	put(t, s, kv(99), "live", 0)
	clk.Advance(time.Second)
	mt.tick(t)
	p := recv(t, done, "the first ticked pass")
	require.NoError(t, p.err)
	assert.Equal(t, 5, p.rep.Removed)
	assert.Equal(t, 1, s.Stats().Keys)

	put(t, s, kv(0), "again", time.Second)
	clk.Advance(time.Second)
	mt.tick(t)
	p = recv(t, done, "the second ticked pass")
	require.NoError(t, p.err)
	assert.Equal(t, 1, p.rep.Removed)

	st := c.Stats()
	assert.Equal(t, uint64(2), st.Passes)
	assert.Equal(t, uint64(6), st.Removed)
}

func TestStopWaitsAndIsIdempotent(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, _ := newStore()
	mt := newManualTicker()
	c := cleaner.New(s, cleaner.WithTicker(mt.start))

	stop(t, c) // before Start: nothing to stop
	c.Start(context.Background())
	c.Start(context.Background()) // already running: does nothing
	assert.Len(t, mt.starts(), 1)
	stop(t, c)
	assert.Equal(t, 1, mt.stopCount(), "Stop returned after the ticker was stopped")
	stop(t, c)
	assert.Equal(t, 1, mt.stopCount())

	// Stopped cleaners start again.
	c.Start(context.Background())
	assert.Len(t, mt.starts(), 2)
	stop(t, c)
	stop(t, c)
	assert.Equal(t, 2, mt.stopCount())
}

func TestContextCancelEndsStart(t *testing.T) {
	defer goleak.VerifyNone(t)
	before := goleak.IgnoreCurrent()
	s, _ := newStore()
	mt := newManualTicker()
	c := cleaner.New(s, cleaner.WithTicker(mt.start))
	ctx, cancel := context.WithCancel(context.Background())
	c.Start(ctx)
	cancel()
	recv(t, mt.stoppedC, "the goroutine to stop its ticker when its context ended")
	stop(t, c) // waits for it
	assert.Equal(t, 1, mt.stopCount())

	// A goroutine that ended by its context can be started again without Stop.
	ctx, cancel = context.WithCancel(context.Background())
	c.Start(ctx)
	cancel()
	require.NoError(t, goleak.Find(before), "the goroutine ended with its context")
	c.Start(context.Background())
	assert.Len(t, mt.starts(), 3)
	stop(t, c)
}

func TestClosedTickerEndsStart(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, _ := newStore()
	ch := make(chan time.Time)
	stopped := make(chan struct{})
	c := cleaner.New(s, cleaner.WithTicker(func(time.Duration) (<-chan time.Time, func()) {
		return ch, func() { close(stopped) }
	}))
	c.Start(context.Background())
	close(ch)
	recv(t, stopped, "the goroutine to stop its ticker when the tick channel closed")
	stop(t, c)
	assert.Zero(t, c.Stats().Passes)
}

// blockingTarget finds a full batch every time and holds each removal until
// the test releases it.
type blockingTarget struct {
	entered chan struct{}
	release chan struct{}
}

func (b *blockingTarget) Now() time.Time { return t0 }

func (b *blockingTarget) FindExpired(_ time.Time, limit int) []core.Entry {
	return someEntries(limit)
}

func (b *blockingTarget) RemoveExpired(es []core.Entry) (core.Removal, error) {
	mustSend(b.entered, struct{}{}, "the test to see a removal start")
	mustRecv(b.release, "the test to release a removal")
	return core.Removal{Version: 1, Removed: len(es)}, nil
}

func TestStopInterruptsARunningPass(t *testing.T) {
	defer goleak.VerifyNone(t)
	b := &blockingTarget{entered: make(chan struct{}), release: make(chan struct{})}
	mt := newManualTicker()
	onPass, done := passes()
	c := cleaner.New(b, cleaner.WithTicker(mt.start), cleaner.WithBatchSize(2), onPass)
	c.Start(context.Background())
	mt.tick(t)
	recv(t, b.entered, "the ticked pass to enter its first removal")

	// Meanwhile RunOnce waits for the running pass, and gives up with its ctx.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := c.RunOnce(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, rep)

	stopped := make(chan struct{})
	go func() { c.Stop(); close(stopped) }()
	// Release removals until the pass sees Stop's cancellation.
	deadline := time.NewTimer(patience)
	defer deadline.Stop()
	for released := false; !released; {
		select {
		case b.release <- struct{}{}:
			select {
			case <-b.entered:
			case <-stopped:
				released = true
			case <-deadline.C:
				t.Fatalf("waited %v for the pass to enter its next removal or Stop to return", patience)
			}
		case <-stopped:
			released = true
		case <-deadline.C:
			t.Fatalf("waited %v for Stop to interrupt the pass", patience)
		}
	}
	p := recv(t, done, "the interrupted pass's report")
	require.ErrorIs(t, p.err, context.Canceled)
	assert.GreaterOrEqual(t, p.rep.Batches, 1)
	assert.Equal(t, 2*p.rep.Batches, p.rep.Removed)
	st := c.Stats()
	assert.Equal(t, uint64(1), st.Passes, "the cancelled RunOnce ran no pass")
	assert.Equal(t, uint64(1), st.Failures)
}

// A WithOnPass function may run another pass: the first has released the
// cleaner by then.
func TestOnPassMayRunAnotherPass(t *testing.T) {
	s, clk := newStore()
	var c *cleaner.Cleaner
	var nested []cleaner.Report
	calls := 0
	c = cleaner.New(s, cleaner.WithOnPass(func(cleaner.Report, error) {
		calls++
		if calls == 1 {
			r, err := c.RunOnce(context.Background())
			require.NoError(t, err)
			nested = append(nested, r)
		}
	}))
	put(t, s, kv(0), "x", time.Second)
	clk.Advance(time.Second)
	rep, err := c.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Removed)
	require.Len(t, nested, 1)
	assert.Zero(t, nested[0].Removed)
	assert.Equal(t, uint64(2), c.Stats().Passes)
}

func TestDefaultTickerPacesPasses(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, clk := newStore()
	put(t, s, kv(0), "x", time.Second)
	clk.Advance(time.Second)
	onPass, done := passes()
	// The real ticker: the test waits for a pass, not for a duration.
	c := cleaner.New(s, cleaner.WithInterval(time.Millisecond), onPass)
	c.Start(context.Background())
	p := recv(t, done, "a pass paced by the real ticker")
	stop(t, c)
	require.NoError(t, p.err)
	assert.Equal(t, 1, p.rep.Removed)
}
