package vfs

import (
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// each runs fn on both implementations, in a fresh directory.
func each(t *testing.T, fn func(t *testing.T, fsys FS, dir string)) {
	t.Run("os", func(t *testing.T) { fn(t, OS, t.TempDir()) })
	t.Run("mem", func(t *testing.T) {
		m := NewMem()
		if err := m.MkdirAll("/d"); err != nil {
			t.Fatal(err)
		}
		fn(t, m, "/d")
	})
}

func mustWrite(t *testing.T, f File, s string) {
	t.Helper()
	if n, err := f.Write([]byte(s)); err != nil || n != len(s) {
		t.Fatalf("write %q: %d, %v", s, n, err)
	}
}

func TestFS(t *testing.T) {
	each(t, func(t *testing.T, fsys FS, dir string) {
		a := filepath.Join(dir, "a")
		f, err := fsys.Create(a)
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, f, "hello ")
		if _, err := fsys.Create(a); !errors.Is(err, fs.ErrExist) {
			t.Fatalf("second Create: %v, want ErrExist", err)
		}
		if err := f.Truncate(3); err != nil {
			t.Fatal(err)
		}
		mustWrite(t, f, "p!") // appends after the cut
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		g, err := fsys.OpenAppend(a)
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, g, "?")
		g.Close()
		b, err := ReadFile(fsys, a)
		if err != nil || string(b) != "help!?" {
			t.Fatalf("ReadFile = %q, %v", b, err)
		}
		r, _ := fsys.Open(a)
		if fi, err := r.Stat(); err != nil || fi.Size() != 6 {
			t.Fatalf("Stat: %v, %v", fi, err)
		}
		if _, err := r.Write([]byte("x")); err == nil {
			t.Fatal("write to a file opened for reading succeeded")
		}
		r.Close()
		if err := fsys.Rename(a, filepath.Join(dir, "b")); err != nil {
			t.Fatal(err)
		}
		if err := fsys.MkdirAll(filepath.Join(dir, "sub", "x")); err != nil {
			t.Fatal(err)
		}
		names, err := fsys.List(dir)
		if err != nil || !slices.Equal(names, []string{"b"}) {
			t.Fatalf("List = %v, %v", names, err)
		}
		if err := fsys.Remove(filepath.Join(dir, "a")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Remove of a missing file: %v", err)
		}
		if _, err := fsys.Open(filepath.Join(dir, "a")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Open of a missing file: %v", err)
		}
		d, err := fsys.OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Sync(); err != nil {
			t.Fatal(err)
		}
		d.Close()

		lk, err := fsys.Lock(filepath.Join(dir, "LOCK"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fsys.Lock(filepath.Join(dir, "LOCK")); !errors.Is(err, ErrLocked) {
			t.Fatalf("second Lock: %v, want ErrLocked", err)
		}
		lk.Close()
		lk, err = fsys.Lock(filepath.Join(dir, "LOCK"))
		if err != nil {
			t.Fatalf("Lock after release: %v", err)
		}
		lk.Close()
	})
}

// TestMemCrash: a crash keeps exactly what file and directory syncs made
// durable.
func TestMemCrash(t *testing.T) {
	m := NewMem()
	m.MkdirAll("/d")
	d, _ := m.OpenDir("/d")
	f, _ := m.Create("/d/synced")
	mustWrite(t, f, "one ")
	f.Sync()
	mustWrite(t, f, "two") // never synced
	g, _ := m.Create("/d/unnamed")
	mustWrite(t, g, "data")
	g.Sync() // the file, but not its name
	d.Sync()
	h, _ := m.Create("/d/late") // created after the directory sync
	h.Sync()
	m.Rename("/d/synced", "/d/renamed") // not synced
	lk, _ := m.Lock("/d/LOCK")
	_ = lk

	m.Crash()
	names, _ := m.List("/d")
	if !slices.Equal(names, []string{"synced", "unnamed"}) {
		t.Fatalf("after crash: %v", names)
	}
	if b, _ := m.ReadFile("/d/synced"); string(b) != "one " {
		t.Fatalf("synced file holds %q", b)
	}
	if b, _ := m.ReadFile("/d/unnamed"); string(b) != "data" {
		t.Fatalf("unnamed file holds %q", b)
	}
	if _, err := f.Write([]byte("x")); !errors.Is(err, ErrCrashed) {
		t.Fatalf("write to a file of before the crash: %v", err)
	}
	if err := d.Sync(); !errors.Is(err, ErrCrashed) {
		t.Fatalf("sync of a directory of before the crash: %v", err)
	}
	if lk, err := m.Lock("/d/LOCK"); err != nil {
		t.Fatalf("a crash keeps a lock: %v", err)
	} else {
		lk.Close()
	}
}

func TestMemFaults(t *testing.T) {
	m := NewMem()
	m.MkdirAll("/d")
	f, _ := m.Create("/d/f")
	m.SetSpace(5)
	n, err := f.Write([]byte("abcdefgh"))
	if n != 5 || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("write past the space: %d, %v", n, err)
	}
	f.Truncate(2)
	if n, err := f.Write([]byte("xyz")); n != 3 || err != nil {
		t.Fatalf("write after freeing space: %d, %v", n, err)
	}
	m.SetSpace(-1)
	boom := errors.New("boom")
	m.SetFault(func(op Op, name string) error {
		if op == OpSync && name == "/d/f" {
			return boom
		}
		return nil
	})
	if err := f.Sync(); !errors.Is(err, boom) {
		t.Fatalf("sync: %v", err)
	}
	m.SetFault(func(op Op, name string) error {
		if op == OpSync {
			m.Crash()
		}
		return nil
	})
	if err := f.Sync(); !errors.Is(err, ErrCrashed) {
		t.Fatalf("sync that crashes: %v", err)
	}
	m.SetFault(nil)
	if _, err := m.ReadFile("/d/f"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a file never made durable survived the crash: %v", err)
	}
	if OpSync.String() != "sync" || Op(99).String() != "Op(99)" {
		t.Fatal("Op.String")
	}
}

