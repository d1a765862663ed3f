package proptest

import (
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

func TestRunDurable(t *testing.T) {
	modes := []struct {
		name string
		opts []mvcc.Option
	}{
		{"default", nil},
		{"history 3, checkpoints", []mvcc.Option{mvcc.WithHistory(3), mvcc.WithCheckpointBytes(1 << 10)}},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			RunDurable(t, func(dir string, c core.Clock) (*mvcc.Store, error) {
				// The log need not reach the disk: Close flushes it, and a
				// reopen follows a Close, never a crash.
				opts := append([]mvcc.Option{mvcc.WithClock(c), mvcc.WithSync(mvcc.SyncNone)}, mode.opts...)
				return mvcc.Open(dir, opts...)
			})
		})
	}
}
