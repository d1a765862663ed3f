package cleaner

import "github.com/inmemdb/inmem/core"

// Target is what a Cleaner needs of a store: core.ExpiryTarget (Now,
// FindExpired and the conditional RemoveExpired). *mvcc.Store and
// *etcdstore.Store satisfy it. Implementations must be safe for concurrent
// use.
type Target = core.ExpiryTarget

// Expirer is what a Target may offer besides: core.Expirer, the removal of
// up to limit values expired by the store's clock, found inside the store's
// own commit (limit <= 0: all). Nothing found can be written again before it
// is removed, so nothing is skipped and no entry makes a round trip through
// the cleaner. *mvcc.Store offers it; a pass uses it when the Target does.
type Expirer = core.Expirer