// TestMemCrashTorn: a torn crash keeps a prefix of what a file gained since
// its last sync.
func TestMemCrashTorn(t *testing.T) {
	m := NewMem()
	m.MkdirAll("/d")
	d, _ := m.OpenDir("/d")
	f, _ := m.Create("/d/f")
	mustWrite(t, f, "abc")
	f.Sync()
	d.Sync()
	mustWrite(t, f, "defgh")
	var asked []string
	m.CrashTorn(func(name string, n int) int {
		asked = append(asked, name)
		if n != 5 {
			t.Errorf("%s: %d unsynced bytes, want 5", name, n)
		}
		return 2
	})
	if b, _ := m.ReadFile("/d/f"); string(b) != "abcde" {
		t.Fatalf("after a torn crash: %q", b)
	}
	if !slices.Equal(asked, []string{"/d/f"}) {
		t.Fatalf("asked about %v", asked)
	}
	m.Crash() // what the torn crash kept is on the disk now
	if b, _ := m.ReadFile("/d/f"); string(b) != "abcde" {
		t.Fatalf("after a second crash: %q", b)
	}
}

// TestMemCrashAfterTruncate: a file cut shorter than its synced content goes
// back to the synced content.
func TestMemCrashAfterTruncate(t *testing.T) {
	m := NewMem()
	m.MkdirAll("/d")
	m.WriteFile("/d/f", []byte("abcdef"))
	f, _ := m.OpenAppend("/d/f")
	f.Truncate(2)
	m.CrashTorn(func(string, int) int { return 3 })
	if b, _ := m.ReadFile("/d/f"); string(b) != "abcdef" {
		t.Fatalf("after a crash: %q", b)
	}
}
