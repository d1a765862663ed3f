package core

import "time"

// Storage is the contract of a versioned key-value store of agent memory. The
// semantics every implementation keeps (gapless versions in commit order,
// exact history or ErrCompacted, expiry, indices that agree with the data)
// are in the project's design notes and checked by package proptest. The
// capabilities a store may offer beside it are interfaces of their own
// (Viewer, Transactor, Watchable, ...: see the package documentation).
// Implementations must be safe for concurrent use.
type Storage interface {
	// Get returns the current value of key, or ErrNotFound when it is absent
	// or expired.
	Get(key Key) (VersionedValue, error)
	// GetVersioned returns what Get returned right after version maxVersion
	// committed (expiry judged against now), or ErrCompacted when that is no
	// longer known. Latest means the current version.
	GetVersioned(key Key, maxVersion uint64) (VersionedValue, error)
	// Put stores value under key with the ttl (0: never expires) and returns
	// the version assigned to the write.
	Put(key Key, value Value, ttl time.Duration) (uint64, error)
	// Delete removes key and returns the value it had, or ErrNotFound.
	Delete(key Key) (VersionedValue, error)
	// ScanPrefix returns the live entries matching prefix (see Key.HasPrefix)
	// as of maxVersion, in key order.
	ScanPrefix(prefix Key, maxVersion uint64) ([]Entry, error)
	// ScanByRun returns the live entries of one run as of maxVersion, in key
	// order.
	ScanByRun(run RunID, maxVersion uint64) ([]Entry, error)
	// CurrentVersion returns the highest version assigned so far (0 when none).
	CurrentVersion() uint64
}

// SnapshotView is a consistent, immutable view of a store at one version:
// the smallest one. Snapshot extends it with scans and the view's time.
// Implementations must be safe for concurrent use.
type SnapshotView interface {
	// Get returns the value of key in the view, or ErrNotFound.
	Get(key Key) (VersionedValue, error)
	// ScanPrefix returns the live entries of the view matching prefix, in key
	// order.
	ScanPrefix(prefix Key) ([]Entry, error)
	// Version returns the version the view was taken at.
	Version() uint64
}
