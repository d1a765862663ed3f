package cleaner

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Cleaner removes expired values from a Target, in passes: one now
// (RunOnce) or one per tick of a background goroutine (Start). Create one
// with New. A Cleaner is safe for concurrent use.
type Cleaner struct {
	target Target
	cfg    config

	pass chan struct{} // a one-slot semaphore: passes never overlap

	mu     sync.Mutex // guards cancel and done; held by Stop while it waits
	cancel context.CancelFunc
	done   chan struct{} // closed when Start's goroutine has ended

	stats statsBox
}

// ErrNilTarget is returned by every pass of a Cleaner made with a nil
// Target.
var ErrNilTarget = errors.New("cleaner: nil Target")

// New returns a Cleaner of store, configured by opts. Nothing runs until
// Start or RunOnce. A nil store gives a Cleaner whose passes fail with
// ErrNilTarget.
func New(store Target, opts ...Option) *Cleaner {
	cfg := defaults()
	for _, o := range opts {
		o(&cfg)
	}
	return &Cleaner{target: store, cfg: cfg, pass: make(chan struct{}, 1)}
}

// Start starts a goroutine that runs a pass at every tick of the interval (see
// WithInterval, WithTicker), the first one interval after Start, until ctx
// ends, Stop is called, or the ticker's channel is closed. A pass failing is
// logged and counted in Stats; the goroutine goes on.
//
// Calling Start while that goroutine runs does nothing; once it has ended
// (Stop, ctx), Start starts a new one. Safe for concurrent use.
func (c *Cleaner) Start(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		select {
		case <-c.done: // the last goroutine has ended: start again
		default:
			return
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	ticks, stopTicker := c.cfg.ticker(c.cfg.interval)
	done := make(chan struct{})
	c.cancel, c.done = cancel, done
	go c.loop(ctx, ticks, stopTicker, done)
}

// Stop ends the goroutine Start started, interrupting its pass between two
// batches, and waits until it has returned. It does nothing if Start was
// never called or the cleaner is already stopped, so calling it twice is
// safe. Safe for concurrent use; it must not be called from a WithOnPass
// function run by Start's goroutine.
func (c *Cleaner) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		return
	}
	c.cancel()
	<-c.done
	c.cancel, c.done = nil, nil
}

func (c *Cleaner) loop(ctx context.Context, ticks <-chan time.Time, stopTicker func(), done chan struct{}) {
	defer close(done)
	defer stopTicker()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-ticks:
			if !ok {
				return
			}
			// The error is logged and counted by RunOnce, which runs no pass
			// if ctx ended meanwhile.
			_, _ = c.RunOnce(ctx)
		}
	}
}
