package wal

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
)

// TestFrameShorterThanAnyRecord: a frame whose length is below the smallest
// payload, with a checksum that matches, is a bad record length (a torn tail
// at the end of the last segment), not a payload read past its end.
func TestFrameShorterThanAnyRecord(t *testing.T) {
	for _, n := range []int{0, 4, 8, endPayloadLen - 1} {
		dir := t.TempDir()
		seg := appendSegmentHeader(nil, 1)
		frame := binary.BigEndian.AppendUint32(nil, uint32(n))
		payload := make([]byte, n)
		crc := crc32.Update(crc32.Checksum(frame, castagnoli), castagnoli, payload)
		frame = binary.BigEndian.AppendUint32(frame, crc)
		seg = append(append(seg, frame...), payload...)
		if err := os.WriteFile(filepath.Join(dir, segmentName(1)), seg, 0o644); err != nil {
			t.Fatal(err)
		}
		l, got, err := openRecover(dir, Options{})
		if err != nil {
			t.Fatalf("a %d-byte frame: %v", n, err)
		}
		l.Close()
		if got.report.TornReason != "bad record length" || got.report.TornBytes != int64(frameHeaderLen+n) || len(got.records) != 0 {
			t.Fatalf("a %d-byte frame: report %+v", n, got.report)
		}
	}
}

// TestMiddleSegmentPartialHeader: a segment in the middle of the log cut to
// part of its header is damage, not a crash leftover: recovery fails and
// changes nothing (else every later segment would be dropped), whether or
// not the segment before names it (a crash while rotating leaves it
// unnamed).
func TestMiddleSegmentPartialHeader(t *testing.T) {
	recs := genRecords(90, 1, 30)
	src, segs := buildLog(t, recs, 1<<10)
	if len(segs) < 3 {
		t.Fatalf("segments %v", segs)
	}
	orig := readDir(t, src)
	dir := t.TempDir()
	for _, named := range []bool{true, false} {
		resetDir(t, dir, orig)
		if !named {
			p := filepath.Join(dir, segs[0])
			fi, _ := os.Stat(p)
			os.Truncate(p, fi.Size()-frameHeaderLen-endPayloadLen)
		}
		if err := os.Truncate(filepath.Join(dir, segs[1]), 10); err != nil {
			t.Fatal(err)
		}
		before := snapshotDir(t, dir)
		_, _, err := openRecover(dir, Options{})
		mustCorrupt(t, err, fmt.Sprintf("a middle segment cut to 10 bytes (named %v)", named))
		if !equalDirs(before, snapshotDir(t, dir)) {
			t.Fatal("the refused recovery changed the directory")
		}
	}
}

