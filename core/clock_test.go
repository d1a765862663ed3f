package core

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	_ Clock = SystemClock{}
	_ Clock = (*ManualClock)(nil)
)

func TestSystemClock(t *testing.T) {
	var c Clock = SystemClock{}
	before := time.Now()
	got := c.Now()
	after := time.Now()
	assert.False(t, got.Before(before))
	assert.False(t, got.After(after))
	assert.Equal(t, time.Local, got.Location())
}

func TestManualClock(t *testing.T) {
	var zero ManualClock
	assert.True(t, zero.Now().IsZero(), "the zero ManualClock reads the zero time")
	assert.Equal(t, time.Time{}.Add(time.Second), zero.Advance(time.Second))

	start := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	c := NewManualClock(start)
	assert.Equal(t, start, c.Now())
	assert.Equal(t, start, c.Now(), "reading does not move the clock")

	got := c.Advance(time.Nanosecond)
	assert.Equal(t, start.Add(time.Nanosecond), got)
	assert.Equal(t, got, c.Now())

	got = c.Advance(time.Hour)
	assert.Equal(t, start.Add(time.Hour+time.Nanosecond), got)
	assert.Equal(t, got, c.Now())

	got = c.Advance(-2 * time.Hour)
	assert.Equal(t, start.Add(-time.Hour+time.Nanosecond), got, "negative Advance moves backward")
	assert.Equal(t, got, c.Now())

	got = c.Advance(0)
	assert.Equal(t, start.Add(-time.Hour+time.Nanosecond), got)

	later := time.Date(2030, 5, 6, 7, 8, 9, 10, time.UTC)
	c.Set(later)
	assert.Equal(t, later, c.Now())
	c.Set(start) // Set may move backward too
	assert.Equal(t, start, c.Now())

	// Expiry judged against a ManualClock.
	v := VersionedValue{Timestamp: c.Now(), TTL: time.Minute}
	assert.False(t, v.Expired(c.Now()))
	c.Advance(time.Minute - 1)
	assert.False(t, v.Expired(c.Now()))
	c.Advance(1)
	assert.True(t, v.Expired(c.Now()))
}

func TestManualClockConcurrentAdvance(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewManualClock(start)
	const writers, steps, readers = 8, 500, 4

	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readerWG sync.WaitGroup
	for range readers {
		readerWG.Add(1)
		go func() {
			defer readerWG.Done()
			last := c.Now()
			for {
				select {
				case <-stop:
					return
				default:
				}
				now := c.Now()
				if now.Before(last) {
					t.Errorf("clock went backward: %v after %v", now, last)
					return
				}
				last = now
			}
		}()
	}
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range steps {
				if got := c.Advance(time.Nanosecond); !got.After(start) {
					t.Errorf("Advance returned %v", got)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readerWG.Wait()
	assert.Equal(t, start.Add(writers*steps*time.Nanosecond), c.Now())
}

func TestManualClockConcurrentSet(t *testing.T) {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewManualClock(base)
	const workers, each = 6, 300
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range each {
				c.Set(base.Add(time.Duration(w*each+i) * time.Second))
			}
		}()
		go func() {
			defer wg.Done()
			for range each {
				now := c.Now()
				d := now.Sub(base)
				if d < 0 || d >= workers*each*time.Second || d%time.Second != 0 {
					t.Errorf("Now returned a time never set: %v", now)
					return
				}
			}
		}()
	}
	wg.Wait()
	d := c.Now().Sub(base)
	require.GreaterOrEqual(t, d, time.Duration(0))
	require.Less(t, d, workers*each*time.Second)
}
