//go:build unix

package mvcc

import (
	"syscall"
	"time"
)

// benchProcessCPU returns the CPU time the process has used (user and
// system, every thread: the collector's work included). On a machine other
// work shares, a benchmark's wall time per op counts the time it waited for
// a core; its CPU time per op does not.
func benchProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
