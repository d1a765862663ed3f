package wal

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
)

func TestRoundTrip(t *testing.T) {
	for _, p := range []SyncPolicy{SyncAlways, SyncBatch, SyncNone} {
		dir := t.TempDir()
		l, got := mustOpen(t, dir, Options{Sync: p})
		if got.header != nil || len(got.records) != 0 || got.report.LastVersion != 0 {
			t.Fatalf("policy %d: empty dir recovered %+v", p, got)
		}
		recs := genRecords(1, 1, 50)
		appendAll(t, l, recs[:20], 3)
		if err := l.Sync(); err != nil {
			t.Fatal(err)
		}
		appendAll(t, l, recs[20:], 1)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l, got = mustOpen(t, dir, Options{Sync: p})
		checkRecords(t, got.records, recs)
		if got.report.LastVersion != 50 || got.report.Records != 50 || got.report.TornBytes != 0 {
			t.Fatalf("policy %d: report %+v", p, got.report)
		}
		// The log goes on after the recovered version, in the same segment.
		more := genRecords(2, 51, 5)
		appendAll(t, l, more, 5)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		_, got = mustOpen(t, dir, Options{Sync: p})
		checkRecords(t, got.records, append(recs, more...))
		if n := len(files(t, dir, segmentExt)); n != 1 {
			t.Fatalf("policy %d: %d segments, want 1", p, n)
		}
	}
}

func TestClosePendingIsWritten(t *testing.T) {
	dir := t.TempDir()
	l, _ := mustOpen(t, dir, Options{Sync: SyncNone})
	recs := genRecords(3, 1, 4)
	for i := range recs {
		if err := l.Append(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	_, got := mustOpen(t, dir, Options{})
	checkRecords(t, got.records, recs)
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	l, _ := mustOpen(t, dir, Options{SegmentSize: 600})
	recs := genRecords(4, 1, 200)
	appendAll(t, l, recs, 3)
	size := l.Size()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs := files(t, dir, segmentExt)
	if len(segs) < 5 {
		t.Fatalf("%d segments, want rotation into many", len(segs))
	}
	var total int64
	for _, s := range segs {
		fi, err := os.Stat(filepath.Join(dir, s))
		if err != nil {
			t.Fatal(err)
		}
		total += fi.Size()
	}
	if total != size {
		t.Fatalf("Size() = %d, the segments hold %d bytes", size, total)
	}
	if segs[0] != segmentName(1) {
		t.Fatalf("first segment %s", segs[0])
	}
	l, got := mustOpen(t, dir, Options{SegmentSize: 600})
	checkRecords(t, got.records, recs)
	if got.report.Segments != len(segs) {
		t.Fatalf("report %+v, %d segments", got.report, len(segs))
	}
	if l.Size() != size {
		t.Fatalf("Size after recovery %d, want %d", l.Size(), size)
	}
	l.Close()
}

func TestLock(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	// The first Log still works.
	if _, err := l.Recover(nil, nil); err != nil {
		t.Fatal(err)
	}
	recs := genRecords(5, 1, 3)
	appendAll(t, l, recs, 3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, got := mustOpen(t, dir, Options{})
	checkRecords(t, got.records, recs)
	l2.Close()
}

func TestClosed(t *testing.T) {
	l, _ := mustOpen(t, t.TempDir(), Options{Sync: SyncBatch})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	recs := genRecords(6, 1, 1)
	for name, err := range map[string]error{
		"Close":   l.Close(),
		"Append":  l.Append(&recs[0]),
		"Write":   l.Write(),
		"Sync":    l.Sync(),
		"Recover": second(l.Recover(nil, nil)),
		"Ckpt":    l.WriteCheckpoint(0, epoch, nil),
	} {
		if !errors.Is(err, core.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	recs := genRecords(7, 1, 3)
	if err := l.Append(&recs[0]); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Append before Recover: %v", err)
	}
	if _, err := l.Recover(nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Recover(nil, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("second Recover: %v", err)
	}
	bad := []*Record{nil, &recs[1], {Version: 1, Changes: []Change{{Key: "k", Op: 9}}},
		{Version: 1, Changes: []Change{{Key: "k", Op: core.ChangePut, Value: core.VersionedValue{TTL: -1}}}}}
	for i, r := range bad {
		if err := l.Append(r); err == nil {
			t.Fatalf("bad record %d appended", i)
		}
	}
	if err := l.WriteCheckpoint(1, epoch, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("checkpoint past the log: %v", err)
	}
	appendAll(t, l, recs, 3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	_, got := mustOpen(t, dir, Options{})
	checkRecords(t, got.records, recs)
	for _, o := range []Options{{Sync: 7}, {SegmentSize: -1}, {SyncInterval: -1}} {
		if _, err := Open(t.TempDir(), o); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Open(%+v): %v", o, err)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	dir := t.TempDir()
	l, _ := mustOpen(t, dir, Options{Sync: SyncBatch, SegmentSize: 4 << 10})
	recs := genRecords(8, 1, 300)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(2)
	go func() { // a syncer and a size reader beside the writer
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				_ = l.Sync()
				_ = l.Size()
			}
		}
	}()
	go func() { // checkpoints beside the writer
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				v := l.LastVersion()
				err := l.WriteCheckpoint(v, epoch, func(func(Entry) bool) {})
				if err != nil && !errors.Is(err, ErrInvalid) {
					t.Error(err)
					return
				}
			}
		}
	}()
	appendAll(t, l, recs, 4)
	close(stop)
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	_, got := mustOpen(t, dir, Options{})
	if got.report.LastVersion != 300 {
		t.Fatalf("report %+v", got.report)
	}
	checkRecords(t, got.records, recs[len(recs)-len(got.records):])
}

// TestSyncBatch: the background goroutine syncs what Write wrote.
func TestSyncBatch(t *testing.T) {
	dir := t.TempDir()
	l, _ := mustOpen(t, dir, Options{Sync: SyncBatch, SyncInterval: time.Millisecond})
	defer l.Close()
	recs := genRecords(9, 1, 2)
	appendAll(t, l, recs, 2)
	deadline := time.Now().Add(10 * time.Second)
	for {
		l.mu.Lock()
		synced := !l.unsynced && !l.dirDirty
		l.mu.Unlock()
		if synced {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the background sync of the written records")
		}
		runtime.Gosched()
	}
}
