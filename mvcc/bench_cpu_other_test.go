//go:build !unix

package mvcc

import "time"

// benchProcessCPU is not measured here: 0 (see bench_cpu_unix_test.go).
func benchProcessCPU() time.Duration { return 0 }
