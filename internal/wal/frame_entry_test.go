package wal

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// Everything but the key and the encoded value in a record of one change —
// at the longest version, time and TTL, and with a key length's varint as
// long as an entry of MaxEntrySize needs — fits maxEntryOverhead, so an
// entry of MaxEntrySize fits a record, and a snapshot block (whose entries
// hold less).
func TestMaxEntrySizeFitsARecordAndABlock(t *testing.T) {
	key := "k"
	v := core.StringValue("v")
	m, err := v.Measure()
	require.NoError(t, err)
	vv := core.VersionedValue{Value: v, Version: math.MaxUint64, Timestamp: time.Unix(math.MaxInt64/2, 999_999_999), TTL: math.MaxInt64}
	r := Record{Version: math.MaxUint64, Time: vv.Timestamp, Changes: []Change{{Key: key, Op: core.ChangePut, Value: vv}}}
	b, err := appendRecord(nil, &r)
	require.NoError(t, err)
	payload := len(b) - frameHeaderLen
	// The key length's varint of a key near MaxEntrySize.
	longKeyLen := binary.PutUvarint(make([]byte, binary.MaxVarintLen64), MaxEntrySize)
	overhead := payload - len(key) - m.Encoded - 1 + longKeyLen
	require.LessOrEqual(t, overhead, maxEntryOverhead)
	require.Equal(t, 59, maxEntryOverhead, "docs/format.md says 59")
	require.LessOrEqual(t, MaxEntrySize+overhead, MaxRecordSize)

	entry, err := appendVersioned(nil, key, &vv)
	require.NoError(t, err)
	require.LessOrEqual(t, len(entry)-len(key)-m.Encoded-1+longKeyLen, maxEntryOverhead)
}
