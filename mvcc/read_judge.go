package mvcc

import (
	"time"

	"github.com/inmemdb/inmem/core"
)

// judge decides expiry for one read. A live read judges against the store's
// clock, read at most once and only when a value with a TTL turns up: most
// values have none, and a clock read costs more than a lookup. A snapshot or
// transaction judges against the fixed moment it was taken.
type judge struct {
	clock core.Clock // nil once now is known
	now   time.Time
}

// live judges against the clock, read lazily.
func liveJudge(c core.Clock) judge { return judge{clock: c} }

// fixedJudge judges against now.
func fixedJudge(now time.Time) judge { return judge{now: now} }

// expired reports whether r has expired at the judge's moment.
func (j *judge) expired(r *stored) bool {
	if r.ttl <= 0 {
		return false // never expires: no need to read the clock
	}
	if j.clock != nil {
		j.now, j.clock = j.clock.Now().Round(0), nil
	}
	return !visible(r, j.now)
}

// visible is the one rule that decides whether a stored value is seen by a
// read judged at now: a value is visible until its expiry (Timestamp+TTL),
// exclusive. It agrees with core.VersionedValue.Expired, to the nanosecond,
// without building a time.Time.
func visible(r *stored, now time.Time) bool {
	sec, nsec, ok := r.deadline()
	if !ok {
		return true
	}
	nowSec, nowNsec := now.Unix()+unixToInternal, int32(now.Nanosecond())
	return sec > nowSec || (sec == nowSec && nsec > nowNsec)
}
