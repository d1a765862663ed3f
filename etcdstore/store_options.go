package etcdstore

import (
	"time"

	"github.com/inmemdb/inmem/core"
)

// Option configures New.
type Option func(*config)

type config struct {
	clock   core.Clock
	timeout time.Duration
	maxOps  int
	retries int
}

// The defaults of the options.
const (
	// DefaultTimeout is how long one operation may take, retries included.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxTxnOps is etcd's default --max-txn-ops: the most operations
	// one etcd transaction may hold.
	DefaultMaxTxnOps = 128
	// DefaultUpdateRetries is how many times Update runs its function.
	DefaultUpdateRetries = 16
)

func defaultConfig() config {
	return config{clock: core.SystemClock{}, timeout: DefaultTimeout, maxOps: DefaultMaxTxnOps, retries: DefaultUpdateRetries}
}

// WithClock sets the clock every expiry decision and commit timestamp of the
// store is judged by (default core.SystemClock). A nil c is ignored.
// Processes sharing a store should share a time source.
func WithClock(c core.Clock) Option {
	return func(cfg *config) {
		if c != nil {
			cfg.clock = c
		}
	}
}

// WithTimeout sets how long one operation may take against etcd, its
// retries included (default DefaultTimeout). d <= 0 is ignored.
func WithTimeout(d time.Duration) Option {
	return func(cfg *config) {
		if d > 0 {
			cfg.timeout = d
		}
	}
}

// WithMaxTxnOps tells the store the etcd cluster's --max-txn-ops (default
// DefaultMaxTxnOps): the store splits reads to fit it, refuses commits that
// would exceed it with core.ErrTooLarge, and sizes RemoveExpired's batch by
// it. n < 9 is ignored (the removal of one expired event takes 9).
func WithMaxTxnOps(n int) Option {
	return func(cfg *config) {
		if n >= 9 {
			cfg.maxOps = n
		}
	}
}

// WithUpdateRetries sets how many times Update runs its function when the
// commit conflicts (default DefaultUpdateRetries). n < 1 is ignored.
func WithUpdateRetries(n int) Option {
	return func(cfg *config) {
		if n >= 1 {
			cfg.retries = n
		}
	}
}
