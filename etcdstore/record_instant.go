package etcdstore

import (
	"encoding/binary"
	"math"
	"time"
)

// instant is a time at nanosecond precision as 12 bytes that sort in time
// order: seconds since the Unix epoch with the sign bit flipped, then
// nanoseconds, both big-endian. Unlike UnixNano it covers time.Time's whole
// range. Times come back in UTC.
type instant struct {
	sec  int64
	nsec uint32
}

const instantLen = 12

func instantOf(t time.Time) instant { return instant{sec: t.Unix(), nsec: uint32(t.Nanosecond())} }

func (i instant) time() time.Time { return time.Unix(i.sec, int64(i.nsec)).UTC() }

func (i instant) append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(i.sec)^(1<<63))
	return binary.BigEndian.AppendUint32(dst, i.nsec)
}

// decodeInstant reads an instant off the front of b; ok is false when b is
// too short or the nanoseconds are out of range.
func decodeInstant(b []byte) (instant, bool) {
	if len(b) < instantLen {
		return instant{}, false
	}
	i := instant{sec: int64(binary.BigEndian.Uint64(b) ^ (1 << 63)), nsec: binary.BigEndian.Uint32(b[8:])}
	return i, i.nsec < 1e9
}

// next returns the instant one nanosecond later (saturating at the largest).
func (i instant) next() instant {
	if i.nsec < 999_999_999 {
		return instant{i.sec, i.nsec + 1}
	}
	if i.sec == math.MaxInt64 {
		return i
	}
	return instant{i.sec + 1, 0}
}
