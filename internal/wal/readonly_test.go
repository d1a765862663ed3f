package wal

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vfs"
)

// TestReadOnly: a read-only Log opens a directory another Log holds, reads
// it up to the last complete record (a record being written is left alone),
// changes no file, and refuses every write with core.ErrReadOnly.
func TestReadOnly(t *testing.T) {
	dir := t.TempDir()
	w, _ := mustOpen(t, dir, Options{SegmentSize: 1 << 10})
	defer w.Close()
	recs := genRecords(80, 1, 30)
	appendAll(t, w, recs[:10], 2)
	if err := w.WriteCheckpoint(6, epoch, slices.Values(genEntries(81, 4, 6))); err != nil {
		t.Fatal(err)
	}
	appendAll(t, w, recs[10:20], 2)
	// Half of the next record, as a write in progress leaves it.
	segs := files(t, dir, segmentExt)
	frame, _ := appendRecord(nil, &recs[20])
	f, err := os.OpenFile(filepath.Join(dir, segs[len(segs)-1]), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(frame[:len(frame)/2])
	f.Close()
	os.WriteFile(filepath.Join(dir, checkpointName(99)+tempExt), []byte("half"), 0o644)
	before := snapshotDir(t, dir)

	r, got, err := openRecover(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of a held directory: %v", err)
	}
	if got.header == nil || got.header.Version != 6 {
		t.Fatalf("checkpoint %+v", got.header)
	}
	checkRecords(t, got.records, recs[6:20])
	if got.report.TornBytes != int64(len(frame)/2) || got.report.LastVersion != 20 {
		t.Fatalf("report %+v", got.report)
	}
	for name, err := range map[string]error{
		"Append":          r.Append(&recs[20]),
		"Write":           r.Write(),
		"Sync":            r.Sync(),
		"WriteCheckpoint": r.WriteCheckpoint(20, epoch, nil),
	} {
		if !errors.Is(err, core.ErrReadOnly) {
			t.Errorf("%s on a read-only log: %v", name, err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if after := snapshotDir(t, dir); !equalDirs(before, after) {
		t.Fatal("a read-only open changed the directory")
	}
	// The writer holds the directory still.
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("Open while the writer holds it: %v", err)
	}
}

// TestReadOnlyMissingDir: a read-only open creates nothing.
func TestReadOnlyMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "absent")
	if _, err := Open(dir, Options{ReadOnly: true}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("read-only open of a missing directory: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the directory was created: %v", err)
	}
}

// TestReadOnlyClean: a read-only open of a log closed cleanly sees the marker
// and leaves it; damage is refused as for a writer.
func TestReadOnlyClean(t *testing.T) {
	m := vfs.NewMem()
	l, _ := mustOpen(t, memDir, Options{FS: m, SegmentSize: 500})
	recs := genRecords(82, 1, 12)
	appendAll(t, l, recs, 2)
	l.Close()
	r, got := mustOpen(t, memDir, Options{FS: m, ReadOnly: true})
	r.Close()
	checkRecords(t, got.records, recs)
	if !got.report.ClosedCleanly {
		t.Fatalf("report %+v", got.report)
	}
	if names, _ := m.List(memDir); !slices.Contains(names, closedName) {
		t.Fatal("a read-only open removed the marker")
	}
	names, _ := m.List(memDir)
	var last string
	for _, n := range names {
		if _, ok := parseName(n, segmentExt); ok {
			last = n
		}
	}
	b, _ := m.ReadFile(memDir + "/" + last)
	m.WriteFile(memDir+"/"+last, b[:len(b)-2])
	_, _, err := openRecover(memDir, Options{FS: m, ReadOnly: true})
	mustCorrupt(t, err, "read-only open of a damaged log closed cleanly")
}

// TestReadOnlyChanged: files that a writer removes or adds while a read-only
// Log reads the directory make Recover fail with ErrChanged, not ErrCorrupt.
func TestReadOnlyChanged(t *testing.T) {
	build := func() (*vfs.Mem, []string) {
		m := vfs.NewMem()
		l, _ := mustOpen(t, memDir, Options{FS: m, SegmentSize: 400})
		appendAll(t, l, genRecords(83, 1, 12), 2)
		l.Close()
		memRemove(t, m, closedName)
		var segs []string
		names, _ := m.List(memDir)
		for _, n := range names {
			if _, ok := parseName(n, segmentExt); ok {
				segs = append(segs, n)
			}
		}
		if len(segs) < 3 {
			t.Fatalf("segments %v", segs)
		}
		return m, segs
	}

	// A segment removed after the listing (a writer's checkpoint dropped it).
	m, segs := build()
	m.SetFault(func(op vfs.Op, name string) error {
		if op == vfs.OpOpen && filepath.Base(name) == segs[1] {
			m.SetFault(nil)
			m.Remove(name)
		}
		return nil
	})
	if _, _, err := openRecover(memDir, Options{FS: m, ReadOnly: true}); !errors.Is(err, ErrChanged) {
		t.Fatalf("a segment removed while read: %v, want ErrChanged", err)
	}

	// The last segment's successor created after the listing (a rotation).
	m, segs = build()
	last := segs[len(segs)-1]
	saved, _ := m.ReadFile(memDir + "/" + last)
	memRemove(t, m, last)
	m.SetFault(func(op vfs.Op, name string) error {
		if op == vfs.OpOpen && filepath.Base(name) == segs[len(segs)-2] {
			m.SetFault(nil)
			m.WriteFile(memDir+"/"+last, saved)
		}
		return nil
	})
	if _, _, err := openRecover(memDir, Options{FS: m, ReadOnly: true}); !errors.Is(err, ErrChanged) {
		t.Fatalf("a successor created while read: %v, want ErrChanged", err)
	}
	// Still missing: damage, for a reader as for a writer.
	m, segs = build()
	memRemove(t, m, segs[len(segs)-1])
	_, _, err := openRecover(memDir, Options{FS: m, ReadOnly: true})
	mustCorrupt(t, err, "read-only open of a log whose last segment is missing")
}
