package wal

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"time"
)

// CheckpointCreator is the Creator recorded in checkpoint files.
const CheckpointCreator = "inmem checkpoint"

// WriteCheckpoint writes the state at version (every entry of entries, at
// commit time t, and the marks, in key order) to a checkpoint file, atomically: a temporary file, synced,
// renamed into place, the directory synced. Then it removes the log segments
// whose records are all at or before version, except the active (last) one,
// which the log goes on appending to, and older checkpoints. version
// must not be past the last record appended, nor before the last checkpoint.
//
// Writes go on while the file is written; a second checkpoint waits for the
// first. On error the directory holds what it held before (plus, at worst, a
// temporary file the next Recover removes). Safe for concurrent use.
func (l *Log) WriteCheckpoint(version uint64, t time.Time, entries iter.Seq[Entry], marks ...Mark) error {
	l.ckptMu.Lock()
	defer l.ckptMu.Unlock()
	l.mu.Lock()
	err := l.usable()
	switch {
	case err != nil:
	case version >= l.nextVer:
		err = fmt.Errorf("%w: checkpoint at version %d, the log is at %d", ErrInvalid, version, l.nextVer-1)
	case version < l.ckptVer:
		err = fmt.Errorf("%w: checkpoint at version %d, the last one is at %d", ErrInvalid, version, l.ckptVer)
	}
	l.mu.Unlock()
	if err != nil {
		return err
	}

	if err := l.writeCheckpointFile(version, t, entries, marks); err != nil {
		return err
	}

	// The checkpoint is durable: drop what it covers.
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return err
	}
	// The last segment stays, whatever it holds: the log goes on in it, and
	// so a segment is never left unnamed by the one before it.
	var drop []string
	n := 0
	for n+1 < len(l.segs) && l.segs[n+1].first-1 <= version {
		drop = append(drop, segmentName(l.segs[n].first))
		n++
	}
	l.segs = append(l.segs[:0], l.segs[n:]...)
	l.ckptVer = version
	ckpts, err := l.checkpointsBefore(version)
	if err != nil {
		return err
	}
	return l.remove(append(drop, ckpts...))
}

// writeCheckpointFile writes the checkpoint file of version: a temporary
// file, synced, renamed into place, the directory synced.
func (l *Log) writeCheckpointFile(version uint64, t time.Time, entries iter.Seq[Entry], marks []Mark) error {
	final := l.path(checkpointName(version))
	tmp := final + tempExt
	h := SnapshotHeader{Version: version, Time: t, Created: time.Now(), Creator: CheckpointCreator, Marks: marks}
	if err := l.writeFileSynced(tmp, h, entries); err != nil {
		l.fs.Remove(tmp)
		return err
	}
	if err := l.fs.Rename(tmp, final); err != nil {
		l.fs.Remove(tmp)
		return fmt.Errorf("wal: checkpoint: %w", err)
	}
	if err := l.dirFile.Sync(); err != nil {
		return fmt.Errorf("wal: checkpoint: sync directory: %w", err)
	}

	return nil
}

// InstallCheckpoint starts a recovered log that holds nothing (no record, no
// checkpoint: a new directory) at version: it writes the state at version
// (every entry of entries, at commit time t, and the marks) as the
// directory's checkpoint, as WriteCheckpoint would, and the log appends
// after version. It returns the checkpoint's file name. Safe for concurrent
// use.
func (l *Log) InstallCheckpoint(version uint64, t time.Time, entries iter.Seq[Entry], marks ...Mark) (string, error) {
	l.ckptMu.Lock()
	defer l.ckptMu.Unlock()
	l.mu.Lock()
	err := l.usable()
	if err == nil && (l.nextVer != 1 || l.ckptVer != 0 || len(l.segs) != 0 || len(l.buf) != segmentHdrLen) {
		err = fmt.Errorf("%w: a checkpoint is installed only in an empty log", ErrInvalid)
	}
	l.mu.Unlock()
	if err != nil {
		return "", err
	}
	if err := l.writeCheckpointFile(version, t, entries, marks); err != nil {
		return "", err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nextVer, l.written, l.ckptVer = version+1, version, version
	return checkpointName(version), nil
}

// Empty reports whether the directory holds no file but, at most, the lock.
// Safe for concurrent use.
func (l *Log) Empty() (bool, error) {
	names, err := l.fs.List(l.dir)
	if err != nil {
		return false, fmt.Errorf("wal: %w", err)
	}
	for _, name := range names {
		if name != lockName {
			return false, nil
		}
	}
	return true, nil
}

// writeFileSynced writes a snapshot to a new file at path and syncs it.
func (l *Log) writeFileSynced(path string, h SnapshotHeader, entries iter.Seq[Entry]) error {
	if err := l.fs.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("wal: checkpoint: %w", err)
	}
	f, err := l.fs.Create(path)
	if err != nil {
		return fmt.Errorf("wal: checkpoint: %w", err)
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	_, err = WriteSnapshot(bw, h, entries)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if e := f.Close(); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("wal: checkpoint: %w", err)
	}
	return nil
}

// checkpointsBefore lists the checkpoint files older than version.
func (l *Log) checkpointsBefore(version uint64) ([]string, error) {
	names, err := l.fs.List(l.dir)
	if err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	var old []string
	for _, name := range names {
		if v, ok := parseName(name, checkpointExt); ok && v < version {
			old = append(old, name)
		}
	}
	return old, nil
}
