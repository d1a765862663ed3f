package etcdstore

import (
	"sync"
	"testing"
	"time"
)

// ClusterEndpoints returns the endpoints of the package's test member, for
// the examples (package etcdstore_test).
func ClusterEndpoints() []string { return testEndpoints }

// holdFirstBatch makes the store's first batch wait until n requests are
// queued (at most 30 seconds, then the test fails), so that they commit as
// one group.
func (s *Store) holdFirstBatch(t testing.TB, n int) {
	var once sync.Once
	s.gc.gate = func() {
		once.Do(func() {
			deadline := time.Now().Add(30 * time.Second)
			for s.queued() < n {
				if time.Now().After(deadline) {
					t.Errorf("timed out waiting for %d queued requests (%d queued)", n, s.queued())
					return
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
}

func (s *Store) queued() int {
	s.gc.mu.Lock()
	defer s.gc.mu.Unlock()
	return len(s.gc.queue)
}
