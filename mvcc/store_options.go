package mvcc

import (
	"log/slog"
	"math"
	"time"

	"github.com/inmemdb/inmem/core"
)

// DefaultHistory is the number of past versions a Store keeps reachable by
// GetVersioned, versioned scans, SnapshotAt and watchers unless WithHistory
// says otherwise. A retained version keeps alive the nodes its write copied
// and the values it replaced; what that costs at 1M keys, against the size
// of the store, is measured in docs/benchmarks.md (BenchmarkHistoryMemory).
// The default keeps the last thousand writes exact for a small fraction of
// the store's memory; larger windows cost memory in proportion, and
// WithHistoryBytes bounds them by bytes.
const DefaultHistory = 1024

// DefaultUpdateRetries is how many times Store.Update runs its function when
// commits keep losing with ErrConflict, unless WithUpdateRetries says
// otherwise.
const DefaultUpdateRetries = 10

// maxVersion is the highest version a store assigns: core.Latest (MaxUint64)
// stays free to mean "the newest".
const maxVersion = math.MaxUint64 - 1

// Option configures a Store at New.
type Option func(*config)

type config struct {
	clock         core.Clock
	history       int
	startVersion  uint64
	updateRetries int
	maxKey        int
	historyBytes  int64
	// durable stores (Open)
	sync            SyncPolicy
	syncInterval    time.Duration
	checkpointBytes int64
	logger          *slog.Logger
	maxValue        int
}

// WithClock makes the store judge time by c: every commit timestamp and every
// expiry decision about the store. Tests pass a *core.ManualClock.
func WithClock(c core.Clock) Option {
	return func(cf *config) {
		if c != nil {
			cf.clock = c
		}
	}
}

// WithHistory sets how many past versions GetVersioned, the versioned scans,
// SnapshotAt and watchers can reach exactly (0: none, only what is still
// current). Negative means 0; values above MaxHistory are clamped to it.
func WithHistory(versions int) Option {
	return func(cf *config) { cf.history = min(max(versions, 0), MaxHistory) }
}

// MaxHistory is the largest history window WithHistory accepts.
const MaxHistory = 1 << 40

// WithHistoryBytes bounds the history window by memory as well as by
// versions: once the values that retained past versions alone hold (values
// overwritten or removed since, as core.Value.Size measures them, with their
// keys) exceed n bytes, the oldest versions leave the window, down to the
// newest one. n <= 0: no byte bound (the default). Stats reports the bytes
// held.
func WithHistoryBytes(n int64) Option {
	return func(cf *config) { cf.historyBytes = max(n, 0) }
}

// WithStartVersion starts the store at version v instead of 0, as a restore
// does: the first write gets v+1. Versions above the highest assignable one
// (MaxUint64-1) are clamped to it, leaving a store that refuses writes with
// ErrVersionExhausted.
func WithStartVersion(v uint64) Option {
	return func(cf *config) { cf.startVersion = min(v, maxVersion) }
}

// WithLockFreeWriters is kept so that code written for earlier versions
// compiles; it has no effect.
//
// Deprecated: writers group-commit (see Store.Stats: Groups), which measured
// faster than racing compare-and-swap loops at every writer count
// (docs/benchmarks.md). Readers are lock-free either way.
func WithLockFreeWriters() Option {
	return func(*config) {}
}

// WithUpdateRetries sets how many times Update runs its function in all when
// commits lose with ErrConflict (at least 1).
func WithUpdateRetries(n int) Option {
	return func(cf *config) { cf.updateRetries = max(n, 1) }
}

// WithMaxKeySize refuses writes of keys whose encoding (core.Key.Encode) is
// longer than n bytes with an error wrapping core.ErrTooLarge (n <= 0: no
// limit, the default).
func WithMaxKeySize(n int) Option {
	return func(cf *config) { cf.maxKey = max(n, 0) }
}

// WithMaxValueSize refuses writes of values larger than n bytes, as
// core.Value.Size measures them, with an error wrapping core.ErrTooLarge
// (n <= 0: no limit, the default).
func WithMaxValueSize(n int) Option {
	return func(cf *config) { cf.maxValue = max(n, 0) }
}
