package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/inmemdb/inmem/internal/vfs"
)

// buildLog writes recs into a fresh directory with small segments and returns
// the directory, as a crash after the last sync leaves it (no clean-close
// marker), and its segment names.
func buildLog(t *testing.T, recs []Record, segSize int64) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	l, _ := mustOpen(t, dir, Options{SegmentSize: segSize, Sync: SyncNone})
	appendAll(t, l, recs, 2)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, closedName)); err != nil {
		t.Fatal(err)
	}
	return dir, files(t, dir, segmentExt)
}

// recordEnds returns the offset after each record of a segment.
func recordEnds(t *testing.T, path string) []int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ends []int
	for off := segmentHdrLen; off < len(data); {
		p, st := checkFrame(data[off:])
		if st != frameOK {
			t.Fatalf("%s: bad frame at %d", path, off)
		}
		if payloadVersion(p) == 0 {
			break // the end record
		}
		off += frameHeaderLen + len(p)
		ends = append(ends, off)
	}
	return ends
}

// TestTornTail cuts the last segment at every offset within its last records
// (and its header): recovery keeps exactly the records before the cut,
// reports the cut, and the log goes on after it.
func TestTornTail(t *testing.T) {
	recs := genRecords(20, 1, 40)
	src, segs := buildLog(t, recs, 2<<10)
	if len(segs) < 2 {
		t.Fatalf("want several segments, got %v", segs)
	}
	lastSeg := segs[len(segs)-1]
	first, _ := parseName(lastSeg, segmentExt)
	ends := recordEnds(t, filepath.Join(src, lastSeg))
	full := ends[len(ends)-1]
	from := 0
	if len(ends) > 6 {
		from = ends[len(ends)-7]
	}
	// Each cut runs on a copy in vfs.Mem: the recovery is the same, without
	// the real fsyncs of hundreds of opens and closes.
	orig := readDir(t, src)
	for cut := from; cut < full; cut++ {
		m := memDirOf(t, orig)
		m.WriteFile(memDir+"/"+lastSeg, orig[lastSeg][:cut])
		dir, opts := memDir, Options{FS: m}
		l, got, err := openRecover(dir, opts)
		if cut < segmentHdrLen {
			// The segment before names this one: its header is not a crash's.
			mustCorrupt(t, err, fmt.Sprintf("cut at %d, in the header of a segment named by its predecessor", cut))
			continue
		}
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		kept := 0 // records of the last segment before the cut
		for kept < len(ends) && ends[kept] <= cut {
			kept++
		}
		want := int(first-1) + kept
		checkRecords(t, got.records, recs[:want])
		good := segmentHdrLen
		if kept > 0 {
			good = ends[kept-1]
		}
		switch {
		case cut < segmentHdrLen:
			good = 0 // the whole file goes
		case cut == good:
			good = -1 // no tear
		}
		if good < 0 {
			if got.report.TornBytes != 0 {
				t.Fatalf("cut at a record boundary %d: report %+v", cut, got.report)
			}
		} else if got.report.TornBytes != int64(cut-good) || got.report.TornAt != fmt.Sprintf("%s@%d", lastSeg, good) {
			t.Fatalf("cut at %d (last good %d): report %+v", cut, good, got.report)
		}
		// Every few offsets: the log goes on after the cut.
		if cut%7 == 0 {
			next := genRecords(21, uint64(want)+1, 2)
			appendAll(t, l, next, 2)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l, got, err = openRecover(dir, opts)
			if err != nil {
				t.Fatalf("cut at %d, reopened: %v", cut, err)
			}
			checkRecords(t, got.records, append(slices.Clone(recs[:want]), next...))
			if got.report.TornBytes != 0 {
				t.Fatalf("a second recovery cut again: %+v", got.report)
			}
		}
		l.Close()
	}
}

