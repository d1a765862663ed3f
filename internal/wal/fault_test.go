package wal

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"

	"github.com/inmemdb/inmem/internal/vfs"
)

// The fault tests run the log on vfs.Mem, which fails chosen operations and
// crashes, dropping (or tearing) every byte and directory change not synced.

const memDir = "/db"

// faultRun is one run of faultWorkload: what it wrote, and how many of the
// records a Write acknowledged.
type faultRun struct {
	recs    []Record
	entries []Entry // the checkpoint's, at version ckptAt
	ckptAt  uint64
	acked   int
}

// faultWorkload writes recs in groups of three under SyncAlways, with
// segments small enough to rotate every other group and a checkpoint after
// the first half, then closes the log. It stops at the first error, as a
// process does that crashes (the caller crashes m from its fault hook).
func faultWorkload(m *vfs.Mem) *faultRun {
	run := &faultRun{recs: genRecords(60, 1, 24), ckptAt: 12}
	run.entries = genEntries(61, 20, run.ckptAt)
	l, _, err := openRecover(memDir, Options{FS: m, SegmentSize: 400})
	if err != nil {
		return run
	}
	for i := 0; i < len(run.recs); i += 3 {
		for j := i; j < i+3; j++ {
			if err := l.Append(&run.recs[j]); err != nil {
				return run
			}
		}
		if err := l.Write(); err != nil {
			return run
		}
		run.acked = i + 3
		if run.acked == int(run.ckptAt) {
			if err := l.WriteCheckpoint(run.ckptAt, epoch, slices.Values(run.entries)); err != nil {
				return run
			}
		}
	}
	l.Close()
	return run
}

// checkAfterCrash recovers m's log and checks it against run: recovery
// succeeds, and what it recovers is the history written, at least up to what
// was acknowledged.
func checkAfterCrash(t *testing.T, m *vfs.Mem, run *faultRun, what string) *Log {
	t.Helper()
	l, got, err := openRecover(memDir, Options{FS: m, SegmentSize: 400})
	if err != nil {
		t.Fatalf("%s: recovery failed: %v", what, err)
	}
	from := 0
	if got.header != nil {
		if got.header.Version != run.ckptAt || len(got.entries) != len(run.entries) {
			t.Fatalf("%s: checkpoint %+v with %d entries", what, got.header, len(got.entries))
		}
		from = int(run.ckptAt)
	}
	checkPrefix(t, got.records, run.recs[from:])
	if last := from + len(got.records); last < run.acked || uint64(last) != got.report.LastVersion {
		t.Fatalf("%s: recovered up to version %d (report %+v), %d were acknowledged", what, last, got.report, run.acked)
	}
	return l
}

// TestCrashAtEveryOperation crashes the workload at each of its file system
// operations in turn, dropping every byte not synced, or (torn) keeping a
// random part of them: recovery never fails and never loses an acknowledged
// record. A missing fsync, a sync before its write, a segment or checkpoint
// whose directory entry is not synced, a rotation that names a successor not
// yet durable: each makes some crash point fail.
func TestCrashAtEveryOperation(t *testing.T) {
	total := 0
	{
		m := vfs.NewMem()
		m.SetFault(func(vfs.Op, string) error { total++; return nil })
		if run := faultWorkload(m); run.acked != len(run.recs) {
			t.Fatalf("the workload without a crash acknowledged %d of %d", run.acked, len(run.recs))
		}
	}
	if total < 50 {
		t.Fatalf("the workload runs only %d operations", total)
	}
	t.Logf("the workload runs %d file operations: %d crashes, half of them torn", total, 2*total)
	for _, torn := range []bool{false, true} {
		for k := 1; k <= total; k++ {
			what := fmt.Sprintf("crash (torn %v) at operation %d of %d", torn, k, total)
			m := vfs.NewMem()
			rng := rand.New(rand.NewPCG(uint64(k), 3))
			n := 0
			m.SetFault(func(op vfs.Op, name string) error {
				if n++; n == k {
					if torn {
						m.CrashTorn(func(string, int) int { return rng.IntN(1 << 12) })
					} else {
						m.Crash()
					}
				}
				return nil
			})
			run := faultWorkload(m)
			m.SetFault(nil)
			l := checkAfterCrash(t, m, run, what)
			// The recovered log takes writes and closes cleanly.
			next := genRecords(62, l.LastVersion()+1, 2)
			appendAll(t, l, next, 2)
			if err := l.Close(); err != nil {
				t.Fatalf("%s: close after recovery: %v", what, err)
			}
			_, got, err := openRecover(memDir, Options{FS: m})
			if err != nil || !got.report.ClosedCleanly {
				t.Fatalf("%s: reopened: %v, report %+v", what, err, got.report)
			}
		}
	}
}

