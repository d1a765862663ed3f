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
//	timestamp (12 bytes, instant)  ttl in ns (8 bytes BE)  value (value_codec.go)
//
// The deadline Timestamp+TTL is judged by the store's clock at nanosecond
// precision; etcd leases (whole seconds) are not used.
const (
	recordFormat    = 1
	recordHeaderLen = 1 + 8 + instantLen + 8
)

// ErrCorrupt is wrapped by the error a read returns when etcd holds bytes
// under the store's prefix that the store cannot have written.
var ErrCorrupt = errors.New("etcdstore: corrupt data under the store's prefix")

func encodeRecord(vv core.VersionedValue) ([]byte, error) {
	b := make([]byte, 0, recordHeaderLen+16)
	b = append(b, recordFormat)
	b = binary.BigEndian.AppendUint64(b, vv.Version)
	b = instantOf(vv.Timestamp).append(b)
	b = binary.BigEndian.AppendUint64(b, uint64(vv.TTL))
	return appendValue(b, vv.Value, 0)
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
	d := valueDecoder{b: b[recordHeaderLen:]}
	v, err := d.value(0)
	if err != nil {
		return core.VersionedValue{}, err
	}
	if len(d.b) != 0 {
		return core.VersionedValue{}, errors.New("trailing bytes")
	}
	vv.Value = v
	return vv, nil
}

// corrupt wraps ErrCorrupt with the etcd key and what was wrong.
func corrupt(key string, err error) error {
	return fmt.Errorf("%w: %q: %v", ErrCorrupt, key, err)
}

// expiryOf returns the instant vv expires at, and false when it never does.
func expiryOf(vv core.VersionedValue) (instant, bool) {
	at, ok := vv.ExpiresAt()
	if !ok {
		return instant{}, false
	}
	return instantOf(at), true
}
