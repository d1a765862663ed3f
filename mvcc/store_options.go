package mvcc

import (
	"log/slog"
	"math"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vfs"
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
// otherwise. With the back-off between attempts (see UpdateContext) that is
// enough for 16 goroutines incrementing one counter on a durable store
// without a failure (docs/benchmarks.md); Store.UpdateContext retries until
// its context ends instead.
const DefaultUpdateRetries = 32

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
	loggerSet       bool   // WithLogger was given (else: slog.Default())
	readOnly        bool   // WithReadOnly
	fs              vfs.FS // the durable store's file system (tests: vfs.Mem); nil: the OS's
	maxValue        int
	vectors         []*vectorSpec // WithVectorIndex
	// forkRefused names the options given that a fork cannot take (those
	// only Open takes, and WithStartVersion): Fork refuses them.
	forkRefused []string
}

// refuseFork records that the option name was given, which Fork refuses.
func (cf *config) refuseFork(name string) { cf.forkRefused = append(cf.forkRefused, name) }

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

// DefaultHistoryBytes bounds the bytes the history window holds unless
// WithHistoryBytes says otherwise: 64 MiB, so that a default store
// overwriting large values keeps at most that much of the values it replaced
// (200 overwrites of a 1 MiB value would otherwise hold 200 MiB under the
// default DefaultHistory versions).
const DefaultHistoryBytes = 64 << 20

// WithHistoryBytes bounds the history window by memory as well as by
// versions: once the values that retained past versions alone hold (values
// overwritten or removed since, as core.Value.Size measures them, with their
// keys), and the commit records of those of more than one change, exceed n
// bytes, the oldest versions leave the window, down to the newest one; a
// window holding exactly n bytes keeps its versions. The default is
// DefaultHistoryBytes; n <= 0: no byte bound. Stats reports the bytes held.
func WithHistoryBytes(n int64) Option {
	return func(cf *config) { cf.historyBytes = max(n, 0) }
}

// WithStartVersion starts the store at version v instead of 0, as a restore
// does: the first write gets v+1. Versions above the highest assignable one
// (MaxUint64-1) are clamped to it, leaving a store that refuses writes with
// ErrVersionExhausted.
func WithStartVersion(v uint64) Option {
	return func(cf *config) {
		cf.refuseFork("WithStartVersion")
		cf.startVersion = min(v, maxVersion)
	}
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

// WithMaxValueSize refuses writes of values holding more than n bytes of
// data with an error wrapping core.ErrTooLarge (n <= 0: no limit, the
// default). The data is what the caller gave (core.Measure's Data): the
// length of each string and byte slice and of each map key, 8 bytes for each
// int64 and float64, 1 for each bool, 4 for each vector element, nothing
// for a null or for the arrays and maps themselves. So
// WithMaxValueSize(10) accepts a string of 10 bytes and refuses one of 11.
// Every store refuses, limit or not, a value nested deeper than
// core.MaxValueDepth (core.ErrInvalidValue) and a key and value whose
// encodings together exceed what one entry of the log or a backup holds
// (just under 1 GiB; core.ErrTooLarge).
func WithMaxValueSize(n int) Option {
	return func(cf *config) { cf.maxValue = max(n, 0) }
}
