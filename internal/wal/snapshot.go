package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"iter"
	"strconv"
	"time"

	"github.com/inmemdb/inmem/core"
)

// The snapshot format, shared by checkpoint files and backup streams:
//
//	header:  magic "inmemSNP" | u32 format version | u32 body length | body | u32 CRC-32C of all header bytes before it
//	body:    u64 store version | time snapshot | time created | u8 creator length | creator
//	blocks:  'B' | u32 payload length | u32 entry count | payload (entries) | u32 CRC-32C of the block's bytes before it
//	marks:   'M' | u32 payload length | u32 mark count | payload (marks) | u32 CRC-32C of the block's bytes before it
//	trailer: 'T' | u64 entry count | u32 CRC-32C of every stream byte before this field
//
// An entry is uvarint key length, key | uvarint value version | time |
// uvarint ttl | value, as in a log change. Mark blocks (snapshot_marks.go)
// follow the entry blocks in format version 2 only; a stream without marks
// is written as version 1, byte for byte as before marks existed.

const (
	snapshotMagic   = "inmemSNP"
	snapshotVersion = 1 // a stream without marks
	maxHeaderBody   = 8 + 2*timeLen + 1 + 255
	blockEntries    = 'B'
	blockTrailer    = 'T'
	blockHdrLen     = 9
	// blockTarget is the payload size at which the writer closes a block.
	blockTarget = 64 << 10
	// maxBlockLen bounds a block payload: one entry may fill a block alone.
	maxBlockLen = MaxRecordSize
)

// SnapshotHeader describes a snapshot stream. A plain value.
type SnapshotHeader struct {
	Version uint64    // the store version the snapshot holds the state of
	Time    time.Time // the snapshot's time: the commit time of Version
	Created time.Time // when the stream was written
	Creator string    // what wrote it (free text, at most 255 bytes)
	// Marks are the named counters the stream carries beside its entries,
	// in strictly increasing key order (format version 2; none in version
	// 1). ReadSnapshot returns them; a checkpoint's are in the header that
	// Recover passes to its load callback.
	Marks []Mark
}

// WriteSnapshot writes h and every entry of entries to w in the snapshot
// format and returns the number of bytes written. Every entry's value version
// must be at most h.Version. Memory use is constant: entries are framed in
// blocks of about 64 KiB, each passed to w in one Write call. On error the
// stream written so far is incomplete and any reader refuses it. Safe for
// concurrent use with different writers.
func WriteSnapshot(w io.Writer, h SnapshotHeader, entries iter.Seq[Entry]) (int64, error) {
	if w == nil {
		return 0, fmt.Errorf("%w: nil writer", ErrInvalid)
	}
	if len(h.Creator) > 255 {
		return 0, fmt.Errorf("%w: creator %q longer than 255 bytes", ErrInvalid, h.Creator)
	}
	if err := checkMarks(h.Marks); err != nil {
		return 0, err
	}
	sw := snapshotWriter{w: w, crc: crc32.New(castagnoli)}
	buf := appendSnapshotHeader(make([]byte, 0, blockTarget+blockTarget/4), &h)
	if err := sw.write(buf); err != nil {
		return sw.n, err
	}
	buf = startBlock(buf[:0])
	var count, blockCount uint64
	var err error
	if entries != nil {
		for e := range entries {
			if e.Value.Version > h.Version {
				err = fmt.Errorf("%w: entry of version %d in a snapshot at version %d", ErrInvalid, e.Value.Version, h.Version)
				break
			}
			mark := len(buf)
			if buf, err = appendVersioned(buf, e.Key, &e.Value); err != nil {
				break
			}
			if len(buf)-blockHdrLen > maxBlockLen {
				if blockCount > 0 { // close the block before this entry, retry alone
					entry := append([]byte(nil), buf[mark:]...)
					if err = sw.write(finishBlock(buf[:mark], blockCount)); err != nil {
						break
					}
					buf = append(startBlock(buf[:0]), entry...)
					blockCount = 0
				}
				if len(buf)-blockHdrLen > maxBlockLen {
					err = fmt.Errorf("%w: entry %s is %d bytes, over %d", core.ErrTooLarge, keyName(e.Key), len(buf)-blockHdrLen, maxBlockLen)
					break
				}
			}
			count++
			blockCount++
			if len(buf)-blockHdrLen >= blockTarget {
				if err = sw.write(finishBlock(buf, blockCount)); err != nil {
					break
				}
				buf, blockCount = startBlock(buf[:0]), 0
			}
		}
	}
	if err != nil {
		return sw.n, err
	}
	if blockCount > 0 {
		if err := sw.write(finishBlock(buf, blockCount)); err != nil {
			return sw.n, err
		}
	}
	if buf, err = writeMarks(&sw, buf, h.Marks); err != nil {
		return sw.n, err
	}
	buf = append(buf[:0], blockTrailer)
	buf = binary.BigEndian.AppendUint64(buf, count)
	sw.crc.Write(buf)
	buf = binary.BigEndian.AppendUint32(buf, sw.crc.Sum32())
	err = sw.write(buf)
	return sw.n, err
}

