package mvcc

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Update runs fn in a transaction and commits it, running fn again on a fresh
// transaction when the commit loses with ErrConflict, at most
// DefaultUpdateRetries times in all (see WithUpdateRetries), with the same
// randomized, growing back-off between attempts as UpdateContext. It returns
// the commit's version. Safe for concurrent use.
//
// fn need not call Commit; if it does, Update reports that commit's outcome
// (its version, or a retry after ErrConflict) and never commits twice, nor
// reports failure for a commit that happened: when fn commits and then
// returns an error, Update returns the commit's version with that error.
// Otherwise an error from fn discards the transaction and is returned as is
// (with version 0); if that error is the ErrConflict of fn's own Commit,
// Update runs fn again. If fn calls Discard and returns nil, nothing is
// committed and Update returns an error wrapping ErrTxnDone. A nil fn is
// refused with an error wrapping core.ErrInvalidArgument. When every attempt
// lost, the error wraps the last ErrConflict; the other errors are those of
// Txn.Commit.
func (s *Store) Update(fn func(*Txn) error) (uint64, error) {
	if fn == nil {
		return 0, fmt.Errorf("%w: Update needs a function", core.ErrInvalidArgument)
	}
	var b backoff
	var err error
	for attempt := range s.cfg.updateRetries {
		if attempt > 0 {
			b.wait(context.Background())
		}
		var v uint64
		var retry bool
		if v, retry, err = s.attempt(fn); !retry {
			return v, err
		}
	}
	return 0, fmt.Errorf("mvcc: update gave up after %d attempts: %w", s.cfg.updateRetries, err)
}

// UpdateContext runs fn in a transaction and commits it, retrying on
// core.ErrConflict with randomized, growing back-off until it commits, ctx
// ends or fn or the commit fails otherwise. It returns the commit's version.
// When ctx ends first it returns an error wrapping both ctx.Err() and the
// last conflict (errors.Is matches either); ctx is checked before each
// attempt and during each back-off, not while fn runs. fn is treated as by
// Update: if fn commits itself, that commit's version is returned (with fn's
// error, if fn then returned one), never a failure for a commit that
// happened. A nil ctx or fn is refused with an error wrapping
// core.ErrInvalidArgument. Safe for concurrent use.
//
// The first retry follows a yield of the processor; each later one waits a
// random duration in [d/2, d), d growing fourfold from 16µs up to 64ms, so that
// contenders spread out instead of colliding again (docs/benchmarks.md,
// BenchmarkUpdateContention, measures it).
func (s *Store) UpdateContext(ctx context.Context, fn func(*Txn) error) (uint64, error) {
	if ctx == nil || fn == nil {
		return 0, fmt.Errorf("%w: UpdateContext needs a context and a function", core.ErrInvalidArgument)
	}
	var b backoff
	var last error
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if err := b.wait(ctx); err != nil {
				return 0, fmt.Errorf("mvcc: update: %w after %d attempts, the last lost: %w", err, attempt, last)
			}
		} else if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("mvcc: update: %w", err)
		}
		v, retry, err := s.attempt(fn)
		if !retry {
			return v, err
		}
		last = err
	}
}

// attempt runs fn once in a fresh transaction and commits it unless fn did.
// It returns the commit's version and error, and whether the attempt lost
// with ErrConflict and may be retried.
func (s *Store) attempt(fn func(*Txn) error) (v uint64, retry bool, err error) {
	t := s.Begin()
	ferr := fn(t)
	switch {
	case t.committed:
		// fn committed: the commit stands, whatever fn returned after.
		return t.result, false, ferr
	case ferr != nil:
		t.Discard()
		if t.attempted && errors.Is(t.err, core.ErrConflict) && errors.Is(ferr, core.ErrConflict) {
			return 0, true, ferr // fn passed on its own commit's conflict
		}
		return 0, false, ferr
	case t.attempted:
		v, err = t.result, t.err
	case t.done:
		return 0, false, fmt.Errorf("%w: Update's function discarded its transaction", ErrTxnDone)
	default:
		v, err = t.Commit()
	}
	if errors.Is(err, core.ErrConflict) {
		return 0, true, err
	}
	return v, false, err
}

// The back-off between attempts that lost with ErrConflict: the first retry
// follows a yield of the processor, each later one a random wait in
// [d/2, d), d growing fourfold from backoffMin up to backoffMax.
const (
	backoffMin = 16 * time.Microsecond
	backoffMax = 64 * time.Millisecond
)

// backoff is the waiting state of one Update or UpdateContext call: how many
// waits it made.
type backoff struct{ n int }

// next returns the random wait after the n-th wait (n >= 1) and counts it.
func (b *backoff) next() time.Duration {
	shift := 2 * (b.n - 1)
	b.n++
	d := backoffMax
	if shift < 32 && backoffMin<<shift < backoffMax {
		d = backoffMin << shift
	}
	return d/2 + rand.N(d/2)
}

// wait waits for the next back-off, or until ctx ends (its error). The first
// wait only yields the processor: most conflicts clear once the winner has
// published.
func (b *backoff) wait(ctx context.Context) error {
	if b.n == 0 {
		b.n++
		if backoffHook != nil {
			backoffHook(0)
		}
		runtime.Gosched()
		return ctx.Err()
	}
	d := b.next()
	if backoffHook != nil {
		backoffHook(d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoffHook, when set (by tests only), is called with each back-off before
// it is waited: 0 for the first, a yield of the processor.
var backoffHook func(time.Duration)
