package wal

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"

	"github.com/inmemdb/inmem/core"
)

// A segment file is named by the first version it holds, as 20 decimal
// digits and ".wal", and starts with a header:
//
//	magic "inmemWAL" | u32 format version | u32 flags (0) | u64 first version | u32 CRC-32C of the 24 bytes before
//
// followed by record frames.

const (
	segmentMagic   = "inmemWAL"
	segmentVersion = 1
	segmentHdrLen  = 28
	segmentExt     = ".wal"
	checkpointExt  = ".ckpt"
	tempExt        = ".tmp"
	lockName       = "LOCK"
	closedName     = "CLOSED"
)

func segmentName(first uint64) string { return fmt.Sprintf("%020d%s", first, segmentExt) }

func checkpointName(v uint64) string { return fmt.Sprintf("%020d%s", v, checkpointExt) }

// parseName returns the version a segment or checkpoint file name holds.
func parseName(name, ext string) (uint64, bool) {
	s, ok := strings.CutSuffix(name, ext)
	if !ok || len(s) != 20 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil
}

// FileKind is what a file of a log's directory is, told by its name
// (docs/format.md names them).
type FileKind int

// The kinds of the files of a log's directory.
const (
	FileOther          FileKind = iota // not a file of the log
	FileSegment                        // NNN.wal: a segment, named by its first version
	FileCheckpoint                     // NNN.ckpt: a checkpoint, named by its version
	FileCheckpointTemp                 // NNN.ckpt.tmp: a checkpoint being written, or left by a crash
	FileLock                           // LOCK: the lock of the process that holds the directory
	FileClosed                         // CLOSED: the marker of a log closed cleanly
)

// NameKind returns the kind of the file called name in a log's directory
// and, for a segment or a checkpoint (finished or not), the version its name
// holds. It reads only the name. Safe for concurrent use.
func NameKind(name string) (FileKind, uint64) {
	if v, ok := parseName(name, segmentExt); ok {
		return FileSegment, v
	}
	if v, ok := parseName(name, checkpointExt); ok {
		return FileCheckpoint, v
	}
	if base, ok := strings.CutSuffix(name, tempExt); ok {
		if v, ok := parseName(base, checkpointExt); ok {
			return FileCheckpointTemp, v
		}
	}
	switch name {
	case lockName:
		return FileLock, 0
	case closedName:
		return FileClosed, 0
	}
	return FileOther, 0
}

func appendSegmentHeader(b []byte, first uint64) []byte {
	start := len(b)
	b = append(b, segmentMagic...)
	b = binary.BigEndian.AppendUint32(b, segmentVersion)
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint64(b, first)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// checkSegmentHeader validates a segment header and returns the first version
// it names.
func checkSegmentHeader(b []byte) (uint64, error) {
	if len(b) < segmentHdrLen {
		return 0, fmt.Errorf("%w: segment header: %d bytes, want %d", core.ErrCorrupt, len(b), segmentHdrLen)
	}
	if string(b[:8]) != segmentMagic {
		return 0, fmt.Errorf("%w: segment header: bad magic %q", core.ErrCorrupt, b[:8])
	}
	if crc32.Checksum(b[:24], castagnoli) != binary.BigEndian.Uint32(b[24:]) {
		return 0, fmt.Errorf("%w: segment header: checksum mismatch", core.ErrCorrupt)
	}
	if v := binary.BigEndian.Uint32(b[8:]); v != segmentVersion {
		return 0, fmt.Errorf("%w: segment format version %d, this build reads %d", core.ErrCorrupt, v, segmentVersion)
	}
	if f := binary.BigEndian.Uint32(b[12:]); f != 0 {
		return 0, fmt.Errorf("%w: segment header: unknown flags %#x", core.ErrCorrupt, f)
	}
	return binary.BigEndian.Uint64(b[16:]), nil
}

// A segment that the log rotated away from ends with an end record: a frame
// whose payload is
//
//	u64 0 (no commit has version 0) | u64 the successor's first version
//
// written only once the successor exists on stable storage, so that a
// missing successor is damage, not a crash.

const endPayloadLen = 16

func appendEndRecord(b []byte, successor uint64) []byte {
	start := len(b)
	b = binary.BigEndian.AppendUint32(b, endPayloadLen)
	b = append(b, 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint64(b, 0)
	b = binary.BigEndian.AppendUint64(b, successor)
	crc := crc32.Update(0, castagnoli, b[start:start+4])
	crc = crc32.Update(crc, castagnoli, b[start+frameHeaderLen:])
	binary.BigEndian.PutUint32(b[start+4:], crc)
	return b
}

// The file CLOSED, written by Close once the log is synced and removed by
// the next Recover before the log takes writes, records the last version of
// a log closed cleanly, so that a log that ends before it is an error:
//
//	magic "inmemCLS" | u32 format version | u64 last version | u32 CRC-32C of the 20 bytes before

const (
	closedMagic   = "inmemCLS"
	closedVersion = 1
	closedLen     = 24
)

func appendClosed(b []byte, last uint64) []byte {
	start := len(b)
	b = append(b, closedMagic...)
	b = binary.BigEndian.AppendUint32(b, closedVersion)
	b = binary.BigEndian.AppendUint64(b, last)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// checkClosed validates a CLOSED file and returns the last version it names.
func checkClosed(b []byte) (uint64, error) {
	switch {
	case len(b) != closedLen || string(b[:8]) != closedMagic:
		return 0, fmt.Errorf("%w: %s: not a clean-close marker", core.ErrCorrupt, closedName)
	case crc32.Checksum(b[:20], castagnoli) != binary.BigEndian.Uint32(b[20:]):
		return 0, fmt.Errorf("%w: %s: checksum mismatch", core.ErrCorrupt, closedName)
	case binary.BigEndian.Uint32(b[8:]) != closedVersion:
		return 0, fmt.Errorf("%w: %s: format version %d, this build reads %d", core.ErrCorrupt, closedName, binary.BigEndian.Uint32(b[8:]), closedVersion)
	}
	return binary.BigEndian.Uint64(b[12:]), nil
}
