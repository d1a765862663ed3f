package cleaner_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/cleaner"
)

// patience is how long a test waits for another goroutine before it fails,
// naming what it waited for. It is a deadline, not a sleep: every wait ends
// as soon as what it waits for happens, and a bug that makes it never happen
// fails the test that waited, by name, instead of hanging the run.
const patience = 10 * time.Second

// recv receives from ch, failing t if nothing arrives within patience.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(patience)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("waited %v for %s", patience, what)
		panic("unreachable")
	}
}

// send sends v on ch, failing t if nobody receives it within patience.
func send[T any](t testing.TB, ch chan<- T, v T, what string) {
	t.Helper()
	timer := time.NewTimer(patience)
	defer timer.Stop()
	select {
	case ch <- v:
	case <-timer.C:
		t.Fatalf("waited %v to hand over %s", patience, what)
	}
}

// within runs fn on another goroutine and waits for it to return, failing t
// if it has not within patience (fn is then left running: the test has
// failed and goleak names it).
func within(t testing.TB, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	recv(t, done, what)
}

// stop calls c.Stop, failing t if it does not return within patience.
func stop(t testing.TB, c *cleaner.Cleaner) {
	t.Helper()
	within(t, "Stop to return", c.Stop)
}

// waitGroup waits for wg, failing t if it is not done within patience.
func waitGroup(t testing.TB, wg *sync.WaitGroup, what string) {
	t.Helper()
	within(t, what, wg.Wait)
}

// mustRecv is recv for goroutines that are not the test's (a Target's
// methods, run by the cleaner): with no t to fail, it panics with what it
// waited for, which ends the run naming it.
func mustRecv[T any](ch <-chan T, what string) T {
	timer := time.NewTimer(patience)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		panic(fmt.Sprintf("cleaner test: waited %v for %s", patience, what))
	}
}

// mustSend is send for goroutines that are not the test's; see mustRecv.
func mustSend[T any](ch chan<- T, v T, what string) {
	timer := time.NewTimer(patience)
	defer timer.Stop()
	select {
	case ch <- v:
	case <-timer.C:
		panic(fmt.Sprintf("cleaner test: waited %v to hand over %s", patience, what))
	}
}
