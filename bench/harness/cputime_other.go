//go:build !unix

package harness

import "time"

// cpuTime is not measured on this platform: -cpu reports zeros.
func cpuTime() time.Duration { return 0 }
