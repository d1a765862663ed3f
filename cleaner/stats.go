package cleaner

import (
	"sync"
	"time"
)

// Stats are a Cleaner's counters since New. A value; safe for concurrent use
// once returned.
type Stats struct {
	Passes       uint64        // passes run, Start's and RunOnce's
	Failures     uint64        // passes that ended with an error (a context's included)
	Batches      uint64        // removal commits attempted
	Removed      uint64        // expired values removed
	Skipped      uint64        // expired values kept because they were written again before removal
	LastDuration time.Duration // the duration of the latest pass
	LastError    error         // the error of the latest pass; nil if it succeeded
}

// Stats returns a consistent copy of the cleaner's counters: every field
// reflects the same set of finished passes. Safe for concurrent use.
func (c *Cleaner) Stats() Stats { return c.stats.get() }

type statsBox struct {
	mu sync.Mutex
	s  Stats
}

func (b *statsBox) add(rep Report, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.s.Passes++
	if err != nil {
		b.s.Failures++
	}
	b.s.Batches += uint64(rep.Batches)
	b.s.Removed += uint64(rep.Removed)
	b.s.Skipped += uint64(rep.Skipped)
	b.s.LastDuration = rep.Duration
	b.s.LastError = err
}

func (b *statsBox) get() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.s
}