// TestCrashDuringRecovery crashes a recovery that has a torn tail to cut and
// a clean-close marker to remove at each of its operations: the next
// recovery still gets every record.
func TestCrashDuringRecovery(t *testing.T) {
	build := func() (*vfs.Mem, []Record) {
		m := vfs.NewMem()
		recs := genRecords(63, 1, 9)
		l, _ := mustOpen(t, memDir, Options{FS: m, SegmentSize: 500})
		appendAll(t, l, recs, 3)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l, _ = mustOpen(t, memDir, Options{FS: m, SegmentSize: 500, Sync: SyncNone})
		extra := genRecords(64, 10, 1)
		appendAll(t, l, extra, 1)
		m.CrashTorn(func(string, int) int { return 11 }) // half a record
		return m, recs
	}
	total := 0
	{
		m, _ := build()
		m.SetFault(func(vfs.Op, string) error { total++; return nil })
		l, got := mustOpen(t, memDir, Options{FS: m})
		if got.report.TornBytes != 11 {
			t.Fatalf("no torn tail to cut: %+v", got.report)
		}
		l.Close()
	}
	for k := 1; k <= total; k++ {
		m, recs := build()
		n := 0
		m.SetFault(func(vfs.Op, string) error {
			if n++; n == k {
				m.Crash()
			}
			return nil
		})
		if l, _, err := openRecover(memDir, Options{FS: m}); err == nil {
			l.Close()
		}
		m.SetFault(nil)
		l, got, err := openRecover(memDir, Options{FS: m})
		if err != nil {
			t.Fatalf("crash at operation %d of a recovery, then: %v", k, err)
		}
		checkRecords(t, got.records, recs)
		l.Close()
	}
}

// TestWriteError: a write that fails part-way (the disk is full) fails Write,
// is taken back from the segment, and leaves the log refusing writes; the
// next recovery has exactly the records written before it.
func TestWriteError(t *testing.T) {
	m := vfs.NewMem()
	l, _ := mustOpen(t, memDir, Options{FS: m})
	recs := genRecords(65, 1, 6)
	appendAll(t, l, recs[:2], 2)
	seg, err := m.ReadFile(memDir + "/" + segmentName(1))
	if err != nil {
		t.Fatal(err)
	}
	frame3, err := appendRecord(nil, &recs[2])
	if err != nil {
		t.Fatal(err)
	}
	// Room for record 3 and 5 bytes of record 4: record 3 reaches the file whole.
	m.SetSpace(int64(len(seg) + len(frame3) + 5))
	for i := 2; i < 4; i++ {
		if err := l.Append(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Write(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Write on a full disk: %v, want ENOSPC", err)
	}
	m.SetSpace(-1)
	if l.Err() == nil {
		t.Fatal("Err is nil after a failed write")
	}
	if err := l.Append(&recs[2]); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Append after a failed write: %v", err)
	}
	if err := l.Write(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Write after a failed write: %v", err)
	}
	if err := l.Sync(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Sync after a failed write: %v", err)
	}
	if err := l.WriteCheckpoint(2, epoch, nil); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("WriteCheckpoint after a failed write: %v", err)
	}
	if err := l.Close(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Close after a failed write: %v", err)
	}
	if names, _ := m.List(memDir); slices.Contains(names, closedName) {
		t.Fatal("a log with a failed write was marked closed cleanly")
	}
	// Reopened without a crash: what the failed write left would be read.
	l, got := mustOpen(t, memDir, Options{FS: m})
	checkRecords(t, got.records, recs[:2])
	if got.report.TornBytes != 0 {
		t.Fatalf("the failed write was not taken back: %+v", got.report)
	}
	appendAll(t, l, recs[2:], 4)
	l.Close()
}

