package cleaner_test

import (
	"context"
	"sync"
	"testing"

	"github.com/inmemdb/inmem/cleaner"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// scriptedCtx is a context whose Err answers nil for its first alive calls
// and Canceled after, and that tells when Done is first asked for: it lets a
// test end a context at an exact point of RunOnce.
type scriptedCtx struct {
	context.Context
	mu       sync.Mutex
	alive    int
	done     chan struct{}
	asked    chan struct{}
	askedOne sync.Once
}

func newScriptedCtx(alive int) *scriptedCtx {
	return &scriptedCtx{Context: context.Background(), alive: alive, done: make(chan struct{}), asked: make(chan struct{})}
}

func (s *scriptedCtx) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.alive > 0 {
		s.alive--
		return nil
	}
	return context.Canceled
}

func (s *scriptedCtx) Done() <-chan struct{} {
	s.askedOne.Do(func() { close(s.asked) })
	return s.done
}

// A RunOnce waiting for a running pass gives up when its context ends.
func TestRunOnceWaitingGivesUpWithItsContext(t *testing.T) {
	defer goleak.VerifyNone(t)
	b := &blockingTarget{entered: make(chan struct{}), release: make(chan struct{})}
	c := cleaner.New(b, cleaner.WithBatchSize(1))
	first := make(chan error, 1)
	go func() {
		_, err := c.RunOnce(newScriptedCtx(3)) // entry, slot and first batch checks; ended at the second
		first <- err
	}()
	recv(t, b.entered, "the first pass to enter its removal")

	ctx := newScriptedCtx(1)
	waiting := make(chan error, 1)
	go func() {
		rep, err := c.RunOnce(ctx)
		assert.Zero(t, rep)
		waiting <- err
	}()
	recv(t, ctx.asked, "the waiting RunOnce to select on ctx.Done") // and on the busy slot
	close(ctx.done)
	require.ErrorIs(t, recv(t, waiting, "the waiting RunOnce to give up"), context.Canceled)

	send(t, b.release, struct{}{}, "the first pass's removal release")
	require.ErrorIs(t, recv(t, first, "the first pass to end"), context.Canceled)
	assert.Equal(t, uint64(1), c.Stats().Passes)
}

// A context that ends while RunOnce takes the free slot runs no pass.
func TestRunOnceRechecksItsContextAfterTakingTheSlot(t *testing.T) {
	s, _ := newStore()
	c := cleaner.New(s)
	rep, err := c.RunOnce(newScriptedCtx(1))
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, rep)
	assert.Zero(t, c.Stats().Passes)
	// The slot was given back.
	_, err = c.RunOnce(context.Background())
	require.NoError(t, err)
}
