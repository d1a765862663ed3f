package wal

import "errors"

// ErrLocked is returned (wrapped) by Open when another Log, in this process
// or another, holds the directory.
var ErrLocked = errors.New("inmem: directory is held by another open store")

// ErrInvalid is returned (wrapped) for input the package cannot store: a
// record whose version does not follow the last one appended, a change with an
// unknown op, a checkpoint at a version the log has not reached, an entry
// newer than its snapshot, a nil reader or writer.
var ErrInvalid = errors.New("wal: invalid input")

// ErrChanged is returned (wrapped) by Recover of a read-only Log when the
// directory changed while it was read (a writer holding it rotated the log or
// checkpointed): open it again to read the newer state.
var ErrChanged = errors.New("wal: the directory changed while it was read")
