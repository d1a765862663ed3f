package etcdstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
)

// A record is the etcd value of a stored key (P/d/<encoded key>):
//
//	format (1 byte, recordFormat)  version (8 bytes BE)
//	timestamp (12 bytes, instant)  ttl in ns (8 bytes BE)
//	value (core's binary codec: core.Value.AppendBinary)
//
// The deadline Timestamp+TTL is judged by the store's clock at nanosecond
// precision; etcd leases (whole seconds) are not used.
const (
	recordFormat    = 1
	recordHeaderLen = 1 + 8 + instantLen + 8
)

// appendRecord appends the record of vv to dst. A value core's codec
// refuses (nested deeper than core.MaxValueDepth) is an error wrapping
// core.ErrInvalidValue.
func appendRecord(dst []byte, vv core.VersionedValue) ([]byte, error) {
	dst = append(dst, recordFormat)
	dst = binary.BigEndian.AppendUint64(dst, vv.Version)
	dst = instantOf(vv.Timestamp).append(dst)
	dst = binary.BigEndian.AppendUint64(dst, uint64(vv.TTL))
	out, err := vv.Value.AppendBinary(dst)
	if err != nil {
		return nil, fmt.Errorf("etcdstore: %w", err)
	}
	return out, nil
}

func decodeRecord(b []byte) (core.VersionedValue, error) {
	if len(b) < recordHeaderLen || b[0] != recordFormat {
		return core.VersionedValue{}, errors.New("bad record header")
	}
	var vv core.VersionedValue
	vv.Version = binary.BigEndian.Uint64(b[1:])
	ts, ok := decodeInstant(b[9:])
	if !ok {
		return core.VersionedValue{}, errors.New("bad timestamp")
	}
	vv.Timestamp = ts.time()
	vv.TTL = time.Duration(binary.BigEndian.Uint64(b[9+instantLen:]))
	if vv.TTL < 0 || vv.Version == 0 {
		return core.VersionedValue{}, errors.New("bad ttl or version")
	}
	if err := vv.Value.UnmarshalBinary(b[recordHeaderLen:]); err != nil {
		return core.VersionedValue{}, err
	}
	return vv, nil
}

// expiryOf returns the instant vv expires at, and false when it never does.
func expiryOf(vv core.VersionedValue) (instant, bool) {
	at, ok := vv.ExpiresAt()
	if !ok {
		return instant{}, false
	}
	return instantOf(at), true
}
