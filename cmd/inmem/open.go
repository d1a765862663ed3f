package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/wal"
	"github.com/inmemdb/inmem/mvcc"
)

// This file is the one place that opens stores: the directory checks
// (missing, foreign), the read-only open the inspect commands use, the
// exclusive open of checkpoint and mcp, and the error classification.

// storeFile is one file of a store directory, as docs/format.md names them.
type storeFile struct {
	Name    string `json:"name"`
	Version uint64 `json:"version"` // a segment's first version, a checkpoint's version
	Size    int64  `json:"size"`
}

// listing is what a store directory holds, by kind.
type listing struct {
	Segments    []storeFile // NNN.wal, ascending
	Checkpoints []storeFile // NNN.ckpt, ascending
	Temp        []string    // NNN.ckpt.tmp: a checkpoint being written (or left by a crash)
	Lock        bool        // the LOCK file
	Closed      bool        // the CLOSED file: the log was closed cleanly
	Other       []string    // anything else
}

// listDir reads dir and sorts its files by the names docs/format.md gives.
// A missing dir is an error wrapping fs.ErrNotExist; a path that is not a
// directory is a foreign one.
func listDir(dir string) (*listing, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &exitError{code: exitMissing, err: fmt.Errorf("%s: no such directory", dir)}
		}
		return nil, err
	}
	if !fi.IsDir() {
		return nil, &exitError{code: exitForeign, err: fmt.Errorf("%s: not a directory", dir)}
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	l := &listing{}
	for _, de := range des {
		name := de.Name()
		switch kind, v := wal.NameKind(name); {
		case kind == wal.FileSegment && de.Type().IsRegular():
			l.Segments = append(l.Segments, storeFile{Name: name, Version: v, Size: fileSize(de)})
		case kind == wal.FileCheckpoint && de.Type().IsRegular():
			l.Checkpoints = append(l.Checkpoints, storeFile{Name: name, Version: v, Size: fileSize(de)})
		case kind == wal.FileCheckpointTemp:
			l.Temp = append(l.Temp, name)
		case kind == wal.FileLock:
			l.Lock = true
		case kind == wal.FileClosed:
			l.Closed = true
		default:
			l.Other = append(l.Other, name)
		}
	}
	byVersion := func(a, b storeFile) int { return cmp.Compare(a.Version, b.Version) }
	slices.SortFunc(l.Segments, byVersion)
	slices.SortFunc(l.Checkpoints, byVersion)
	return l, nil
}

func fileSize(de fs.DirEntry) int64 {
	fi, err := de.Info()
	if err != nil {
		return 0
	}
	return fi.Size()
}

// isStore reports whether the listing looks like a store directory: a
// segment, a checkpoint or the lock file.
func (l *listing) isStore() bool {
	return len(l.Segments)+len(l.Checkpoints)+len(l.Temp) > 0 || l.Lock || l.Closed
}

// storeDir lists dir and refuses a directory that holds no store (missing,
// empty) or something else (foreign).
func storeDir(dir string) (*listing, error) {
	l, err := listDir(dir)
	if err != nil {
		return nil, err
	}
	if !l.isStore() {
		if len(l.Other) == 0 {
			return nil, &exitError{code: exitMissing, err: fmt.Errorf("%s: empty directory: no inmem store here", dir)}
		}
		return nil, &exitError{code: exitForeign, err: fmt.Errorf("%s: not an inmem store directory (no log segment, checkpoint or LOCK file; it holds %s)", dir, sample(l.Other))}
	}
	return l, nil
}

// sample names up to three files.
func sample(names []string) string {
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more", len(names)-3)
	}
	return strings.Join(names, ", ")
}

// readOptions are the options of every read-only open: the whole log's
// history reachable (history, SnapshotAt, diff), no report of a torn tail to
// the log (the commands report it themselves).
func readOptions() []mvcc.Option {
	return []mvcc.Option{mvcc.WithReadOnly(), mvcc.WithHistory(mvcc.MaxHistory), mvcc.WithLogger(nil)}
}

// readStore is a store opened for reading only. Close it.
type readStore struct {
	*mvcc.Store
	Dir     string
	Listing *listing
}

// openRead opens the store in dir for reading only (mvcc.WithReadOnly): it
// never writes to dir, takes no lock on it, and works while another process
// holds it, reading what is on stable storage when it opens.
func openRead(dir string) (*readStore, error) {
	l, err := storeDir(dir)
	if err != nil {
		return nil, err
	}
	s, err := mvcc.Open(dir, readOptions()...)
	if err != nil {
		return nil, err
	}
	return &readStore{Store: s, Dir: dir, Listing: l}, nil
}

// openWrite opens the store in dir for writing, as the application does:
// it takes the directory's lock. create allows a missing or empty
// directory (a new store).
func openWrite(dir string, create bool, opts ...mvcc.Option) (*mvcc.Store, error) {
	if _, err := storeDir(dir); err != nil {
		var ee *exitError
		if !create || !errors.As(err, &ee) || ee.code != exitMissing {
			return nil, err
		}
	}
	s, err := mvcc.Open(dir, opts...)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// classify maps an error to an exit status.
func classify(err error) int {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, mvcc.ErrLocked):
		return exitLocked
	case errors.Is(err, core.ErrCorrupt):
		return exitFailure
	case errors.Is(err, fs.ErrNotExist):
		return exitMissing
	case errors.Is(err, core.ErrNotFound):
		return exitNotFound
	case errors.Is(err, core.ErrInvalidKey), errors.Is(err, core.ErrInvalidArgument):
		return exitUsage
	}
	return exitFailure
}

// describe adds what an operator should know to an open error.
func describe(dir string, err error) error {
	switch classify(err) {
	case exitLocked:
		return &exitError{code: exitLocked, err: fmt.Errorf("%s: another process holds this store (the read-only commands work while it runs; stop it for this one): %w", dir, err)}
	case exitFailure:
		if errors.Is(err, core.ErrCorrupt) {
			return &exitError{code: exitFailure, err: fmt.Errorf("%s: the store is damaged (run 'inmem verify %s'): %w", dir, dir, err)}
		}
	}
	return err
}

// restoreDir makes dir (absent or empty) a store directory holding the
// backup r yields (mvcc.RestoreDir).
func restoreDir(dir string, r io.Reader) error {
	s, err := mvcc.RestoreDir(dir, r, mvcc.WithLogger(nil))
	if err != nil {
		return err
	}
	return s.Close()
}
