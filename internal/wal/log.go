package wal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vfs"
)

// SyncPolicy says when the log's writes reach stable storage.
type SyncPolicy int

const (
	// SyncAlways: Write returns after the bytes it wrote are synced.
	SyncAlways SyncPolicy = iota
	// SyncBatch: a background goroutine syncs every Options.SyncInterval.
	SyncBatch
	// SyncNone: the operating system decides; the log syncs only at rotation,
	// checkpoint and Close.
	SyncNone
)

// Defaults for the zero Options fields.
const (
	DefaultSegmentSize  = 64 << 20
	DefaultSyncInterval = 100 * time.Millisecond
)

// Options configure a Log. The zero value is usable: SyncAlways, 64 MiB
// segments, no logging, the operating system's files.
type Options struct {
	Sync         SyncPolicy
	SyncInterval time.Duration // SyncBatch: the background sync interval (0: DefaultSyncInterval)
	SegmentSize  int64         // rotate the active segment once it is past this size (0: DefaultSegmentSize)
	Logger       *slog.Logger  // recovery reports go here; nil: discarded
	FS           vfs.FS        // the file system; nil: vfs.OS

	// ReadOnly opens the directory for reading only: Open takes no lock and
	// creates nothing, Recover reads what the directory holds (a torn tail is
	// read up to its last complete record, reported and left in place; no
	// file is cut, removed or written), and Append, Write, Sync and
	// WriteCheckpoint fail with an error wrapping core.ErrReadOnly. Another
	// Log may hold the directory meanwhile: when it changes the files while
	// Recover reads them, Recover fails with ErrChanged.
	ReadOnly bool
}

// Log is a directory holding a store's log segments and checkpoints. One Log
// at a time holds a directory. Its methods are safe for concurrent use; the
// caller orders Append calls (versions must follow each other).
//
// The life of a Log: Open, Recover once, then Append and Write (and Sync,
// WriteCheckpoint) as the store commits, then Close.
type Log struct {
	dir     string
	opts    Options
	fs      vfs.FS
	log     *slog.Logger
	lock    io.Closer // nil when read-only
	dirFile vfs.File  // for fsyncs of the directory; nil when read-only

	ckptMu sync.Mutex // one checkpoint at a time

	mu         sync.Mutex
	state      logState
	err        error  // sticky: the first write or sync failure
	buf        []byte // segmentHdrLen reserved bytes, then the pending frames
	nextVer    uint64 // the version the next Append must carry
	pendFirst  uint64 // the version of the first pending record
	written    uint64 // the last version written to a segment
	active     vfs.File
	segs       []segment // retained segments, by first version; the last is active when active != nil
	unsynced   bool      // active has writes not yet synced
	dirDirty   bool      // a segment was created and the directory not yet synced
	ckptVer    uint64
	recoverRan bool

	stop chan struct{}
	done chan struct{}
}

type logState int

const (
	stateOpen logState = iota
	stateReady
	stateClosed
)

type segment struct {
	first uint64
	size  int64
}

// errNotRecovered: Append, Write or WriteCheckpoint before Recover.
var errNotRecovered = fmt.Errorf("%w: the log is not recovered yet", ErrInvalid)

