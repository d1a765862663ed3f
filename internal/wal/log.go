package wal

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/inmemdb/inmem/core"
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
// segments, no logging.
type Options struct {
	Sync         SyncPolicy
	SyncInterval time.Duration // SyncBatch: the background sync interval (0: DefaultSyncInterval)
	SegmentSize  int64         // rotate the active segment once it is past this size (0: DefaultSegmentSize)
	Logger       *slog.Logger  // recovery reports go here; nil: discarded
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
	log     *slog.Logger
	lock    *os.File
	dirFile *os.File // for fsyncs of the directory

	ckptMu sync.Mutex // one checkpoint at a time

	mu         sync.Mutex
	state      logState
	err        error  // sticky: the first write or sync failure
	buf        []byte // segmentHdrLen reserved bytes, then the pending frames
	nextVer    uint64 // the version the next Append must carry
	pendFirst  uint64 // the version of the first pending record
	written    uint64 // the last version written to a segment
	active     *os.File
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
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	if err := lockFile(lock); err != nil {
		lock.Close()
		return nil, err
	}
	d, err := os.Open(dir)
	if err != nil {
		unlockFile(lock)
		lock.Close()
		return nil, fmt.Errorf("wal: %w", err)
	}
	l := &Log{dir: dir, opts: opts, log: lg, lock: lock, dirFile: d, nextVer: 1}
	l.buf = make([]byte, segmentHdrLen, 64<<10)
	return l, nil
}

// Dir returns the directory the log lives in. Safe for concurrent use.
func (l *Log) Dir() string { return l.dir }

// usable reports why the log cannot take writes, if it cannot. l.mu is held.
func (l *Log) usable() error {
	switch {
	case l.state == stateClosed:
		return fmt.Errorf("wal: %w", core.ErrClosed)
	case l.err != nil:
		return l.err
	case l.state == stateOpen:
		return errNotRecovered
	}
	return nil
}

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
		f, err := os.OpenFile(filepath.Join(l.dir, segmentName(l.pendFirst)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
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
		return l.closeActive(true)
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
	if err := l.usable(); err != nil && !errors.Is(err, errNotRecovered) {
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
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
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
// directory lock. Later calls of every method fail with an error wrapping
// core.ErrClosed. Close returns the log's sticky write error if it had one.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.state == stateClosed {
		l.mu.Unlock()
		return fmt.Errorf("wal: %w", core.ErrClosed)
	}
	wasReady := l.state == stateReady
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
	err := l.err
	if err == nil && wasReady {
		if err = l.write(); err == nil {
			err = l.closeActive(true)
		}
	}
	if l.active != nil {
		l.active.Close()
		l.active = nil
	}
	if e := unlockFile(l.lock); e != nil && err == nil {
		err = fmt.Errorf("wal: unlock: %w", e)
	}
	if e := l.lock.Close(); e != nil && err == nil {
		err = fmt.Errorf("wal: %w", e)
	}
	l.dirFile.Close()
	return err
}
