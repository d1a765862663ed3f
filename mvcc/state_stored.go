package mvcc

import (
	"math"
	"time"
	"unsafe"

	"github.com/inmemdb/inmem/core"
)

// stored is a value as the data holds it, inline in the tree's leaves: the
// fields of a core.VersionedValue with the timestamp as Unix seconds and
// nanoseconds, so that its only pointer is the Value's and it is smaller (a
// time.Time carries a location pointer). It becomes a core.VersionedValue
// (public) only where a value leaves the store.
type stored struct {
	val     core.Value
	version uint64
	sec     int64 // the commit time: seconds since the Unix epoch
	ttl     int64 // the time to live in nanoseconds; 0: never expires
	nsec    int32 // the commit time: nanoseconds within sec, [0, 1e9)
}

// storedSize is the size of a stored value less its Value: what entryBytes
// counts for it besides the key and the Value's own estimate.
const storedSize = int(unsafe.Sizeof(stored{}) - unsafe.Sizeof(core.Value{}))

// newStored returns value stored at version, committed at t, with ttl.
func newStored(value core.Value, version uint64, t time.Time, ttl time.Duration) stored {
	return stored{val: value, version: version, sec: t.Unix(), nsec: int32(t.Nanosecond()), ttl: int64(ttl)}
}

// storedOf returns vv as the data holds it.
func storedOf(vv *core.VersionedValue) stored {
	return newStored(vv.Value, vv.Version, vv.Timestamp, vv.TTL)
}

// timestamp returns the commit time: the instant it was stored as, in UTC,
// without a monotonic reading. The round trip is exact for every time.Time:
// t.Unix() may wrap for instants far before year 1, and time.Unix wraps it
// back.
func (r *stored) timestamp() time.Time { return time.Unix(r.sec, int64(r.nsec)).UTC() }

// public returns r as a core.VersionedValue.
func (r *stored) public() core.VersionedValue {
	return core.VersionedValue{Value: r.val, Version: r.version, Timestamp: r.timestamp(), TTL: time.Duration(r.ttl)}
}

// unixToInternal is the number of seconds from year 1 to 1970: time.Time
// counts seconds from year 1, where the arithmetic of expiries cannot wrap
// (its range is exactly int64 seconds from there).
const unixToInternal int64 = (1969*365 + 1969/4 - 1969/100 + 1969/400) * 24 * 60 * 60

// deadline returns when r expires, as seconds since year 1 and nanoseconds,
// and true; or false when it never expires. It is the same instant as
// core.VersionedValue.ExpiresAt, computed the same way (time.Time's Add, then
// the saturation to the latest instant when the sum did not move forward),
// without building a time.Time.
func (r *stored) deadline() (sec int64, nsec int32, ok bool) {
	if r.ttl <= 0 {
		return 0, 0, false
	}
	ts := r.sec + unixToInternal // wraps back to the time's own seconds
	dsec, n := r.ttl/1e9, r.nsec+int32(r.ttl%1e9)
	if n >= 1e9 {
		dsec++
		n -= 1e9
	}
	sec = ts + dsec
	if sec < ts { // dsec >= 0: the sum overflowed; time.Time.Add saturates the seconds
		sec = math.MaxInt64
	}
	if sec == ts && n <= r.nsec { // not after the timestamp: saturate
		return math.MaxInt64, 999_999_999, true
	}
	return sec, n, true
}

// expiresAt returns r's expiry (core.VersionedValue.ExpiresAt) and true, or
// false when it never expires: the TTL index's key.
func (r *stored) expiresAt() (time.Time, bool) {
	sec, nsec, ok := r.deadline()
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(sec-unixToInternal, int64(nsec)).UTC(), true
}

// entryBytes estimates the memory one stored entry holds: its encoded key,
// its stored value and the Value's own bytes.
func entryBytes(enc string, r *stored) int64 {
	return entryBytesOf(enc, r.val.Size())
}

// entryBytesOf is entryBytes for a value whose Size is known.
func entryBytesOf(enc string, size int) int64 {
	return int64(len(enc) + storedSize + size)
}
