package wal

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"time"

	"github.com/inmemdb/inmem/core"
)

// The field encodings shared by log records and snapshot entries.

const timeLen = 12 // i64 seconds, u32 nanoseconds

func appendTime(b []byte, t time.Time) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(t.Unix()))
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

// decodeTime reads a time; ok is false for a short buffer or nanoseconds
// out of range.
func decodeTime(b []byte) (time.Time, bool) {
	if len(b) < timeLen {
		return time.Time{}, false
	}
	sec := int64(binary.BigEndian.Uint64(b))
	ns := binary.BigEndian.Uint32(b[8:])
	if ns > 999_999_999 {
		return time.Time{}, false
	}
	return time.Unix(sec, int64(ns)).UTC(), true
}

// appendVersioned appends key, value version, timestamp, ttl and value: the
// body shared by a log change and a snapshot entry.
func appendVersioned(b []byte, key string, v *core.VersionedValue) ([]byte, error) {
	if v.TTL < 0 {
		return b, fmt.Errorf("%w: negative ttl %v", core.ErrInvalidTTL, v.TTL)
	}
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	b = binary.AppendUvarint(b, v.Version)
	b = appendTime(b, v.Timestamp)
	b = binary.AppendUvarint(b, uint64(v.TTL))
	return v.Value.AppendBinary(b)
}

// uvarintLen is the length of u's shortest uvarint encoding.
func uvarintLen(u uint64) int { return max(1, (bits.Len64(u)+6)/7) }

// decoder reads fields off a byte slice; the first failure sticks.
type decoder struct {
	b   []byte
	bad string // what failed; "" while all is well
}

func (d *decoder) fail(what string) {
	if d.bad == "" {
		d.bad = what
	}
	d.b = nil
}

func (d *decoder) err(where string) error {
	if d.bad == "" {
		return nil
	}
	return fmt.Errorf("%w: %s: %s", core.ErrCorrupt, where, d.bad)
}

func (d *decoder) u8(what string) byte {
	if len(d.b) < 1 {
		d.fail("truncated " + what)
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) u64(what string) uint64 {
	if len(d.b) < 8 {
		d.fail("truncated " + what)
		return 0
	}
	u := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return u
}

func (d *decoder) uvarint(what string) uint64 {
	u, n := binary.Uvarint(d.b)
	if n <= 0 || n != uvarintLen(u) { // writers use the shortest form only
		d.fail("bad " + what)
		return 0
	}
	d.b = d.b[n:]
	return u
}

func (d *decoder) time(what string) time.Time {
	t, ok := decodeTime(d.b)
	if !ok {
		d.fail("bad " + what)
		return time.Time{}
	}
	d.b = d.b[timeLen:]
	return t
}

// lenBytes returns the next n bytes (sharing d's buffer), n read as a uvarint.
func (d *decoder) lenBytes(what string) []byte {
	n := d.uvarint(what + " length")
	if n > uint64(len(d.b)) {
		d.fail("truncated " + what)
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

// versioned reads what appendVersioned wrote.
func (d *decoder) versioned() (string, core.VersionedValue) {
	key := string(d.lenBytes("key"))
	var v core.VersionedValue
	v.Version = d.uvarint("value version")
	v.Timestamp = d.time("timestamp")
	ttl := d.uvarint("ttl")
	if ttl > math.MaxInt64 {
		d.fail("ttl out of range")
	}
	v.TTL = time.Duration(ttl)
	if d.bad != "" {
		return "", core.VersionedValue{}
	}
	val, n, err := core.DecodeValue(d.b)
	if err != nil {
		d.fail(err.Error())
		return "", core.VersionedValue{}
	}
	v.Value = val
	d.b = d.b[n:]
	return key, v
}
