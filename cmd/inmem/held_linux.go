//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// heldByAnother reports whether a process holds dir's LOCK file (the
// exclusive flock a store takes while it has the directory open), without
// taking any lock itself: Linux lists every flock in /proc/locks by device
// and inode. known is false when that cannot be told.
func heldByAnother(dir string) (held, known bool) {
	fi, err := os.Stat(filepath.Join(dir, "LOCK"))
	if err != nil {
		return false, os.IsNotExist(err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false, false
	}
	id := fmt.Sprintf("%02x:%02x:%d", unix.Major(uint64(st.Dev)), unix.Minor(uint64(st.Dev)), st.Ino)
	f, err := os.Open("/proc/locks")
	if err != nil {
		return false, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "1: FLOCK  ADVISORY  WRITE 28249 fe:00:9998392 0 EOF"
		fields := strings.Fields(sc.Text())
		if len(fields) >= 6 && fields[1] == "FLOCK" && fields[5] == id {
			return true, true
		}
	}
	return false, sc.Err() == nil
}
