package wal

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Mark is a named counter a snapshot stream carries beside its entries. The
// store keeps one per event log whose newest events were removed: the
// highest sequence the log has used (Key: the log's encoded namespace and
// type), so that a store restored from the stream never hands a sequence out
// again. A plain value.
type Mark struct {
	Key string
	Seq uint64
}

// Format version 2 of the snapshot stream adds mark blocks after the entry
// blocks, before the trailer:
//
//	'M' | u32 payload length | u32 mark count | payload | u32 CRC-32C of the block's bytes before it
//
// the payload holding count marks, each uvarint key length, key | uvarint
// seq, in strictly increasing key order across the blocks. A stream without
// marks is written as version 1; a reader takes both.
const (
	snapshotVersionMarks = 2
	blockMarks           = 'M'
)

// checkMarks refuses marks a reader would refuse: keys out of order or
// repeated, or longer than a block holds.
func checkMarks(marks []Mark) error {
	for i := range marks {
		if i > 0 && marks[i].Key <= marks[i-1].Key {
			return fmt.Errorf("%w: mark %q out of order (after %q)", ErrInvalid, marks[i].Key, marks[i-1].Key)
		}
		if len(marks[i].Key) > maxBlockLen/2 {
			return fmt.Errorf("%w: a mark key of %d bytes", ErrInvalid, len(marks[i].Key))
		}
	}
	return nil
}

// writeMarks writes marks in blocks of about blockTarget bytes, using buf,
// which it returns for reuse.
func writeMarks(sw *snapshotWriter, buf []byte, marks []Mark) ([]byte, error) {
	buf = startBlock(buf[:0])
	count := uint64(0)
	flush := func() error {
		b := buf
		b[0] = blockMarks
		binary.BigEndian.PutUint32(b[1:], uint32(len(b)-blockHdrLen))
		binary.BigEndian.PutUint32(b[5:], uint32(count))
		b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
		err := sw.write(b)
		buf, count = startBlock(b[:0]), 0
		return err
	}
	for _, m := range marks {
		buf = binary.AppendUvarint(buf, uint64(len(m.Key)))
		buf = append(buf, m.Key...)
		buf = binary.AppendUvarint(buf, m.Seq)
		count++
		if len(buf)-blockHdrLen >= blockTarget {
			if err := flush(); err != nil {
				return buf, err
			}
		}
	}
	if count > 0 {
		if err := flush(); err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// marks reads a mark block, its kind byte read, and appends its marks to
// ms, checking that they continue its key order.
func (sr *snapshotReader) marks(ms []Mark) ([]Mark, error) {
	var hdr [blockHdrLen]byte
	hdr[0] = blockMarks
	b, err := sr.read(8, "mark block header")
	if err != nil {
		return ms, err
	}
	copy(hdr[1:], b)
	n := binary.BigEndian.Uint32(hdr[1:])
	count := binary.BigEndian.Uint32(hdr[5:])
	if n == 0 || n > maxBlockLen || count == 0 || count > n/2 {
		return ms, snapCorrupt("bad mark block header (length %d, count %d) after %d marks", n, count, len(ms))
	}
	payload, err := sr.readLarge(int(n), "mark block")
	if err != nil {
		return ms, err
	}
	crc := crc32.Update(crc32.Checksum(hdr[:], castagnoli), castagnoli, payload)
	if b, err = sr.read(4, "mark block checksum"); err != nil {
		return ms, err
	}
	if binary.BigEndian.Uint32(b) != crc {
		return ms, snapCorrupt("mark block checksum mismatch after %d marks", len(ms))
	}
	d := decoder{b: payload}
	for range count {
		key := d.lenBytes("mark key")
		seq := d.uvarint("mark seq")
		if d.bad != "" {
			return ms, snapCorrupt("mark: %s", d.bad)
		}
		if len(ms) > 0 && string(key) <= ms[len(ms)-1].Key {
			return ms, snapCorrupt("mark %q out of order (after %q)", key, ms[len(ms)-1].Key)
		}
		ms = append(ms, Mark{Key: string(key), Seq: seq})
	}
	if len(d.b) != 0 {
		return ms, snapCorrupt("%d bytes after a mark block's last mark", len(d.b))
	}
	return ms, nil
}
