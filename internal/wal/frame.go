package wal

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/inmemdb/inmem/core"
)

// A log record is framed as
//
//	u32 payload length | u32 CRC-32C of (length field, payload) | payload
//
// and its payload is
//
//	u64 version | time | uvarint change count | changes
//
// each change being
//
//	u8 op | uvarint key length, key | uvarint value version | time | uvarint ttl | value

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

const (
	frameHeaderLen = 8
	// minPayloadLen is the smallest frame payload: an end record's. A
	// commit's is at least 8 + timeLen + 1 bytes (version, time, count 0).
	minPayloadLen = endPayloadLen
	// MaxRecordSize is the largest record payload the log writes or reads.
	MaxRecordSize = 1 << 30
	// MaxEntrySize is the most an entry's key and binary-encoded value may
	// hold together: the largest such pair that a record of one change and
	// a snapshot block of one entry can both hold. It is MaxRecordSize less
	// maxEntryOverhead, which bounds everything else a one-change record
	// holds (version, time, count, op, the key's length, the value's
	// version, time and TTL); a snapshot entry holds less.
	MaxEntrySize     = MaxRecordSize - maxEntryOverhead
	maxEntryOverhead = 8 + timeLen + 1 + 1 + binary.MaxVarintLen32 + binary.MaxVarintLen64 + timeLen + binary.MaxVarintLen64
)

// appendRecord appends r's frame to b. On error b is returned unchanged in
// length (its spare capacity may have been written).
func appendRecord(b []byte, r *Record) ([]byte, error) {
	start := len(b)
	b = append(b, make([]byte, frameHeaderLen)...)
	b = binary.BigEndian.AppendUint64(b, r.Version)
	b = appendTime(b, r.Time)
	b = binary.AppendUvarint(b, uint64(len(r.Changes)))
	for i := range r.Changes {
		c := &r.Changes[i]
		if c.Op < core.ChangePut || c.Op > core.ChangeExpire {
			return b[:start], fmt.Errorf("%w: change %d of version %d: unknown op %d", ErrInvalid, i, r.Version, c.Op)
		}
		b = append(b, byte(c.Op))
		var err error
		if b, err = appendVersioned(b, c.Key, &c.Value); err != nil {
			return b[:start], err
		}
	}
	n := len(b) - start - frameHeaderLen
	if n > MaxRecordSize {
		return b[:start], fmt.Errorf("%w: record of version %d is %d bytes, over %d", core.ErrTooLarge, r.Version, n, MaxRecordSize)
	}
	binary.BigEndian.PutUint32(b[start:], uint32(n))
	crc := crc32.Update(0, castagnoli, b[start:start+4])
	crc = crc32.Update(crc, castagnoli, b[start+frameHeaderLen:])
	binary.BigEndian.PutUint32(b[start+4:], crc)
	return b, nil
}

// frameStatus is what checkFrame found at an offset.
type frameStatus int

const (
	frameOK        frameStatus = iota
	frameShort                 // fewer bytes than the frame needs: torn
	frameBadLength             // a length no writer produces
	frameBadCRC                // the checksum does not match
)

// checkFrame checks the frame at the start of b and returns its payload.
func checkFrame(b []byte) ([]byte, frameStatus) {
	if len(b) < frameHeaderLen {
		return nil, frameShort
	}
	n := binary.BigEndian.Uint32(b)
	if n < minPayloadLen || n > MaxRecordSize {
		return nil, frameBadLength
	}
	if uint64(len(b)-frameHeaderLen) < uint64(n) {
		return nil, frameShort
	}
	payload := b[frameHeaderLen : frameHeaderLen+int(n)]
	crc := crc32.Update(0, castagnoli, b[:4])
	crc = crc32.Update(crc, castagnoli, payload)
	if crc != binary.BigEndian.Uint32(b[4:]) {
		return nil, frameBadCRC
	}
	return payload, frameOK
}

// payloadVersion returns the version a payload starts with.
func payloadVersion(p []byte) uint64 { return binary.BigEndian.Uint64(p) }

// decodeRecord decodes a payload into r, reusing r.Changes' backing array.
func decodeRecord(p []byte, r *Record) error {
	d := decoder{b: p}
	r.Version = d.u64("version")
	r.Time = d.time("commit time")
	count := d.uvarint("change count")
	// Every change takes at least 1+1+1+timeLen+1+1 bytes.
	if count > uint64(len(d.b))/(5+timeLen) {
		d.fail("change count past the payload")
	}
	r.Changes = r.Changes[:0]
	for i := uint64(0); i < count && d.bad == ""; i++ {
		op := core.ChangeOp(d.u8("op"))
		if op < core.ChangePut || op > core.ChangeExpire {
			d.fail(fmt.Sprintf("unknown op %d", op))
			break
		}
		key, v := d.versioned()
		r.Changes = append(r.Changes, Change{Key: key, Op: op, Value: v})
	}
	if d.bad == "" && len(d.b) != 0 {
		d.fail(fmt.Sprintf("%d bytes after the last change", len(d.b)))
	}
	return d.err(fmt.Sprintf("record of version %d", r.Version))
}
