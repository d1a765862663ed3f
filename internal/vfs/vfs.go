// Package vfs is the file system seam of the log: the few file operations
// internal/wal performs, as an interface, with two implementations: OS, the
// operating system's files, and Mem, an in-memory file system for tests that
// can fail an operation, run out of space part-way through a write, and
// crash, dropping every byte and every directory change not yet synced.
//
// The interface is as small as the log needs: files are read from the start
// or appended to, never written at an offset, and a directory is synced
// through a File opened with OpenDir.
package vfs

import (
	"errors"
	"io"
	"io/fs"
)

// File is an open file (or, from OpenDir, a directory to sync). Writes go at
// the end of the file. *os.File implements it.
type File interface {
	io.Reader
	io.Writer
	io.Closer
	// Sync makes what was written, and for a directory the names created,
	// removed and renamed in it, durable.
	Sync() error
	// Truncate changes the file's size; the next write still goes at the end.
	Truncate(size int64) error
	Stat() (fs.FileInfo, error)
}

// FS is the set of file system operations the log uses. Names are paths in
// the form of path/filepath. Implementations are safe for concurrent use.
type FS interface {
	// Create creates a new file for appending; it fails if name exists.
	Create(name string) (File, error)
	// Open opens an existing file for reading.
	Open(name string) (File, error)
	// OpenAppend opens an existing file for appending.
	OpenAppend(name string) (File, error)
	// OpenDir opens a directory, to Sync it.
	OpenDir(name string) (File, error)
	// MkdirAll creates a directory and its missing parents.
	MkdirAll(dir string) error
	// Remove removes a file; an error wrapping fs.ErrNotExist if there is none.
	Remove(name string) error
	// Rename renames a file, replacing newname if it exists.
	Rename(oldname, newname string) error
	// List returns the names of the regular files in dir, sorted.
	List(dir string) ([]string, error)
	// Lock creates the file name if needed and takes an exclusive lock on
	// it, failing at once with an error wrapping ErrLocked while another
	// holder, in this process or another, has it. Closing the returned
	// Closer releases the lock.
	Lock(name string) (io.Closer, error)
}

// ErrLocked is returned (wrapped) by FS.Lock when the lock is held.
var ErrLocked = errors.New("locked by another holder")

// ReadFile returns the whole content of the file name.
func ReadFile(fsys FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := 0
	if fi, err := f.Stat(); err == nil && fi.Size() < 1<<40 {
		size = int(fi.Size())
	}
	b := make([]byte, 0, size+1) // +1: the read that finds EOF needs no growth
	for {
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}
