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
