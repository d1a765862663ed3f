package mvcc

import (
	"log/slog"
	"time"

	"github.com/inmemdb/inmem/internal/vfs"
)

// SyncPolicy says when a durable store's commits reach stable storage (see
// Open).
type SyncPolicy int

const (
	// SyncAlways: a write returns after its commit is on stable storage, and
	// no reader sees a commit before that. Concurrent writers share one
	// fsync (group commit). The default for Open.
	SyncAlways SyncPolicy = iota
	// SyncBatch: the log is synced at an interval (WithSyncInterval) by a
	// background goroutine: a crash may lose the commits of the last
	// interval, never leave one half there.
	SyncBatch
	// SyncNone: the operating system decides when the log reaches the disk:
	// a crash of the machine may lose what was not yet written back (a crash
	// of the process alone loses nothing written).
	SyncNone
)

// WithSync sets a durable store's sync policy (default SyncAlways). Stores
// made by New ignore it.
func WithSync(p SyncPolicy) Option {
	return func(cf *config) {
		cf.refuseFork("WithSync")
		if p >= SyncAlways && p <= SyncNone {
			cf.sync = p
		}
	}
}

// WithSyncInterval sets how often SyncBatch syncs the log (d <= 0: the
// default, 100ms).
func WithSyncInterval(d time.Duration) Option {
	return func(cf *config) {
		cf.refuseFork("WithSyncInterval")
		cf.syncInterval = max(d, 0)
	}
}

// WithCheckpointBytes makes a durable store write a checkpoint in the
// background once the log has grown past n bytes since the last one, so
// that recovery replays at most about n bytes of log (n <= 0: only explicit
// Checkpoint calls; the default is DefaultCheckpointBytes).
func WithCheckpointBytes(n int64) Option {
	return func(cf *config) {
		cf.refuseFork("WithCheckpointBytes")
		cf.checkpointBytes = n
	}
}

// DefaultCheckpointBytes is the log size past which a durable store
// checkpoints unless WithCheckpointBytes says otherwise.
const DefaultCheckpointBytes = 256 << 20

// WithLogger gives a durable store a logger for what it reports on its own:
// a torn log tail cut off at Open (a warning), a damaged checkpoint passed
// over (a warning), a background checkpoint or sync that failed (an error),
// and what Open recovered (debug). Without WithLogger the store reports to
// slog.Default(); WithLogger(nil) discards the reports.
func WithLogger(l *slog.Logger) Option {
	return func(cf *config) {
		cf.refuseFork("WithLogger")
		cf.logger, cf.loggerSet = l, true
	}
}

// WithReadOnly opens a directory for reading only: it never writes, takes no
// exclusive lock, works while another process holds the directory (it reads
// what is on stable storage when it opens), and refuses every write with
// core.ErrReadOnly. Open then reads the newest checkpoint and the log after
// it as recovery does, except that it cuts nothing: a record being written
// by the process holding the directory is read up to the last complete
// record before it, and reported (Recovery's TornBytes). The store does not
// follow later writes of the other process: open again to see them. When
// that process rotates its log or checkpoints while Open reads, Open reads
// again (and fails only if the files keep changing under it, attempt after
// attempt). Stores made by New ignore it; RestoreDir refuses it.
func WithReadOnly() Option {
	return func(cf *config) {
		cf.refuseFork("WithReadOnly")
		cf.readOnly = true
	}
}

// withFS makes a durable store keep its files in fsys: the tests' fault
// injecting file system.
func withFS(fsys vfs.FS) Option {
	return func(cf *config) { cf.fs = fsys }
}
