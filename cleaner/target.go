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
	RemoveExpired(entries []core.Entry) (core.Removal, error)
}

// Expirer is what a Target may offer besides: the removal of up to limit
// values expired by the store's clock, found inside the store's own commit
// (limit <= 0: all). Nothing found can be written again before it is
// removed, so nothing is skipped and no entry makes a round trip through the
// cleaner. *mvcc.Store offers it; a pass uses it when the Target does.
type Expirer interface {
	Expire(limit int) (core.Removal, error)
}
