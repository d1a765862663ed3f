package core

// Removal reports what a conditional removal of expired entries did: the
// batch a cleaner commits (see mvcc.Store.RemoveExpired and cleaner.Target).
// It lives in core so that any store can report it without importing the
// cleaner. A value; safe for concurrent use.
type Removal struct {
	Version uint64 // the version of the removal commit; 0 when nothing was removed
	Removed int    // entries removed
	Skipped int    // entries no longer stored at the version given, or not expired: kept
}
