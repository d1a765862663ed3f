package wal

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	l, _ := mustOpen(t, dir, Options{SegmentSize: 1 << 10})
	recs := genRecords(10, 1, 120)
	appendAll(t, l, recs[:80], 4)
	before := len(files(t, dir, segmentExt))
	entries := genEntries(11, 500, 60)
	if err := l.WriteCheckpoint(60, epoch, slices.Values(entries)); err != nil {
		t.Fatal(err)
	}
	// Segments holding only versions <= 60 are gone; the one holding 61 stays.
	segs := files(t, dir, segmentExt)
	if len(segs) >= before || len(segs) == 0 {
		t.Fatalf("segments %d before, %v after", before, segs)
	}
	first, _ := parseName(segs[0], segmentExt)
	if first > 61 {
		t.Fatalf("first segment %s no longer holds version 61", segs[0])
	}
	appendAll(t, l, recs[80:], 4)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, got := mustOpen(t, dir, Options{SegmentSize: 1 << 10})
	if got.header == nil || got.header.Version != 60 || !got.header.Time.Equal(epoch) {
		t.Fatalf("checkpoint header %+v", got.header)
	}
	if len(got.entries) != len(entries) {
		t.Fatalf("%d entries, want %d", len(got.entries), len(entries))
	}
	for i := range entries {
		if got.entries[i].Key != entries[i].Key || !equalVersioned(got.entries[i].Value, entries[i].Value) {
			t.Fatalf("entry %d: %+v, want %+v", i, got.entries[i], entries[i])
		}
	}
	checkRecords(t, got.records, recs[60:])
	if got.report.CheckpointVersion != 60 || got.report.LastVersion != 120 {
		t.Fatalf("report %+v", got.report)
	}

	// A checkpoint at the last version drops every segment but the active
	// one, which the log goes on in, and the older checkpoint.
	active := files(t, dir, segmentExt)
	active = active[len(active)-1:]
	if err := l.WriteCheckpoint(120, epoch, slices.Values(entries[:3])); err != nil {
		t.Fatal(err)
	}
	if segs := files(t, dir, segmentExt); !slices.Equal(segs, active) || l.Size() == 0 {
		t.Fatalf("segments %v, size %d after a checkpoint at the last version; want %v", segs, l.Size(), active)
	}
	if c := files(t, dir, checkpointExt); !slices.Equal(c, []string{checkpointName(120)}) {
		t.Fatalf("checkpoints %v", c)
	}
	more := genRecords(12, 121, 10)
	appendAll(t, l, more, 2)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if segs := files(t, dir, segmentExt); segs[0] != active[0] {
		t.Fatalf("segments %v", segs)
	}
	l, got = mustOpen(t, dir, Options{})
	checkRecords(t, got.records, more)
	if len(got.entries) != 3 || got.report.LastVersion != 130 {
		t.Fatalf("%d entries, report %+v", len(got.entries), got.report)
	}
	l.Close()
}

// TestCheckpointEmptyLog: a checkpoint and nothing else, then a checkpoint
// with pending records not yet written.
func TestCheckpointPending(t *testing.T) {
	dir := t.TempDir()
	l, _ := mustOpen(t, dir, Options{})
	recs := genRecords(13, 1, 10)
	appendAll(t, l, recs[:5], 5)
	for i := 5; i < 10; i++ {
		if err := l.Append(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.WriteCheckpoint(7, epoch, nil); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	_, got := mustOpen(t, dir, Options{})
	checkRecords(t, got.records, recs[7:])
	if got.report.CheckpointVersion != 7 || got.report.LastVersion != 10 || len(got.entries) != 0 {
		t.Fatalf("report %+v", got.report)
	}
}

// TestCheckpointFallback: a damaged newest checkpoint falls back to an older
// one when the log still covers the versions after it, and fails otherwise.
func TestCheckpointFallback(t *testing.T) {
	dir := t.TempDir()
	l, _ := mustOpen(t, dir, Options{SegmentSize: 1 << 10})
	recs := genRecords(14, 1, 60)
	appendAll(t, l, recs[:20], 2)
	old := genEntries(15, 30, 20)
	if err := l.WriteCheckpoint(20, epoch, slices.Values(old)); err != nil {
		t.Fatal(err)
	}
	appendAll(t, l, recs[20:], 2)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// Keep the older checkpoint and its log, as a crash between the new
	// checkpoint's rename and the cleanup would.
	keep := copyDir(t, dir)
	l, _ = mustOpen(t, dir, Options{SegmentSize: 1 << 10})
	if err := l.WriteCheckpoint(50, epoch, slices.Values(genEntries(16, 40, 50))); err != nil {
		t.Fatal(err)
	}
	l.Close()
	newer, err := os.ReadFile(filepath.Join(dir, checkpointName(50)))
	if err != nil {
		t.Fatal(err)
	}
	newer[len(newer)/2] ^= 0x10
	if err := os.WriteFile(filepath.Join(keep, checkpointName(50)), newer, 0o644); err != nil {
		t.Fatal(err)
	}
	// keep: checkpoint 20, a damaged checkpoint 50, the log from 21 to 60.
	l, got := mustOpen(t, keep, Options{})
	if got.report.CheckpointVersion != 20 || !slices.Equal(got.report.Skipped, []string{checkpointName(50)}) {
		t.Fatalf("report %+v", got.report)
	}
	checkRecords(t, got.records, recs[20:])
	l.Close()

	// dir: only the damaged checkpoint 50 and the log after it: refused.
	if err := os.WriteFile(filepath.Join(dir, checkpointName(50)), newer, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = openRecover(dir, Options{})
	mustCorrupt(t, err, "damaged only checkpoint")
}

func TestCheckpointTempFileRemoved(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, checkpointName(9)+tempExt)
	if err := os.WriteFile(tmp, []byte("half a checkpoint"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, got := mustOpen(t, dir, Options{})
	defer l.Close()
	if got.header != nil {
		t.Fatal("a temporary file was loaded")
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("temporary file still there: %v", err)
	}
}

// TestInstallCheckpoint: an empty log starts at an installed checkpoint and
// appends after it; a log that holds anything refuses one.
func TestInstallCheckpoint(t *testing.T) {
	dir := t.TempDir()
	l, _ := mustOpen(t, dir, Options{})
	if empty, err := l.Empty(); err != nil || !empty {
		t.Fatalf("Empty of a new directory: %v, %v", empty, err)
	}
	entries := genEntries(17, 20, 50)
	name, err := l.InstallCheckpoint(50, epoch, slices.Values(entries))
	if err != nil || name != checkpointName(50) {
		t.Fatalf("InstallCheckpoint: %q, %v", name, err)
	}
	if empty, _ := l.Empty(); empty {
		t.Fatal("Empty after a checkpoint")
	}
	if _, err := l.InstallCheckpoint(60, epoch, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a second InstallCheckpoint: %v", err)
	}
	recs := genRecords(18, 51, 5)
	appendAll(t, l, recs, 2)
	l.Close()
	_, got := mustOpen(t, dir, Options{})
	if got.header == nil || got.header.Version != 50 || len(got.entries) != len(entries) || !got.report.ClosedCleanly {
		t.Fatalf("recovered %+v, %d entries", got.report, len(got.entries))
	}
	checkRecords(t, got.records, recs)

	dir = t.TempDir()
	l, _ = mustOpen(t, dir, Options{})
	appendAll(t, l, genRecords(19, 1, 1), 1)
	if _, err := l.InstallCheckpoint(9, epoch, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("InstallCheckpoint in a log holding a record: %v", err)
	}
	l.Close()
}