// Open opens the log in dir, creating dir if needed, and takes an exclusive
// lock on it: while the Log is open, a second Open of dir, from this process
// or another, fails with an error wrapping ErrLocked. Call Recover next.
// With Options.ReadOnly it creates nothing and takes no lock; dir must exist.
func Open(dir string, opts Options) (*Log, error) {
	if opts.Sync < SyncAlways || opts.Sync > SyncNone {
		return nil, fmt.Errorf("%w: sync policy %d", ErrInvalid, opts.Sync)
	}
	if opts.SyncInterval < 0 || opts.SegmentSize < 0 {
		return nil, fmt.Errorf("%w: negative sync interval or segment size", ErrInvalid)
	}
	if opts.SyncInterval == 0 {
		opts.SyncInterval = DefaultSyncInterval
	}
	if opts.SegmentSize == 0 {
		opts.SegmentSize = DefaultSegmentSize
	}
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	fsys := opts.FS
	if fsys == nil {
		fsys = vfs.OS
	}
	l := &Log{dir: dir, opts: opts, fs: fsys, log: lg, nextVer: 1}
	if opts.ReadOnly {
		if _, err := fsys.List(dir); err != nil {
			return nil, fmt.Errorf("wal: %w", err)
		}
		return l, nil
	}
	if err := fsys.MkdirAll(dir); err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	lock, err := fsys.Lock(filepath.Join(dir, lockName))
	if errors.Is(err, vfs.ErrLocked) {
		return nil, fmt.Errorf("%w: %s", ErrLocked, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	d, err := fsys.OpenDir(dir)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("wal: %w", err)
	}
	l.lock, l.dirFile = lock, d
	l.buf = make([]byte, segmentHdrLen, 64<<10)
	return l, nil
}

// path returns the path of a file of the directory.
func (l *Log) path(name string) string { return filepath.Join(l.dir, name) }

// Dir returns the directory the log lives in. Safe for concurrent use.
func (l *Log) Dir() string { return l.dir }

// usable reports why the log cannot take writes, if it cannot. l.mu is held.
func (l *Log) usable() error {
	switch {
	case l.state == stateClosed:
		return fmt.Errorf("wal: %w", core.ErrClosed)
	case l.err != nil:
		return l.err
	case l.opts.ReadOnly:
		return errReadOnly
	case l.state == stateOpen:
		return errNotRecovered
	}
	return nil
}

var errReadOnly = fmt.Errorf("wal: the log is open read-only: %w", core.ErrReadOnly)

// Append encodes r into the pending buffer; Write writes it. r.Version must
// be one more than the version of the record appended before (or the last
// recovered version). Append does no I/O and, once the buffer has grown to a
// group's size, allocates nothing. On error nothing is appended. r is not
// retained.
func (l *Log) Append(r *Record) error {
	if r == nil {
		return fmt.Errorf("%w: nil record", ErrInvalid)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return err
	}
	if r.Version != l.nextVer {
		return fmt.Errorf("%w: version %d, want %d", ErrInvalid, r.Version, l.nextVer)
	}
	b, err := appendRecord(l.buf, r)
	if err != nil {
		return err
	}
	if len(l.buf) == segmentHdrLen {
		l.pendFirst = r.Version
	}
	l.buf = b
	l.nextVer++
	return nil
}

// Write writes the pending records to the active segment in one write call,
// creating a segment first when there is none, and syncs under SyncAlways.
// A segment past Options.SegmentSize is synced and closed after the write;
// the next Write starts a new one. A write that fails part-way is taken back
// (the segment cut to its size before, and synced) when the file allows it,
// so that the records of a failed Write do not come back at recovery. After
// a failed write or sync, every later Append, Write and Sync returns that
// error: the log cannot know what reached the disk, and recovery on the next
// Open decides.
func (l *Log) Write() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return err
	}
	return l.write()
}

// write is Write with l.mu held and the log usable.
func (l *Log) write() error {
	if len(l.buf) == segmentHdrLen {
		return nil
	}
	out := l.buf[segmentHdrLen:]
	if l.active == nil {
		f, err := l.fs.Create(l.path(segmentName(l.pendFirst)))
		if err != nil {
			return l.fail("create segment", err)
		}
		l.active = f
		l.segs = append(l.segs, segment{first: l.pendFirst})
		l.dirDirty = true
		appendSegmentHeader(l.buf[:0], l.pendFirst)
		out = l.buf
	}
	seg := &l.segs[len(l.segs)-1]
	before := seg.size
	n, err := l.active.Write(out)
	seg.size += int64(n)
	if err != nil {
		l.unwrite(before, n)
		return l.fail("write", err)
	}
	l.buf = l.buf[:segmentHdrLen]
	l.written = l.nextVer - 1
	l.unsynced = true
	if l.opts.Sync == SyncAlways {
		if err := l.syncLocked(); err != nil {
			return err
		}
	}
	if l.segs[len(l.segs)-1].size >= l.opts.SegmentSize {
		return l.rotate()
	}
	return nil
}

