package cleaner_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/cleaner"
	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// lastWrite is what a writer last did to one of its keys.
type lastWrite struct {
	written bool
	deleted bool
	value   string
	version uint64
	ttl     time.Duration
}

const (
	tinyTTL = time.Millisecond // expires while the test runs
	longTTL = time.Hour        // never expires while the test runs
)

// mustStay reports whether the key must be present with its last value: its
// last write had no TTL or one that cannot have expired.
func (l lastWrite) mustStay() bool { return l.written && !l.deleted && l.ttl != tinyTTL }

// check asserts what the store may hold for key now: a value the cleaner must
// keep is there, at its version; a tiny-TTL value is there or expired, never
// another version; a deleted key is gone.
func (l lastWrite) check(t *testing.T, s *mvcc.Store, key core.Key) {
	vv, err := s.Get(key)
	switch {
	case !l.written || l.deleted:
		assert.ErrorIs(t, err, core.ErrNotFound, "%s", key)
	case l.mustStay():
		if assert.NoError(t, err, "%s lost its value %q (v%d)", key, l.value, l.version) {
			assert.Equal(t, l.version, vv.Version, "%s", key)
			assert.Equal(t, l.value, vv.Value.String(), "%s", key)
		}
	case err == nil:
		assert.Equal(t, l.version, vv.Version, "%s", key)
	default:
		assert.ErrorIs(t, err, core.ErrNotFound, "%s", key)
	}
}

// The seed's "TTL cleanup doesn't race with writes": writers keep rewriting
// TTL keys while passes run (Start's and RunOnce's, concurrently), and the
// clock moves. No value the cleaner must keep is ever lost, online or at the
// end, and the end state holds exactly the last writes.
func TestCleanupDoesNotRaceWithWrites(t *testing.T) {
	defer goleak.VerifyNone(t)
	const writers, keysPer = 4, 40
	ops := 1500
	if testing.Short() {
		ops = 200
	}
	s, clk := newStore()
	mt := newManualTicker()
	c := cleaner.New(s, cleaner.WithBatchSize(8), cleaner.WithTicker(mt.start))
	c.Start(context.Background())

	key := func(w, j int) core.Key { return core.KVKey(testNS(fmt.Sprint("w", w)), fmt.Sprint("k", j)) }
	last := make([][]lastWrite, writers)
	var wg sync.WaitGroup
	for w := range writers {
		last[w] = make([]lastWrite, keysPer)
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 5))
			for i := range ops {
				j := rng.IntN(keysPer)
				k := key(w, j)
				last[w][j].check(t, s, k) // only this writer writes k
				if w == 0 && i%4 == 0 {
					clk.Advance(tinyTTL)
				}
				switch p := rng.IntN(100); {
				case p < 10:
					_, err := s.Delete(k)
					if err != nil {
						assert.ErrorIs(t, err, core.ErrNotFound)
					}
					last[w][j] = lastWrite{written: true, deleted: true}
				default:
					ttl := time.Duration(0)
					if p < 50 {
						ttl = tinyTTL
					} else if p < 65 {
						ttl = longTTL
					}
					v := fmt.Sprintf("w%d-op%d", w, i)
					ver, err := s.Put(k, core.StringValue(v), ttl)
					if !assert.NoError(t, err) {
						return
					}
					last[w][j] = lastWrite{written: true, value: v, version: ver, ttl: ttl}
				}
			}
		}()
	}

	// Passes run while the writers write: Start's, ticked as fast as the
	// goroutine takes ticks, and RunOnce's from another goroutine.
	writing := make(chan struct{})
	var passers sync.WaitGroup
	passers.Add(2)
	go func() {
		defer passers.Done()
		for {
			select {
			case mt.ch <- t0:
			case <-writing:
				return
			}
		}
	}()
	var onceRemoved, onceSkipped int
	go func() {
		defer passers.Done()
		for {
			select {
			case <-writing:
				return
			default:
			}
			rep, err := c.RunOnce(context.Background())
			assert.NoError(t, err)
			onceRemoved += rep.Removed
			onceSkipped += rep.Skipped
		}
	}()
	waitGroup(t, &wg, "the writers to finish")
	close(writing)
	waitGroup(t, &passers, "the passers to finish")
	stop(t, c)

	st := c.Stats()
	assert.GreaterOrEqual(t, st.Removed, uint64(onceRemoved))
	// Only the pass Stop interrupted, the last one, may have failed.
	if assert.LessOrEqual(t, st.Failures, uint64(1)) && st.Failures == 1 {
		assert.ErrorIs(t, st.LastError, context.Canceled)
	}
	t.Logf("during the writes: %d passes, %d removed, %d skipped", st.Passes, st.Removed, st.Skipped)

	// Everything tiny has expired now; one more pass removes it all.
	clk.Advance(time.Minute)
	rep, err := c.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Empty(t, s.FindExpired(s.Now(), 0), "nothing expired is left")

	present := 0
	for w := range writers {
		for j := range keysPer {
			l := last[w][j]
			l.check(t, s, key(w, j))
			if l.mustStay() {
				present++
			} else if l.written && !l.deleted {
				assert.True(t, l.ttl == tinyTTL)
			}
		}
	}
	assert.Equal(t, present, s.Stats().Keys, "exactly the kept keys are stored")
	es, err := s.ScanByRun(testNS("").RunID, core.Latest)
	require.NoError(t, err)
	assert.Len(t, es, present, "the run index holds exactly the kept keys")
	t.Logf("final pass: %d removed; %d keys kept", rep.Removed, present)
}
