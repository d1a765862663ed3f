package vfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"
)

// Op names a file system operation, for Mem's fault hook.
type Op int

// The operations of FS and File.
const (
	OpCreate Op = iota + 1
	OpOpen
	OpOpenAppend
	OpOpenDir
	OpMkdirAll
	OpRemove
	OpRename
	OpList
	OpLock
	OpRead
	OpWrite
	OpSync
	OpTruncate
)

var opNames = [...]string{OpCreate: "create", OpOpen: "open", OpOpenAppend: "open-append",
	OpOpenDir: "open-dir", OpMkdirAll: "mkdir", OpRemove: "remove", OpRename: "rename",
	OpList: "list", OpLock: "lock", OpRead: "read", OpWrite: "write", OpSync: "sync",
	OpTruncate: "truncate"}

func (o Op) String() string {
	if o > 0 && int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// ErrCrashed is returned (wrapped) by every operation on a file opened
// before Mem.Crash.
var ErrCrashed = errors.New("vfs: the file system crashed since this file was opened")

// Mem is an in-memory FS that keeps, beside each file's content and each
// directory's names, what the last Sync made durable, so that Crash can drop
// the rest, as a machine that loses power does: a file's bytes written since
// its last Sync, and a directory's creations, removals and renames since the
// directory's last Sync (through OpenDir), are gone after Crash. Directories
// made by MkdirAll are durable at once.
//
// SetFault fails chosen operations and SetSpace bounds the bytes all files
// may hold, so that a write past it stops part-way with ENOSPC. Safe for
// concurrent use.
type Mem struct {
	mu    sync.Mutex
	dirs  map[string]*memDir
	limit int64 // the bytes all files may hold; < 0: no limit
	fault func(op Op, name string) error
	gen   uint64 // bumped by Crash: older handles fail
}

type memDir struct {
	cur, synced map[string]*memNode
}

type memNode struct {
	data, synced []byte
	locked       bool
}

// NewMem returns an empty in-memory file system (holding the root "/" and
// ".") with no space limit and no faults.
func NewMem() *Mem {
	m := &Mem{dirs: map[string]*memDir{}, limit: -1}
	m.dirs["/"] = newMemDir()
	m.dirs["."] = newMemDir()
	return m
}

func newMemDir() *memDir {
	return &memDir{cur: map[string]*memNode{}, synced: map[string]*memNode{}}
}

// SetFault installs f, called before every operation with the operation and
// the path it concerns; an error from f fails the operation, which then
// changes nothing. f is called without Mem's lock held, so it may call
// Crash: the operation then fails with ErrCrashed. nil removes the hook.
func (m *Mem) SetFault(f func(op Op, name string) error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fault = f
}

// SetSpace bounds the bytes all files together may hold at n: a write that
// would pass it writes what fits and fails with an error wrapping
// syscall.ENOSPC. n < 0: no bound.
func (m *Mem) SetSpace(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.limit = n
}

// Crash drops everything not synced: each file's content goes back to what
// its last Sync left, each directory's names to what its last Sync left.
// Files opened before fail every later operation with ErrCrashed, and locks
// are released.
func (m *Mem) Crash() { m.CrashTorn(nil) }

// CrashTorn is Crash, except that of the bytes a file gained since its last
// Sync (when it only grew since), keep(name, n) says how many of the n reach
// the disk, from the start: as a machine that wrote some of the unsynced
// pages back, in order, before it lost power. keep nil keeps none.
func (m *Mem) CrashTorn(keep func(name string, n int) int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	done := map[*memNode]bool{}
	for _, p := range slices.Sorted(maps.Keys(m.dirs)) {
		d := m.dirs[p]
		d.cur = maps.Clone(d.synced)
		for _, base := range slices.Sorted(maps.Keys(d.cur)) {
			n := d.cur[base]
			if done[n] {
				continue
			}
			done[n] = true
			k := 0
			if extra := len(n.data) - len(n.synced); keep != nil && extra > 0 && bytes.HasPrefix(n.data, n.synced) {
				k = min(max(keep(filepath.Join(p, base), extra), 0), extra)
			}
			if k > 0 {
				n.data = append(slices.Clone(n.synced), n.data[len(n.synced):len(n.synced)+k]...)
			} else {
				n.data = slices.Clone(n.synced)
			}
			n.synced = slices.Clone(n.data)
			n.locked = false
		}
	}
}

// ReadFile returns the current content of the file name (synced or not).
func (m *Mem) ReadFile(name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, base, err := m.parent(name)
	if err != nil {
		return nil, err
	}
	n, ok := d.cur[base]
	if !ok {
		return nil, pathErr("read", name, fs.ErrNotExist)
	}
	return slices.Clone(n.data), nil
}

// WriteFile sets the content of the file name, creating it, and makes it
// durable (the file and its directory entry), as a test that plants a file
// needs.
func (m *Mem) WriteFile(name string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, base, err := m.parent(name)
	if err != nil {
		return err
	}
	n, ok := d.cur[base]
	if !ok {
		n = &memNode{}
		d.cur[base] = n
	}
	n.data, n.synced = slices.Clone(data), slices.Clone(data)
	d.synced[base] = n
	return nil
}

func pathErr(op, name string, err error) error { return &fs.PathError{Op: op, Path: name, Err: err} }

// check runs the fault hook, without the lock.
func (m *Mem) check(op Op, name string) error {
	m.mu.Lock()
	f := m.fault
	m.mu.Unlock()
	if f == nil {
		return nil
	}
	if err := f(op, name); err != nil {
		return pathErr(op.String(), name, err)
	}
	return nil
}

// parent returns the directory holding name and name's base. m.mu is held.
func (m *Mem) parent(name string) (*memDir, string, error) {
	name = filepath.Clean(name)
	d, ok := m.dirs[filepath.Dir(name)]
	if !ok {
		return nil, "", pathErr("open", name, fs.ErrNotExist)
	}
	return d, filepath.Base(name), nil
}

// Create implements FS.
func (m *Mem) Create(name string) (File, error) {
	if err := m.check(OpCreate, name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, base, err := m.parent(name)
	if err != nil {
		return nil, err
	}
	if _, ok := d.cur[base]; ok {
		return nil, pathErr("create", name, fs.ErrExist)
	}
	if _, ok := m.dirs[filepath.Clean(name)]; ok {
		return nil, pathErr("create", name, fs.ErrExist)
	}
	n := &memNode{}
	d.cur[base] = n
	return &memFile{m: m, n: n, name: name, gen: m.gen, write: true}, nil
}

func (m *Mem) open(op Op, name string, write bool) (File, error) {
	if err := m.check(op, name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, base, err := m.parent(name)
	if err != nil {
		return nil, err
	}
	n, ok := d.cur[base]
	if !ok {
		return nil, pathErr(op.String(), name, fs.ErrNotExist)
	}
	return &memFile{m: m, n: n, name: name, gen: m.gen, write: write}, nil
}

// Open implements FS.
func (m *Mem) Open(name string) (File, error) { return m.open(OpOpen, name, false) }

// OpenAppend implements FS.
func (m *Mem) OpenAppend(name string) (File, error) { return m.open(OpOpenAppend, name, true) }

// OpenDir implements FS.
func (m *Mem) OpenDir(name string) (File, error) {
	if err := m.check(OpOpenDir, name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.dirs[filepath.Clean(name)]
	if !ok {
		return nil, pathErr("open", name, fs.ErrNotExist)
	}
	return &memFile{m: m, dir: d, name: name, gen: m.gen}, nil
}

// MkdirAll implements FS.
func (m *Mem) MkdirAll(dir string) error {
	if err := m.check(OpMkdirAll, dir); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		if _, ok := m.dirs[p]; ok {
			return nil
		}
		if d, ok := m.dirs[filepath.Dir(p)]; ok {
			if _, file := d.cur[filepath.Base(p)]; file {
				return pathErr("mkdir", p, syscall.ENOTDIR)
			}
		}
		m.dirs[p] = newMemDir()
	}
}

// Remove implements FS.
func (m *Mem) Remove(name string) error {
	if err := m.check(OpRemove, name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, base, err := m.parent(name)
	if err != nil {
		return err
	}
	if _, ok := d.cur[base]; !ok {
		return pathErr("remove", name, fs.ErrNotExist)
	}
	delete(d.cur, base)
	return nil
}

// Rename implements FS.
func (m *Mem) Rename(oldname, newname string) error {
	if err := m.check(OpRename, oldname); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	od, obase, err := m.parent(oldname)
	if err != nil {
		return err
	}
	nd, nbase, err := m.parent(newname)
	if err != nil {
		return err
	}
	n, ok := od.cur[obase]
	if !ok {
		return pathErr("rename", oldname, fs.ErrNotExist)
	}
	delete(od.cur, obase)
	nd.cur[nbase] = n
	return nil
}

// List implements FS.
func (m *Mem) List(dir string) ([]string, error) {
	if err := m.check(OpList, dir); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.dirs[filepath.Clean(dir)]
	if !ok {
		return nil, pathErr("open", dir, fs.ErrNotExist)
	}
	return slices.Sorted(maps.Keys(d.cur)), nil
}

// Lock implements FS.
func (m *Mem) Lock(name string) (io.Closer, error) {
	if err := m.check(OpLock, name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, base, err := m.parent(name)
	if err != nil {
		return nil, err
	}
	n, ok := d.cur[base]
	if !ok {
		n = &memNode{}
		d.cur[base] = n
	}
	if n.locked {
		return nil, fmt.Errorf("%s: %w", name, ErrLocked)
	}
	n.locked = true
	return &memLock{m: m, n: n, gen: m.gen}, nil
}

type memLock struct {
	m    *Mem
	n    *memNode
	gen  uint64
	once sync.Once
}

func (l *memLock) Close() error {
	l.once.Do(func() {
		l.m.mu.Lock()
		defer l.m.mu.Unlock()
		if l.gen == l.m.gen {
			l.n.locked = false
		}
	})
	return nil
}

// used returns the bytes all files hold. m.mu is held.
func (m *Mem) used() int64 {
	var n int64
	seen := map[*memNode]bool{}
	for _, d := range m.dirs {
		for _, f := range d.cur {
			if !seen[f] {
				seen[f] = true
				n += int64(len(f.data))
			}
		}
	}
	return n
}

type memFile struct {
	m      *Mem
	n      *memNode // nil for a directory
	dir    *memDir  // a directory opened with OpenDir
	name   string
	gen    uint64
	write  bool
	off    int // the read offset
	closed bool
}

// usable reports why f cannot be used. f.m.mu is held.
func (f *memFile) usable(op Op) error {
	switch {
	case f.closed:
		return pathErr(op.String(), f.name, fs.ErrClosed)
	case f.gen != f.m.gen:
		return pathErr(op.String(), f.name, ErrCrashed)
	}
	return nil
}

func (f *memFile) Read(b []byte) (int, error) {
	if err := f.m.check(OpRead, f.name); err != nil {
		return 0, err
	}
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.usable(OpRead); err != nil {
		return 0, err
	}
	if f.n == nil || f.write {
		return 0, pathErr("read", f.name, syscall.EBADF)
	}
	if f.off >= len(f.n.data) {
		return 0, io.EOF
	}
	n := copy(b, f.n.data[f.off:])
	f.off += n
	return n, nil
}

func (f *memFile) Write(b []byte) (int, error) {
	if err := f.m.check(OpWrite, f.name); err != nil {
		return 0, err
	}
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.usable(OpWrite); err != nil {
		return 0, err
	}
	if f.n == nil || !f.write {
		return 0, pathErr("write", f.name, syscall.EBADF)
	}
	n := len(b)
	if f.m.limit >= 0 {
		n = int(min(int64(n), max(f.m.limit-f.m.used(), 0)))
	}
	f.n.data = append(f.n.data, b[:n]...)
	if n < len(b) {
		return n, pathErr("write", f.name, syscall.ENOSPC)
	}
	return n, nil
}

func (f *memFile) Sync() error {
	if err := f.m.check(OpSync, f.name); err != nil {
		return err
	}
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.usable(OpSync); err != nil {
		return err
	}
	if f.dir != nil {
		f.dir.synced = maps.Clone(f.dir.cur)
	} else {
		f.n.synced = slices.Clone(f.n.data)
	}
	return nil
}

func (f *memFile) Truncate(size int64) error {
	if err := f.m.check(OpTruncate, f.name); err != nil {
		return err
	}
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.usable(OpTruncate); err != nil {
		return err
	}
	if f.n == nil || !f.write || size < 0 {
		return pathErr("truncate", f.name, syscall.EINVAL)
	}
	if size <= int64(len(f.n.data)) {
		f.n.data = f.n.data[:size:size]
	} else {
		f.n.data = append(f.n.data, make([]byte, int(size)-len(f.n.data))...)
	}
	return nil
}

func (f *memFile) Stat() (fs.FileInfo, error) {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.usable(OpOpen); err != nil {
		return nil, err
	}
	fi := memInfo{name: filepath.Base(f.name), dir: f.dir != nil}
	if f.n != nil {
		fi.size = int64(len(f.n.data))
	}
	return fi, nil
}

func (f *memFile) Close() error {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if f.closed {
		return pathErr("close", f.name, fs.ErrClosed)
	}
	f.closed = true
	return nil
}

type memInfo struct {
	name string
	size int64
	dir  bool
}

func (fi memInfo) Name() string { return fi.name }
func (fi memInfo) Size() int64  { return fi.size }
func (fi memInfo) Mode() fs.FileMode {
	if fi.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}
func (fi memInfo) ModTime() time.Time { return time.Time{} }
func (fi memInfo) IsDir() bool        { return fi.dir }
func (fi memInfo) Sys() any           { return nil }