// TestLastSegmentDamagedHeader: a last segment exactly a header long, every
// byte damaged, that no end record names, is what a crash while creating it
// leaves: a torn tail, removed and reported. Named by the segment before, or
// one byte longer, it is damage.
func TestLastSegmentDamagedHeader(t *testing.T) {
	recs := genRecords(91, 1, 8)
	for _, c := range []struct {
		name    string
		size    int
		named   bool
		corrupt bool
	}{
		{"header-long, not named", segmentHdrLen, false, false},
		{"shorter, not named", segmentHdrLen - 1, false, false},
		{"one byte longer", segmentHdrLen + 1, false, true},
		{"header-long, named", segmentHdrLen, true, true},
	} {
		dir := t.TempDir()
		l, _ := mustOpen(t, dir, Options{Sync: SyncNone})
		appendAll(t, l, recs, 2)
		l.Close()
		os.Remove(filepath.Join(dir, closedName))
		if c.named {
			f, _ := os.OpenFile(filepath.Join(dir, segmentName(1)), os.O_WRONLY|os.O_APPEND, 0)
			f.Write(appendEndRecord(nil, 9))
			f.Close()
		}
		garbage := make([]byte, c.size)
		for i := range garbage {
			garbage[i] = byte(0xA5 ^ i)
		}
		os.WriteFile(filepath.Join(dir, segmentName(9)), garbage, 0o644)
		l, got, err := openRecover(dir, Options{})
		if c.corrupt {
			mustCorrupt(t, err, c.name)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		l.Close()
		checkRecords(t, got.records, recs)
		if got.report.TornBytes != int64(c.size) || got.report.TornAt != segmentName(9)+"@0" {
			t.Fatalf("%s: report %+v", c.name, got.report)
		}
		if _, err := os.Stat(filepath.Join(dir, segmentName(9))); !os.IsNotExist(err) {
			t.Fatalf("%s: the torn segment is still there", c.name)
		}
	}
}

// TestLogStartsPastCheckpoint: with a segment per write, removing the first
// segment after the checkpoint leaves a log that starts at checkpoint+2: one
// version would be lost, so recovery fails.
func TestLogStartsPastCheckpoint(t *testing.T) {
	dir := t.TempDir()
	l, _ := mustOpen(t, dir, Options{SegmentSize: 1, Sync: SyncNone})
	recs := genRecords(92, 1, 10)
	appendAll(t, l, recs, 1)
	if err := l.WriteCheckpoint(5, epoch, nil); err != nil {
		t.Fatal(err)
	}
	l.Close()
	segs := files(t, dir, segmentExt)
	if segs[0] != segmentName(6) {
		t.Fatalf("segments after the checkpoint: %v", segs)
	}
	os.Remove(filepath.Join(dir, closedName))
	os.Remove(filepath.Join(dir, segs[0]))
	before := snapshotDir(t, dir)
	_, _, err := openRecover(dir, Options{})
	mustCorrupt(t, err, "a log starting two versions after its checkpoint")
	if !equalDirs(before, snapshotDir(t, dir)) {
		t.Fatal("the refused recovery changed the directory")
	}
}

// TestLastNanosecond: a time with 999,999,999 nanoseconds, the most a time
// field holds, round-trips through a record and a snapshot.
func TestLastNanosecond(t *testing.T) {
	at := time.Date(2026, 5, 6, 7, 8, 9, 999_999_999, time.UTC)
	rec := Record{Version: 1, Time: at, Changes: []Change{{Key: "k", Op: 1, Value: core.VersionedValue{Value: core.NullValue(), Version: 1, Timestamp: at}}}}
	b, err := appendRecord(nil, &rec)
	if err != nil {
		t.Fatal(err)
	}
	var got Record
	if err := decodeRecord(b[frameHeaderLen:], &got); err != nil {
		t.Fatalf("a record at the last nanosecond: %v", err)
	}
	if !got.Time.Equal(at) || !got.Changes[0].Value.Timestamp.Equal(at) {
		t.Fatalf("times %v, %v, want %v", got.Time, got.Changes[0].Value.Timestamp, at)
	}
	h, _, err := readSnap(writeSnap(t, SnapshotHeader{Version: 1, Time: at, Created: at}, nil))
	if err != nil || !h.Time.Equal(at) || !h.Created.Equal(at) {
		t.Fatalf("snapshot header at the last nanosecond: %+v, %v", h, err)
	}
	// One more is out of range.
	bad := appendTime(nil, at)
	binary.BigEndian.PutUint32(bad[8:], 1_000_000_000)
	if _, ok := decodeTime(bad); ok {
		t.Fatal("1e9 nanoseconds accepted")
	}
}

// TestMissingSuccessor: after a crash, a last segment that ends naming its
// successor means the successor is missing: an error, not silent loss. A
// middle segment's end record cut short (a crash while rotating) is not.
func TestMissingSuccessor(t *testing.T) {
	recs := genRecords(93, 1, 30)
	dir, segs := buildLog(t, recs, 1<<10)
	orig := readDir(t, dir)
	os.Remove(filepath.Join(dir, segs[len(segs)-1]))
	before := snapshotDir(t, dir)
	_, _, err := openRecover(dir, Options{})
	mustCorrupt(t, err, "the last segment missing")
	if !equalDirs(before, snapshotDir(t, dir)) {
		t.Fatal("the refused recovery changed the directory")
	}

	for cut := 1; cut <= frameHeaderLen+endPayloadLen; cut++ {
		resetDir(t, dir, orig)
		p := filepath.Join(dir, segs[1])
		fi, _ := os.Stat(p)
		os.Truncate(p, fi.Size()-int64(cut))
		l, got, err := openRecover(dir, Options{})
		if err != nil {
			t.Fatalf("end record of a middle segment cut by %d bytes: %v", cut, err)
		}
		l.Close()
		checkRecords(t, got.records, recs)
	}
	// An end record naming the wrong successor, or with bytes after it.
	for name, damage := range map[string][]byte{
		"wrong successor": appendEndRecord(nil, 12345),
		"bytes after":     append(appendEndRecord(nil, 0), 1, 2, 3),
	} {
		resetDir(t, dir, orig)
		p := filepath.Join(dir, segs[1])
		b, _ := os.ReadFile(p)
		b = b[:len(b)-frameHeaderLen-endPayloadLen]
		next, _ := parseName(segs[2], segmentExt)
		if name == "bytes after" {
			damage = append(appendEndRecord(nil, next), 1, 2, 3)
		}
		os.WriteFile(p, append(b, damage...), 0o644)
		_, _, err := openRecover(dir, Options{})
		mustCorrupt(t, err, name)
	}
}
