package wal

import "errors"

// ErrLocked is returned (wrapped) by Open when another Log, in this process
// or another, holds the directory.
var ErrLocked = errors.New("wal: directory is locked by another Log")

// ErrInvalid is returned (wrapped) for input the package cannot store: a
// record whose version does not follow the last one appended, a change with an
// unknown op, a checkpoint at a version the log has not reached, an entry
// newer than its snapshot, a nil reader or writer.
var ErrInvalid = errors.New("wal: invalid input")
