package cleaner

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Report describes one pass. It is a value (Versions is the caller's); safe
// for concurrent use once returned.
type Report struct {
	Removed  int           // expired values removed
	Skipped  int           // expired when found, written again (or gone) before removal: kept
	Batches  int           // removal commits attempted: one per batch found
	Versions []uint64      // the version of each commit that removed something, in commit order
	At       time.Time     // the store's clock reading the pass judged expiry at
	Duration time.Duration // how long the pass took, by the cleaner's clock (WithClock)
}

// RunOnce runs one pass now: it reads the Target's clock once, then removes in
// batches (WithBatchSize) whatever had expired at that reading, until nothing
// is left, a batch removes nothing, ctx ends (checked before each batch) or
// the Target fails. It returns what it did, with ctx's error or the Target's.
//
// If a pass is already running (Start's or another RunOnce), RunOnce waits
// for it. If ctx has ended before the pass could start, RunOnce returns ctx's
// error and an empty Report without running a pass (Stats does not count it).
// Safe for concurrent use.
func (c *Cleaner) RunOnce(ctx context.Context) (Report, error) {
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	select {
	case c.pass <- struct{}{}:
	case <-ctx.Done():
		return Report{}, ctx.Err()
	}
	if err := ctx.Err(); err != nil { // ended while waiting, and the slot came free too
		<-c.pass
		return Report{}, err
	}
	start := c.cfg.clock.Now()
	rep, err := c.run(ctx)
	rep.Duration = c.cfg.clock.Now().Sub(start)
	c.stats.add(rep, err)
	<-c.pass
	c.log(ctx, rep, err)
	if c.cfg.onPass != nil {
		c.cfg.onPass(rep, err)
	}
	return rep, err
}

// run is one pass; the caller holds the pass semaphore.
func (c *Cleaner) run(ctx context.Context) (Report, error) {
	if c.target == nil {
		return Report{}, ErrNilTarget
	}
	rep := Report{At: c.target.Now()}
	if x, ok := c.target.(Expirer); ok {
		return c.expire(ctx, x, rep)
	}
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		found := c.target.FindExpired(rep.At, c.cfg.batch)
		if len(found) == 0 {
			return rep, nil
		}
		res, err := c.target.RemoveExpired(found)
		rep.Batches++
		if err != nil {
			return rep, fmt.Errorf("cleaner: removing a batch of %d expired entries: %w", len(found), err)
		}
		rep.add(res)
		// Fewer than a batch found: nothing else had expired at rep.At.
		// Nothing removed: the next find would return the same entries.
		if len(found) < c.cfg.batch || res.Removed == 0 {
			return rep, nil
		}
	}
}

// expire is run for a Target that removes what expired on its own: one
// commit per batch, until a batch comes back short.
func (c *Cleaner) expire(ctx context.Context, x Expirer, rep Report) (Report, error) {
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		res, err := x.Expire(c.cfg.batch)
		if err != nil || res.Removed > 0 {
			rep.Batches++
		}
		if err != nil {
			return rep, fmt.Errorf("cleaner: removing a batch of up to %d expired entries: %w", c.cfg.batch, err)
		}
		rep.add(res)
		if res.Removed < c.cfg.batch {
			return rep, nil
		}
	}
}

// add counts one removal commit in the report.
func (r *Report) add(res core.Removal) {
	r.Removed += res.Removed
	r.Skipped += res.Skipped
	if res.Version != 0 {
		r.Versions = append(r.Versions, res.Version)
	}
}

func (c *Cleaner) log(ctx context.Context, rep Report, err error) {
	l := c.cfg.logger
	attrs := []slog.Attr{
		slog.Int("removed", rep.Removed),
		slog.Int("skipped", rep.Skipped),
		slog.Int("batches", rep.Batches),
		slog.Duration("duration", rep.Duration),
	}
	switch {
	case err != nil && ctx.Err() != nil:
		l.LogAttrs(context.Background(), slog.LevelDebug, "cleaner pass interrupted", append(attrs, slog.Any("error", err))...)
	case err != nil:
		l.LogAttrs(context.Background(), slog.LevelWarn, "cleaner pass failed", append(attrs, slog.Any("error", err))...)
	case rep.Removed > 0 || rep.Skipped > 0:
		l.LogAttrs(context.Background(), slog.LevelInfo, "cleaner pass", attrs...)
	default:
		l.LogAttrs(context.Background(), slog.LevelDebug, "cleaner pass", attrs...)
	}
}
