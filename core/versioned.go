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
	Value   Value
	Version uint64 // assigned by the store
	// Timestamp is when the write was committed (store clock). The mvcc
	// store returns it in UTC, without a monotonic reading.
	Timestamp time.Time
	TTL       time.Duration // 0: never expires
}

// ExpiresAt returns Timestamp+TTL and true, or the zero time and false when the
// value never expires (TTL 0). A sum beyond time's range saturates.
func (v VersionedValue) ExpiresAt() (time.Time, bool) {
	if v.TTL <= 0 {
		return time.Time{}, false
	}
	at := v.Timestamp.Add(v.TTL)
	if !at.After(v.Timestamp) { // TTL > 0, so the sum left time's range: saturate
		return maxTime, true
	}
	return at, true
}

// maxTime is the latest instant a time.Time can hold.
var maxTime = time.Unix(math.MaxInt64-unixToInternal, 999_999_999)

// unixToInternal is the number of seconds from year 1 to 1970, time's offset
// between its internal epoch and the Unix epoch.
const unixToInternal int64 = (1969*365 + 1969/4 - 1969/100 + 1969/400) * 24 * 60 * 60

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