type snapshotWriter struct {
	w   io.Writer
	crc hash.Hash32
	n   int64
}

func (sw *snapshotWriter) write(b []byte) error {
	n, err := sw.w.Write(b)
	sw.n += int64(n)
	if err == nil && n != len(b) {
		err = io.ErrShortWrite
	}
	sw.crc.Write(b[:n])
	return err
}

func appendSnapshotHeader(b []byte, h *SnapshotHeader) []byte {
	b = append(b, snapshotMagic...)
	version := uint32(snapshotVersion)
	if len(h.Marks) > 0 {
		version = snapshotVersionMarks
	}
	b = binary.BigEndian.AppendUint32(b, version)
	bodyLen := 8 + 2*timeLen + 1 + len(h.Creator)
	b = binary.BigEndian.AppendUint32(b, uint32(bodyLen))
	b = binary.BigEndian.AppendUint64(b, h.Version)
	b = appendTime(b, h.Time)
	b = appendTime(b, h.Created)
	b = append(b, byte(len(h.Creator)))
	b = append(b, h.Creator...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// startBlock reserves a block's header; finishBlock fills it and appends the
// block checksum.
func startBlock(b []byte) []byte { return append(b, make([]byte, blockHdrLen)...) }

func finishBlock(b []byte, count uint64) []byte {
	b[0] = blockEntries
	binary.BigEndian.PutUint32(b[1:], uint32(len(b)-blockHdrLen))
	binary.BigEndian.PutUint32(b[5:], uint32(count))
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// ReadSnapshot reads a snapshot stream from r, checking every checksum, and
// calls fn (which may be nil) for each entry in stream order. It returns the
// header once the trailer has been read and checked. Entries reach fn before
// the end of the stream is verified, so a caller that must not act on a
// damaged stream keeps what fn receives aside until ReadSnapshot returns nil.
// A truncated or damaged stream gets an error wrapping core.ErrCorrupt; an
// error from fn is returned as it is. ReadSnapshot reads no byte past the
// trailer. Memory use is bounded by the largest block. Safe for concurrent use
// with different readers.
func ReadSnapshot(r io.Reader, fn func(Entry) error) (SnapshotHeader, error) {
	return readSnapshot(r, fn, true)
}

// snapshotReader reads exact byte counts and checksums all it reads.
type snapshotReader struct {
	r       io.Reader
	crc     uint32 // of every byte read so far
	small   [maxHeaderBody]byte
	version uint32 // the stream's format version
	buf     []byte // block payloads
}

func truncated(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: snapshot: truncated %s", core.ErrCorrupt, what)
	}
	return fmt.Errorf("snapshot: reading %s: %w", what, err)
}

// read reads n <= maxHeaderBody bytes into the small buffer.
func (sr *snapshotReader) read(n int, what string) ([]byte, error) {
	b := sr.small[:n]
	if _, err := io.ReadFull(sr.r, b); err != nil {
		return nil, truncated(err, what)
	}
	sr.crc = crc32.Update(sr.crc, castagnoli, b)
	return b, nil
}

// readLarge reads n bytes into the block buffer, growing it as data arrives,
// so that a damaged length cannot make the reader allocate much more than the
// stream holds.
func (sr *snapshotReader) readLarge(n int, what string) ([]byte, error) {
	const step = 1 << 20
	b := sr.buf[:0]
	for len(b) < n {
		k := min(n-len(b), max(step, len(b)))
		if cap(b)-len(b) < k {
			b = append(b, make([]byte, k)...)[:len(b)]
		}
		chunk := b[len(b) : len(b)+k]
		if _, err := io.ReadFull(sr.r, chunk); err != nil {
			return nil, truncated(err, what)
		}
		sr.crc = crc32.Update(sr.crc, castagnoli, chunk)
		b = b[:len(b)+k]
	}
	sr.buf = b
	return b, nil
}

func snapCorrupt(format string, args ...any) error {
	return fmt.Errorf("%w: snapshot: "+format, append([]any{core.ErrCorrupt}, args...)...)
}

// readSnapshot is ReadSnapshot; with decode false it checks the framing and
// the checksums only.
func readSnapshot(r io.Reader, fn func(Entry) error, decode bool) (SnapshotHeader, error) {
	if r == nil {
		return SnapshotHeader{}, fmt.Errorf("%w: nil reader", ErrInvalid)
	}
	sr := snapshotReader{r: r}
	h, err := sr.header()
	if err != nil {
		return SnapshotHeader{}, err
	}
	var total uint64
	for {
		b, err := sr.read(1, "block")
		if err != nil {
			return SnapshotHeader{}, err
		}
		switch {
		case b[0] == blockTrailer:
			return h, sr.trailer(total)
		case b[0] == blockMarks && sr.version >= snapshotVersionMarks:
			if h.Marks, err = sr.marks(h.Marks); err != nil {
				return SnapshotHeader{}, err
			}
			continue
		case b[0] == blockEntries && len(h.Marks) == 0:
		default:
			return SnapshotHeader{}, snapCorrupt("unexpected block kind %#x after %d entries and %d marks (format version %d)", b[0], total, len(h.Marks), sr.version)
		}
		var hdr [blockHdrLen]byte
		hdr[0] = blockEntries
		if b, err = sr.read(8, "block header"); err != nil {
			return SnapshotHeader{}, err
		}
		copy(hdr[1:], b)
		n := binary.BigEndian.Uint32(hdr[1:])
		count := binary.BigEndian.Uint32(hdr[5:])
		if n == 0 || n > maxBlockLen || count == 0 || count > n {
			return SnapshotHeader{}, snapCorrupt("bad block header (length %d, count %d) after %d entries", n, count, total)
		}
		payload, err := sr.readLarge(int(n), "block")
		if err != nil {
			return SnapshotHeader{}, err
		}
		crc := crc32.Update(crc32.Checksum(hdr[:], castagnoli), castagnoli, payload)
		if b, err = sr.read(4, "block checksum"); err != nil {
			return SnapshotHeader{}, err
		}
		if binary.BigEndian.Uint32(b) != crc {
			return SnapshotHeader{}, snapCorrupt("block checksum mismatch after %d entries", total)
		}
		if decode {
			if err := decodeBlock(payload, count, h.Version, fn); err != nil {
				return SnapshotHeader{}, err
			}
		}
		total += uint64(count)
	}
}

func (sr *snapshotReader) header() (SnapshotHeader, error) {
	var h SnapshotHeader
	b, err := sr.read(16, "header")
	if err != nil {
		return h, err
	}
	if string(b[:8]) != snapshotMagic {
		return h, snapCorrupt("bad magic %q", b[:8])
	}
	sr.version = binary.BigEndian.Uint32(b[8:])
	if sr.version != snapshotVersion && sr.version != snapshotVersionMarks {
		return h, snapCorrupt("format version %d, this build reads %d and %d", sr.version, snapshotVersion, snapshotVersionMarks)
	}
	bodyLen := binary.BigEndian.Uint32(b[12:])
	if bodyLen < maxHeaderBody-255 || bodyLen > maxHeaderBody {
		return h, snapCorrupt("header length %d", bodyLen)
	}
	if b, err = sr.read(int(bodyLen), "header"); err != nil {
		return h, err
	}
	d := decoder{b: b}
	h.Version = d.u64("version")
	h.Time = d.time("snapshot time")
	h.Created = d.time("creation time")
	n := int(d.u8("creator length"))
	if d.bad == "" && n != len(d.b) {
		d.fail("header length mismatch")
	}
	if d.bad != "" {
		return SnapshotHeader{}, snapCorrupt("header: %s", d.bad)
	}
	h.Creator = string(d.b)
	want := sr.crc
	if b, err = sr.read(4, "header checksum"); err != nil {
		return SnapshotHeader{}, err
	}
	if binary.BigEndian.Uint32(b) != want {
		return SnapshotHeader{}, snapCorrupt("header checksum mismatch")
	}
	return h, nil
}

func (sr *snapshotReader) trailer(total uint64) error {
	b, err := sr.read(8, "trailer")
	if err != nil {
		return err
	}
	n := binary.BigEndian.Uint64(b)
	want := sr.crc
	if b, err = sr.read(4, "trailer checksum"); err != nil {
		return err
	}
	if binary.BigEndian.Uint32(b) != want {
		return snapCorrupt("stream checksum mismatch")
	}
	if n != total {
		return snapCorrupt("trailer counts %d entries, the stream holds %d", n, total)
	}
	return nil
}

// decodeBlock decodes count entries from a block payload and passes them to
// fn.
func decodeBlock(p []byte, count uint32, version uint64, fn func(Entry) error) error {
	d := decoder{b: p}
	for i := uint32(0); i < count; i++ {
		key, v := d.versioned()
		if d.bad != "" {
			return snapCorrupt("entry: %s", d.bad)
		}
		if v.Version > version {
			return snapCorrupt("entry %s of version %d in a snapshot at version %d", keyName(key), v.Version, version)
		}
		if fn != nil {
			if err := fn(Entry{Key: key, Value: v}); err != nil {
				return err
			}
		}
	}
	if len(d.b) != 0 {
		return snapCorrupt("%d bytes after a block's last entry", len(d.b))
	}
	return nil
}

// keyName names an entry's key in an error: as core.Key.String prints it
// when it is a key encoding, else quoted.
func keyName(key string) string {
	if k, err := core.DecodeKey([]byte(key)); err == nil {
		return k.String()
	}
	return strconv.Quote(key)
}
