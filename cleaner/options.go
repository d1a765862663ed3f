package cleaner

import (
	"context"
	"log/slog"
	"time"

	"github.com/inmemdb/inmem/core"
)

// DefaultInterval is the time between passes unless WithInterval says
// otherwise.
const DefaultInterval = time.Second

// DefaultBatchSize is the most removals one commit carries unless
// WithBatchSize says otherwise.
const DefaultBatchSize = 1000

// TickerFunc starts a ticker that delivers on the returned channel about every
// d and returns the channel and a function that stops the ticker. See
// WithTicker.
type TickerFunc func(d time.Duration) (ticks <-chan time.Time, stop func())

// Option configures a Cleaner at New.
type Option func(*config)

type config struct {
	interval time.Duration
	batch    int
	logger   *slog.Logger
	clock    core.Clock
	ticker   TickerFunc
	onPass   func(Report, error)
}

func defaults() config {
	return config{
		interval: DefaultInterval,
		batch:    DefaultBatchSize,
		logger:   slog.New(discard{}),
		clock:    core.SystemClock{},
		ticker:   systemTicker,
	}
}

// WithInterval sets the time between the passes Start runs. Non-positive
// values mean DefaultInterval.
func WithInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.interval = d
		}
	}
}

// WithBatchSize sets the most entries one removal commit carries, and so the
// most a pass asks FindExpired for at once. Non-positive values mean
// DefaultBatchSize.
func WithBatchSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.batch = n
		}
	}
}

// WithLogger makes the cleaner log each pass that removed or skipped something
// (Info), each empty pass (Debug) and each failed pass (Warn) to l. Without
// it, or with nil, nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithClock sets the clock the cleaner times its passes with (Report.Duration,
// Stats.LastDuration); the default is the system clock. Expiry is never judged
// by it: that is always the Target's Now.
func WithClock(clk core.Clock) Option {
	return func(c *config) {
		if clk != nil {
			c.clock = clk
		}
	}
}

// WithTicker replaces the ticker that paces Start's passes (by default a
// time.Ticker with the interval). Start calls f once with the interval, runs a
// pass for each value received on the channel and calls stop when it ends;
// closing the channel ends Start's goroutine as Stop would.
// Tests pass a function returning a channel they send on, so that passes run
// exactly when they say, without sleeping.
func WithTicker(f TickerFunc) Option {
	return func(c *config) {
		if f != nil {
			c.ticker = f
		}
	}
}

// WithOnPass makes the cleaner call f with the report and error of every pass,
// Start's and RunOnce's, after Stats includes it. f runs on the goroutine that
// ran the pass, after the pass released the cleaner, so f may call RunOnce or
// Stats (but not Stop from a pass Start runs: Stop waits for that goroutine).
func WithOnPass(f func(Report, error)) Option {
	return func(c *config) { c.onPass = f }
}

func systemTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// discard is a slog.Handler that drops everything (slog.DiscardHandler needs
// Go 1.24; go.mod says 1.23).
type discard struct{}

func (discard) Enabled(context.Context, slog.Level) bool  { return false }
func (discard) Handle(context.Context, slog.Record) error { return nil }
func (d discard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discard) WithGroup(string) slog.Handler           { return d }