// TestSyncError: a failed fsync fails the Write that needed it, and the log
// refuses writes after it.
func TestSyncError(t *testing.T) {
	m := vfs.NewMem()
	l, _ := mustOpen(t, memDir, Options{FS: m})
	recs := genRecords(66, 1, 4)
	appendAll(t, l, recs[:2], 2)
	boom := errors.New("EIO")
	m.SetFault(func(op vfs.Op, name string) error {
		if op == vfs.OpSync {
			return boom
		}
		return nil
	})
	if err := l.Append(&recs[2]); err != nil {
		t.Fatal(err)
	}
	if err := l.Write(); !errors.Is(err, boom) {
		t.Fatalf("Write whose sync failed: %v", err)
	}
	m.SetFault(nil)
	if err := l.Append(&recs[3]); !errors.Is(err, boom) {
		t.Fatalf("Append after a failed sync: %v", err)
	}
	if err := l.Close(); !errors.Is(err, boom) {
		t.Fatalf("Close after a failed sync: %v", err)
	}
	m.Crash()
	_, got := mustOpen(t, memDir, Options{FS: m})
	checkRecords(t, got.records, recs[:2])
}

// TestCheckpointFailure: a checkpoint that fails at any of its operations
// returns the error and leaves the log recoverable with every record.
func TestCheckpointFailure(t *testing.T) {
	boom := errors.New("boom")
	for _, failOp := range []vfs.Op{vfs.OpCreate, vfs.OpWrite, vfs.OpSync, vfs.OpRename, vfs.OpRemove, vfs.OpList} {
		m := vfs.NewMem()
		l, _ := mustOpen(t, memDir, Options{FS: m, SegmentSize: 300})
		recs := genRecords(67, 1, 12)
		appendAll(t, l, recs, 2)
		m.SetFault(func(op vfs.Op, name string) error {
			if op == failOp {
				return boom
			}
			return nil
		})
		if err := l.WriteCheckpoint(10, epoch, slices.Values(genEntries(68, 5, 10))); !errors.Is(err, boom) {
			t.Fatalf("checkpoint failing at %v: %v", failOp, err)
		}
		m.SetFault(nil)
		m.Crash()
		_, got, err := openRecover(memDir, Options{FS: m})
		if err != nil {
			t.Fatalf("checkpoint failed at %v, then: %v", failOp, err)
		}
		from := 0
		if got.header != nil {
			from = 10
		}
		checkRecords(t, got.records, recs[from:])
	}
}

