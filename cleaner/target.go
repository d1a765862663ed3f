package cleaner

import (
	"time"

	"github.com/inmemdb/inmem/core"
)

// Target is what a Cleaner needs of a store. *mvcc.Store satisfies it.
// Implementations must be safe for concurrent use.
type Target interface {
	// Now returns the store's clock reading: the time every expiry decision
	// about the store is judged at.
	Now() time.Time
	// FindExpired returns at most limit entries (limit > 0) expired at now,
	// in expiry order.
	FindExpired(now time.Time, limit int) []core.Entry
	// RemoveExpired removes, in one commit, each entry whose key is still
	// stored at exactly the entry's version and has expired by the store's
	// clock, and skips the others.
	RemoveExpired(entries []core.Entry) (Removal, error)
}

// Removal reports what one Target.RemoveExpired call did; it is
// core.Removal, so a store can return it without importing this package.
type Removal = core.Removal