// rotate starts the successor of the active segment, which is past the
// segment size: the active segment is synced, the successor created with its
// header alone and synced (and the directory), and only then the active
// segment ends with an end record naming the successor, synced, and closed.
// So an end record never names a segment that a crash can take away. l.mu
// is held.
func (l *Log) rotate() error {
	if err := l.syncLocked(); err != nil {
		return err
	}
	next := l.written + 1
	f, err := l.fs.Create(l.path(segmentName(next)))
	if err != nil {
		return l.fail("create segment", err)
	}
	hdr := appendSegmentHeader(make([]byte, 0, segmentHdrLen+frameHeaderLen+endPayloadLen), next)
	if _, err := f.Write(hdr); err != nil {
		f.Close()
		return l.fail("write", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return l.fail("sync", err)
	}
	if err := l.dirFile.Sync(); err != nil {
		f.Close()
		return l.fail("sync directory", err)
	}
	end := appendEndRecord(hdr[:0], next)
	n, err := l.active.Write(end)
	l.segs[len(l.segs)-1].size += int64(n)
	if err == nil {
		err = l.active.Sync()
	}
	if e := l.active.Close(); err == nil {
		err = e
	}
	l.active, l.unsynced = f, false
	l.segs = append(l.segs, segment{first: next, size: segmentHdrLen})
	if err != nil {
		return l.fail("end segment", err)
	}
	return nil
}

// unwrite tries to take back the n bytes a failed write left at the end of
// the active segment, which was size bytes long before it: a group whose
// write failed should not come back at the next recovery, since its writers
// were told it failed. When the cut cannot be made (and synced), the bytes
// stay and recovery decides (a torn tail, or complete records).
func (l *Log) unwrite(size int64, n int) {
	if n == 0 {
		return
	}
	if l.active.Truncate(size) != nil || l.active.Sync() != nil {
		return
	}
	l.segs[len(l.segs)-1].size = size
}

// syncLocked syncs the active segment and, after a segment was created, the
// directory. l.mu is held.
func (l *Log) syncLocked() error {
	if l.active != nil && l.unsynced {
		if err := l.active.Sync(); err != nil {
			return l.fail("sync", err)
		}
		l.unsynced = false
	}
	if l.dirDirty {
		if err := l.dirFile.Sync(); err != nil {
			return l.fail("sync directory", err)
		}
		l.dirDirty = false
	}
	return nil
}

// closeActive closes the active segment, syncing it first when sync is set.
func (l *Log) closeActive(sync bool) error {
	if l.active == nil {
		return nil
	}
	if sync {
		if err := l.syncLocked(); err != nil {
			return err
		}
	}
	err := l.active.Close()
	l.active, l.unsynced = nil, false
	if err != nil {
		return l.fail("close segment", err)
	}
	return nil
}

// fail records the first I/O failure; the log takes no writes after it.
func (l *Log) fail(op string, err error) error {
	if l.err == nil {
		l.err = fmt.Errorf("wal: %s: %w", op, err)
	}
	return l.err
}

// Sync syncs what Write has written (the active segment and, after a segment
// was created, the directory). The file sync runs without blocking Append.
func (l *Log) Sync() error {
	l.mu.Lock()
	if err := l.usable(); err != nil && err != errNotRecovered {
		l.mu.Unlock()
		return err
	}
	if l.dirDirty { // rare: once a segment; under the lock, so no Write sees it clean early
		if err := l.dirFile.Sync(); err != nil {
			defer l.mu.Unlock()
			return l.fail("sync directory", err)
		}
		l.dirDirty = false
	}
	f := l.active
	if !l.unsynced {
		f = nil
	}
	l.unsynced = false
	l.mu.Unlock()
	if f == nil {
		return nil
	}
	// A rotation or checkpoint may close f meanwhile; it syncs (or no longer
	// needs) it first.
	if err := f.Sync(); err != nil && !errors.Is(err, fs.ErrClosed) {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.fail("sync", err)
	}
	return nil
}

// syncLoop is the SyncBatch goroutine.
func (l *Log) syncLoop() {
	defer close(l.done)
	t := time.NewTicker(l.opts.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			if err := l.Sync(); err != nil {
				l.log.Error("wal: background sync failed", "dir", l.dir, "err", err)
				return
			}
		}
	}
}

// Size returns the bytes of log the directory holds past the last checkpoint
// (the retained segments, the one holding the checkpoint's version included),
// for deciding when to checkpoint. Safe for concurrent use.
func (l *Log) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for _, s := range l.segs {
		n += s.size
	}
	return n
}

// CheckpointVersion returns the version of the last checkpoint written or
// recovered (0: none). Safe for concurrent use.
func (l *Log) CheckpointVersion() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ckptVer
}

// LastVersion returns the version of the last record appended (or recovered).
func (l *Log) LastVersion() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nextVer - 1
}

// Close writes what is pending, syncs, closes the files and releases the
// directory lock. A log that was recovered and had no write error is marked
// closed cleanly (the file CLOSED, synced, records its last version), so
// that the next Recover refuses a log that lost any of it. Later calls of
// every method fail with an error wrapping core.ErrClosed. Close returns the
// log's sticky write error if it had one.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.state == stateClosed {
		l.mu.Unlock()
		return fmt.Errorf("wal: %w", core.ErrClosed)
	}
	wasReady := l.state == stateReady && !l.opts.ReadOnly
	l.state = stateClosed
	stop := l.stop
	l.mu.Unlock()
	if stop != nil {
		close(stop)
		<-l.done
	}
	l.ckptMu.Lock() // let a running checkpoint finish
	defer l.ckptMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.opts.ReadOnly {
		return nil
	}
	err := l.err
	if err == nil && wasReady {
		if err = l.write(); err == nil {
			err = l.closeActive(true)
		}
		if err == nil {
			err = l.markClosed()
		}
	}
	if l.active != nil {
		l.active.Close()
		l.active = nil
	}
	if e := l.lock.Close(); e != nil && err == nil {
		err = fmt.Errorf("wal: unlock: %w", e)
	}
	l.dirFile.Close()
	return err
}

// markClosed writes the file CLOSED naming the last version written, through
// a temporary file, synced, renamed, and the directory synced. l.mu is held.
func (l *Log) markClosed() error {
	tmp := l.path(closedName + tempExt)
	if err := l.fs.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("wal: mark closed: %w", err)
	}
	f, err := l.fs.Create(tmp)
	if err != nil {
		return fmt.Errorf("wal: mark closed: %w", err)
	}
	_, err = f.Write(appendClosed(nil, l.written))
	if err == nil {
		err = f.Sync()
	}
	if e := f.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = l.fs.Rename(tmp, l.path(closedName))
	}
	if err == nil {
		err = l.dirFile.Sync()
	}
	if err != nil {
		return fmt.Errorf("wal: mark closed: %w", err)
	}
	return nil
}
