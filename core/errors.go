package core

import "errors"

// The sentinel errors. Compare with errors.Is: the store's errors may wrap them
// with detail (the key, the versions involved).
var (
	// ErrNotFound: the key is absent, deleted or expired.
	ErrNotFound = errors.New("inmem: not found")
	// ErrInvalidKey: a key with an unknown TypeTag, or bytes that are not a key's encoding.
	ErrInvalidKey = errors.New("inmem: invalid key")
	// ErrInvalidTTL: a negative TTL.
	ErrInvalidTTL = errors.New("inmem: invalid ttl")
	// ErrVersionMismatch: a compare-and-swap or compare-and-delete saw another version.
	ErrVersionMismatch = errors.New("inmem: version mismatch")
	// ErrConflict: an optimistic transaction lost to a concurrent commit.
	ErrConflict = errors.New("inmem: transaction conflict")
	// ErrCompacted: the version asked for is older than the history kept.
	ErrCompacted = errors.New("inmem: version compacted")
	// ErrVersionExhausted: no version number is left to assign.
	ErrVersionExhausted = errors.New("inmem: version numbers exhausted")
	// ErrTooLarge: a key or value over the store's configured limit.
	ErrTooLarge = errors.New("inmem: too large")
	// ErrClosed: the store, or the watcher, was closed.
	ErrClosed = errors.New("inmem: closed")
	// ErrInvalidArgument: an argument that is not a key, TTL or value was
	// refused (a nil function, a nil reader, ...).
	ErrInvalidArgument = errors.New("inmem: invalid argument")
	// ErrTxnDone: a transaction was used after Commit or Discard.
	ErrTxnDone = errors.New("inmem: transaction already committed or discarded")
	// ErrCorrupt: bytes that are not a valid encoding (of a Value, a log record, a backup).
	ErrCorrupt = errors.New("inmem: corrupt data")
	// ErrInvalidValue: a value that cannot be represented or stored (for example
	// nested deeper than MaxValueDepth).
	ErrInvalidValue = errors.New("inmem: invalid value")
	// ErrReadOnly: a write to a store opened read-only.
	ErrReadOnly = errors.New("inmem: store is read-only")
)
