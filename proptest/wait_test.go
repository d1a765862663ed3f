package proptest

import (
	"sync"
	"testing"
	"time"
)

// stressPatience bounds how long a stress test waits for its goroutines: far
// beyond what they need even under -race on a loaded machine, and well
// inside go test's own timeout, so that a hang fails the test that waited,
// naming what it waited for.
const stressPatience = 3 * time.Minute

// waitGroup waits for wg, failing t if it is not done within stressPatience.
func waitGroup(t testing.TB, wg *sync.WaitGroup, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(stressPatience)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		t.Fatalf("waited %v for %s", stressPatience, what)
	}
}
