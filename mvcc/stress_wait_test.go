package mvcc_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
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

// epoch is where the stress tests' clocks start; tick is their TTL unit.
var epoch = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

const tick = time.Second

// collect returns the pairs of seq as entries.
func collect(seq func(func(core.Key, core.VersionedValue) bool)) []core.Entry {
	var out []core.Entry
	for k, v := range seq {
		out = append(out, core.Entry{Key: k, Value: v})
	}
	return out
}

// diffScan describes how a scan's answer differs from want, or returns "".
func diffScan(got []core.Entry, err error, want []core.Entry, _ error, ts bool) string {
	if err != nil {
		return fmt.Sprintf("error %v", err)
	}
	return diffEntries(got, want, ts)
}

// diffEntries describes the first difference between got and want, entry
// by entry (keys, values by Value.Equal, versions, TTLs and, when ts,
// timestamps), or returns "".
func diffEntries(got, want []core.Entry, ts bool) string {
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			return fmt.Sprintf("%d entries, want %d: missing %s", len(got), len(want), want[i].Key)
		case i >= len(want):
			return fmt.Sprintf("%d entries, want %d: extra %s", len(got), len(want), got[i].Key)
		}
		g, w := got[i], want[i]
		if !g.Key.Equal(w.Key) || !g.Value.Value.Equal(w.Value.Value) || g.Value.Version != w.Value.Version ||
			g.Value.TTL != w.Value.TTL || (ts && !g.Value.Timestamp.Equal(w.Value.Timestamp)) {
			return fmt.Sprintf("[%d] %s = %v, want %s = %v", i, g.Key, g.Value, w.Key, w.Value)
		}
	}
	return ""
}
