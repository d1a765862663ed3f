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
	defer c.Stop()
	assert.Equal(t, []time.Duration{time.Minute}, mt.starts(), "the ticker runs at the interval")

	for i := range 5 {
		put(t, s, kv(i), "x", time.Second)
	}
	put(t, s, kv(99), "live", 0)
	clk.Advance(time.Second)
	mt.tick()
	p := <-done
	require.NoError(t, p.err)
	assert.Equal(t, 5, p.rep.Removed)
	assert.Equal(t, 1, s.Stats().Keys)

	put(t, s, kv(0), "again", time.Second)
	clk.Advance(time.Second)
	mt.tick()
	p = <-done
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

	c.Stop() // before Start: nothing to stop
	c.Start(context.Background())
	c.Start(context.Background()) // already running: does nothing
	assert.Len(t, mt.starts(), 1)
	c.Stop()
	assert.Equal(t, 1, mt.stopCount(), "Stop returned after the ticker was stopped")
	c.Stop()
	assert.Equal(t, 1, mt.stopCount())

	// Stopped cleaners start again.
	c.Start(context.Background())
	assert.Len(t, mt.starts(), 2)
	c.Stop()
	c.Stop()
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
	<-mt.stoppedC // the goroutine is on its way out
	c.Stop()      // waits for it
	assert.Equal(t, 1, mt.stopCount())

	// A goroutine that ended by its context can be started again without Stop.
	ctx, cancel = context.WithCancel(context.Background())
	c.Start(ctx)
	cancel()
	require.NoError(t, goleak.Find(before), "the goroutine ended with its context")
	c.Start(context.Background())
	assert.Len(t, mt.starts(), 3)
	c.Stop()
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
	<-stopped
	c.Stop()
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
	b.entered <- struct{}{}
	<-b.release
	return core.Removal{Version: 1, Removed: len(es)}, nil
}

func TestStopInterruptsARunningPass(t *testing.T) {
	defer goleak.VerifyNone(t)
	b := &blockingTarget{entered: make(chan struct{}), release: make(chan struct{})}
	mt := newManualTicker()
	onPass, done := passes()
	c := cleaner.New(b, cleaner.WithTicker(mt.start), cleaner.WithBatchSize(2), onPass)
	c.Start(context.Background())
	mt.tick()
	<-b.entered // the pass is inside its first removal

	// Meanwhile RunOnce waits for the running pass, and gives up with its ctx.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := c.RunOnce(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, rep)

	stopped := make(chan struct{})
	go func() { c.Stop(); close(stopped) }()
	// Release removals until the pass sees Stop's cancellation.
	for released := false; !released; {
		select {
		case b.release <- struct{}{}:
			select {
			case <-b.entered:
			case <-stopped:
				released = true
			}
		case <-stopped:
			released = true
		}
	}
	p := <-done
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
	p := <-done
	c.Stop()
	require.NoError(t, p.err)
	assert.Equal(t, 1, p.rep.Removed)
}
