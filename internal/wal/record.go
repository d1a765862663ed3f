package wal

import (
	"time"

	"github.com/inmemdb/inmem/core"
)

// Change is one key's change as the log stores it: the key in its core.Key
// encoding (see core.Key.Encode), the operation and the versioned value (the
// value written, or the value removed). A plain value.
type Change struct {
	Key   string
	Op    core.ChangeOp
	Value core.VersionedValue
}

// Record is one commit: every change one version made. A plain value.
type Record struct {
	Version uint64
	Time    time.Time
	Changes []Change
}

// Entry is one key's value in a checkpoint or a backup stream: the key in its
// core.Key encoding and the value as the store holds it, expired or not.
// A plain value.
type Entry struct {
	Key   string
	Value core.VersionedValue
}
