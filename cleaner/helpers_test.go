package cleaner_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/cleaner"
	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/stretchr/testify/require"
)

// Both stores satisfy Target without importing each other's result types.
var (
	_ cleaner.Target = (*mvcc.Store)(nil)
	_ cleaner.Target = (*countingTarget)(nil)
	_ cleaner.Target = interleaved{}
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func newStore() (*mvcc.Store, *core.ManualClock) {
	clk := core.NewManualClock(t0)
	return mvcc.New(mvcc.WithClock(clk)), clk
}

func testNS(agent string) core.Namespace {
	return core.Namespace{Tenant: "t", App: "a", Agent: agent, RunID: core.RunID{1}}
}

func kv(i int) core.Key { return core.KVKey(testNS("agent"), fmt.Sprintf("k%06d", i)) }

func put(t testing.TB, s *mvcc.Store, k core.Key, v string, ttl time.Duration) uint64 {
	t.Helper()
	ver, err := s.Put(k, core.StringValue(v), ttl)
	require.NoError(t, err)
	return ver
}

// countingTarget wraps a Target and records what the cleaner asked of it.
type countingTarget struct {
	cleaner.Target
	mu      sync.Mutex
	limits  []int // the limit of each FindExpired call
	found   int   // entries FindExpired returned in all
	batches []int // the size of each RemoveExpired batch
}

func (c *countingTarget) FindExpired(now time.Time, limit int) []core.Entry {
	out := c.Target.FindExpired(now, limit)
	c.mu.Lock()
	c.limits = append(c.limits, limit)
	c.found += len(out)
	c.mu.Unlock()
	return out
}

func (c *countingTarget) RemoveExpired(es []core.Entry) (core.Removal, error) {
	c.mu.Lock()
	c.batches = append(c.batches, len(es))
	c.mu.Unlock()
	return c.Target.RemoveExpired(es)
}

// interleaved runs between after every FindExpired, before the cleaner can
// remove what was found: a writer winning the race. It offers only Target's
// methods (not the store's Expire), so passes find, then remove.
type interleaved struct {
	cleaner.Target
	between func(found []core.Entry)
}

func (w interleaved) FindExpired(now time.Time, limit int) []core.Entry {
	found := w.Target.FindExpired(now, limit)
	w.between(found)
	return found
}

// manualTicker is a TickerFunc whose ticks the test sends.
type manualTicker struct {
	ch       chan time.Time
	mu       sync.Mutex
	calls    []time.Duration // the interval of each start
	stops    int
	stoppedC chan struct{} // receives once per stop
}

func newManualTicker() *manualTicker {
	return &manualTicker{ch: make(chan time.Time), stoppedC: make(chan struct{}, 16)}
}

func (m *manualTicker) start(d time.Duration) (<-chan time.Time, func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, d)
	return m.ch, func() {
		m.mu.Lock()
		m.stops++
		m.mu.Unlock()
		m.stoppedC <- struct{}{}
	}
}

func (m *manualTicker) starts() []time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]time.Duration(nil), m.calls...)
}

func (m *manualTicker) stopCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stops
}

// tick delivers one tick; it returns once Start's goroutine has received it.
func (m *manualTicker) tick(t testing.TB) {
	t.Helper()
	send(t, m.ch, t0, "Start's goroutine to take a tick")
}

// passes returns a WithOnPass function and the channel it reports on.
func passes() (cleaner.Option, <-chan passResult) {
	ch := make(chan passResult, 64)
	return cleaner.WithOnPass(func(r cleaner.Report, err error) { ch <- passResult{r, err} }), ch
}

type passResult struct {
	rep cleaner.Report
	err error
}