// TestByteFlips flips one byte at many offsets of every file: recovery either
// fails with ErrCorrupt or recovers a strict prefix of the history, never
// anything else.
func TestByteFlips(t *testing.T) {
	recs := genRecords(22, 1, 40)
	src := t.TempDir()
	l, _ := mustOpen(t, src, Options{SegmentSize: 1 << 10, Sync: SyncNone})
	appendAll(t, l, recs[:15], 3)
	entries := genEntries(23, 40, 15)
	if err := l.WriteCheckpoint(15, epoch, slices.Values(entries)); err != nil {
		t.Fatal(err)
	}
	appendAll(t, l, recs[15:], 3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	names := append(files(t, src, segmentExt), files(t, src, checkpointExt)...)
	if len(names) < 3 {
		t.Fatalf("files %v", names)
	}
	orig := readDir(t, src)
	masks := []byte{0x01, 0x80, 0xff, 0x10}
	for _, name := range names {
		data := orig[name]
		stride := max(1, len(data)/150)
		for off := 0; off < len(data); off += stride {
			{
				mask := masks[off%len(masks)]
				m := memDirOf(t, orig) // a copy in vfs.Mem: no real fsyncs
				b := slices.Clone(data)
				b[off] ^= mask
				m.WriteFile(memDir+"/"+name, b)
				l, got, err := openRecover(memDir, Options{FS: m})
				if err != nil {
					mustCorrupt(t, err, fmt.Sprintf("%s offset %d mask %#x", name, off, mask))
					continue
				}
				l.Close()
				if got.header == nil || len(got.entries) != len(entries) {
					t.Fatalf("%s offset %d: checkpoint lost silently: %+v", name, off, got.report)
				}
				for i := range entries {
					if got.entries[i].Key != entries[i].Key || !equalVersioned(got.entries[i].Value, entries[i].Value) {
						t.Fatalf("%s offset %d: entry %d changed", name, off, i)
					}
				}
				checkPrefix(t, got.records, recs[15:])
				if len(got.records) == len(recs)-15 {
					t.Fatalf("%s offset %d mask %#x: damage went unnoticed", name, off, mask)
				}
			}
		}
	}
}

// TestCorruptionBeforeTail: damage that is not a torn tail is an error and
// leaves the files as they were.
func TestCorruptionBeforeTail(t *testing.T) {
	recs := genRecords(24, 1, 40)
	src, segs := buildLog(t, recs, 1<<10)
	if len(segs) < 3 {
		t.Fatalf("want 3 segments or more, got %v", segs)
	}
	lastSeg := segs[len(segs)-1]
	ends := recordEnds(t, filepath.Join(src, lastSeg))
	cases := map[string]func(dir string){
		"missing middle segment": func(dir string) { os.Remove(filepath.Join(dir, segs[1])) },
		"missing first segment":  func(dir string) { os.Remove(filepath.Join(dir, segs[0])) },
		"renamed segment": func(dir string) {
			f, _ := parseName(segs[1], segmentExt)
			os.Rename(filepath.Join(dir, segs[1]), filepath.Join(dir, segmentName(f+1)))
		},
		"bad record before valid ones": func(dir string) {
			flip(t, filepath.Join(dir, lastSeg), ends[0]+frameHeaderLen+2)
		},
		"bad length before valid ones": func(dir string) {
			flip(t, filepath.Join(dir, lastSeg), ends[0]+3)
		},
		"bad header of the last segment": func(dir string) { flip(t, filepath.Join(dir, lastSeg), 3) },
		"torn end of a middle segment": func(dir string) {
			p := filepath.Join(dir, segs[1])
			fi, _ := os.Stat(p)
			os.Truncate(p, fi.Size()-frameHeaderLen-endPayloadLen-1) // into its last record
		},
		"garbage segment name": func(dir string) {
			os.WriteFile(filepath.Join(dir, segmentName(1000)), []byte("not a segment at all, but long enough"), 0o644)
		},
	}
	orig := readDir(t, src)
	dir := t.TempDir()
	for name, damage := range cases {
		resetDir(t, dir, orig)
		damage(dir)
		before := snapshotDir(t, dir)
		_, _, err := openRecover(dir, Options{})
		mustCorrupt(t, err, name)
		if after := snapshotDir(t, dir); !equalDirs(before, after) {
			t.Fatalf("%s: recovery changed the directory", name)
		}
	}
}

func flip(t *testing.T, path string, off int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x40
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, name := range files(t, dir, "") {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		m[name] = string(b)
	}
	return m
}

func equalDirs(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// memDirOf returns a vfs.Mem whose directory memDir holds files, durably.
func memDirOf(t testing.TB, files map[string][]byte) *vfs.Mem {
	t.Helper()
	m := vfs.NewMem()
	if err := m.MkdirAll(memDir); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := m.WriteFile(memDir+"/"+name, b); err != nil {
			t.Fatal(err)
		}
	}
	return m
}