// TestClosedCleanly: after Close, any loss of the log is an error; after a
// crash, a cut at a record boundary of the last segment is what no log can
// tell from a crash, and a missing last segment is still an error when the
// one before names it.
func TestClosedCleanly(t *testing.T) {
	recs := genRecords(69, 1, 20)
	build := func(t *testing.T, clean bool) (*vfs.Mem, []string) {
		m := vfs.NewMem()
		l, _ := mustOpen(t, memDir, Options{FS: m, SegmentSize: 600})
		appendAll(t, l, recs, 2)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if !clean {
			memRemove(t, m, closedName) // as a crash after the last sync leaves it
		}
		names, _ := m.List(memDir)
		var segs []string
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
	path := func(name string) string { return memDir + "/" + name }
	cutTo := func(m *vfs.Mem, name string, n func(data []byte) int) {
		b, _ := m.ReadFile(path(name))
		m.WriteFile(path(name), b[:n(b)])
	}
	lastRecordStart := func(data []byte) int {
		off, prev := segmentHdrLen, segmentHdrLen
		for off < len(data) {
			p, _ := checkFrame(data[off:])
			prev, off = off, off+frameHeaderLen+len(p)
		}
		return prev
	}
	type damage struct {
		name       string
		do         func(m *vfs.Mem, segs []string)
		afterCrash int // records recovered after a crash; -1: ErrCorrupt
	}
	last := func(segs []string) string { return segs[len(segs)-1] }
	lastFirst := func(segs []string) int { v, _ := parseName(last(segs), segmentExt); return int(v) - 1 }
	cases := []damage{
		{"none", func(*vfs.Mem, []string) {}, len(recs)},
		{"last segment cut at a record boundary", func(m *vfs.Mem, segs []string) {
			cutTo(m, last(segs), lastRecordStart)
		}, len(recs) - 1},
		{"last segment cut to its header", func(m *vfs.Mem, segs []string) {
			cutTo(m, last(segs), func([]byte) int { return segmentHdrLen })
		}, -2}, // depends on the segment: computed below
		{"last segment cut in a record", func(m *vfs.Mem, segs []string) {
			cutTo(m, last(segs), func(b []byte) int { return len(b) - 3 })
		}, len(recs) - 1},
		{"last segment missing", func(m *vfs.Mem, segs []string) { memRemove(t, m, last(segs)) }, -1},
		{"marker damaged", func(m *vfs.Mem, segs []string) {
			b, _ := m.ReadFile(path(closedName))
			if b != nil {
				b[13] ^= 1
				m.WriteFile(path(closedName), b)
			}
		}, len(recs)},
	}
	for _, c := range cases {
		for _, clean := range []bool{true, false} {
			m, segs := build(t, clean)
			want := c.afterCrash
			if want == -2 {
				want = lastFirst(segs)
			}
			c.do(m, segs)
			before := memFiles(t, m)
			l, got, err := openRecover(memDir, Options{FS: m})
			what := fmt.Sprintf("%s, closed cleanly %v", c.name, clean)
			switch {
			case clean && c.name != "none", !clean && want < 0:
				mustCorrupt(t, err, what)
				if after := memFiles(t, m); !equalDirs(before, after) {
					t.Fatalf("%s: the refused recovery changed the directory", what)
				}
				continue
			case err != nil:
				t.Fatalf("%s: %v", what, err)
			}
			checkRecords(t, got.records, recs[:want])
			if got.report.ClosedCleanly != clean {
				t.Fatalf("%s: report %+v", what, got.report)
			}
			if names, _ := m.List(memDir); slices.Contains(names, closedName) {
				t.Fatalf("%s: the marker outlived the recovery", what)
			}
			// The marker is gone before the log takes writes: a crash after
			// more writes recovers them.
			more := genRecords(70, uint64(want)+1, 3)
			appendAll(t, l, more, 1)
			m.Crash()
			_, got = mustOpen(t, memDir, Options{FS: m})
			checkRecords(t, got.records, append(slices.Clone(recs[:want]), more...))
		}
	}
}

// memRemove removes a file of memDir durably.
func memRemove(t *testing.T, m *vfs.Mem, name string) {
	t.Helper()
	if err := m.Remove(memDir + "/" + name); err != nil {
		t.Fatal(err)
	}
	d, err := m.OpenDir(memDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
}

func memFiles(t *testing.T, m *vfs.Mem) map[string]string {
	t.Helper()
	names, err := m.List(memDir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range names {
		b, _ := m.ReadFile(memDir + "/" + n)
		out[n] = string(b)
	}
	return out
}
