package core

import (
	"math"
	"time"
)

// Latest, passed as a maxVersion, means "the newest version".
const Latest uint64 = math.MaxUint64

// VersionedValue is a Value as the store holds it: with the version of the
// write that made it, the time that write committed (by the store's clock),
// and an optional time to live. It is a value; it is safe for concurrent use.
type VersionedValue struct {
	Value     Value
	Version   uint64        // assigned by the store
	Timestamp time.Time     // when the write was committed (store clock)
	TTL       time.Duration // 0: never expires
}

// ExpiresAt returns Timestamp+TTL and true, or the zero time and false when the
// value never expires (TTL 0). A sum beyond time's range saturates.
func (v VersionedValue) ExpiresAt() (time.Time, bool) {
	if v.TTL <= 0 {
		return time.Time{}, false
	}
	return v.Timestamp.Add(v.TTL), true
}

// Expired reports whether the value has expired at now: it has a TTL and
// Timestamp+TTL is at or before now, at nanosecond precision.
func (v VersionedValue) Expired(now time.Time) bool {
	at, ok := v.ExpiresAt()
	return ok && !at.After(now)
}

// Entry is a key with its versioned value, as scans return them.
type Entry struct {
	Key   Key
	Value VersionedValue
}
