//go:build !unix

package vfs

import (
	"fmt"
	"os"
)

// lockFile fails where flock is not available: the log does not open a
// directory it cannot lock.
func lockFile(f *os.File) error {
	return fmt.Errorf("lock %s: no file locking on this platform", f.Name())
}

func unlockFile(*os.File) error { return nil }
