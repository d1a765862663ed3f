package mvcc

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/inmemdb/inmem/core"
)

// WatchOption selects the changes a Watcher delivers. With several options a
// change matches when any of them matches; with none, every change does. It
// is core.WatchOption, so a watch reads the same on every store.
type WatchOption = core.WatchOption

// WatchPrefix selects the changes of keys p matches (core.WatchPrefix).
func WatchPrefix(p core.Prefix) WatchOption { return core.WatchPrefix(p) }

// WatchRun selects the changes of keys of run, in any namespace
// (core.WatchRun).
func WatchRun(run core.RunID) WatchOption { return core.WatchRun(run) }

// watchOptions are a watcher's options as it matches encoded keys.
type watchOptions struct {
	prefixes []string     // encoded prefixes
	runs     []core.RunID //
	err      error        // an invalid option: Next returns it
}

// buildWatchOptions encodes the options' prefixes once.
func buildWatchOptions(opts []WatchOption) watchOptions {
	c := core.NewWatchOptions(opts...)
	o := watchOptions{runs: c.Runs, err: c.Err}
	for _, p := range c.Prefixes {
		o.prefixes = append(o.prefixes, string(p.AppendEncode(nil)))
	}
	return o
}

// match reports whether a change of the encoded key matches the options.
func (o *watchOptions) match(enc string) bool {
	for _, p := range o.prefixes {
		if strings.HasPrefix(enc, p) {
			return true
		}
	}
	if len(o.runs) > 0 {
		n := nsLen(enc)
		run := enc[n-16 : n]
		for i := range o.runs {
			if run == string(o.runs[i][:]) {
				return true
			}
		}
	}
	return false
}

// Watcher is a cursor over the store's commit records: it delivers, in
// version order, every commit after its starting version that has at least
// one matching change, each with exactly its matching changes, in key
// order. It is not a buffer that writers fill: writers never wait for
// watchers and do nothing per watcher, however many there are and however
// slowly they read. The records a watcher can reach are those of the history
// window (WithHistory, WithHistoryBytes); a watcher that falls behind it gets
// ErrCompacted, never a gap, and resumes from a snapshot: Snapshot(), then
// Watch(snap.Version()).
//
// Next is safe for concurrent use: calls take turns, and each, while it
// waits for its turn, still ends at its context's end or at Close. Close is
// safe from any goroutine, at any time, more than once.
type Watcher struct {
	s      *Store
	opts   watchOptions
	filter func(string) bool
	turn   chan struct{} // holds a token while a Next runs: serializes Next
	next   uint64        // the next version to look at
	err    error         // sticky: ErrCompacted
	done   chan struct{}
	once   sync.Once
}

// Watch returns a watcher that delivers every commit with version > after
// that has at least one change the options match (see WatchPrefix, WatchRun).
// after may be above the current version: the watcher waits for it;
// core.Latest means the current version (changes from now on). Safe for
// concurrent use.
func (s *Store) Watch(after uint64, opts ...WatchOption) *Watcher {
	if after == core.Latest {
		after = s.CurrentVersion()
	}
	w := &Watcher{s: s, opts: buildWatchOptions(opts), next: after + 1, done: make(chan struct{}), turn: make(chan struct{}, 1)}
	if len(w.opts.prefixes) > 0 || len(w.opts.runs) > 0 {
		w.filter = w.opts.match
	}
	return w
}

// Next returns the next matching commit, waiting for one if need be. It
// returns ctx.Err() when ctx ends first, an error wrapping core.ErrClosed
// once the watcher or the store is closed, and an error wrapping
// core.ErrCompacted (for good) when the next commit to deliver has left the
// history window. The commit and its values are the caller's.
func (w *Watcher) Next(ctx context.Context) (core.Commit, error) {
	if ctx == nil {
		return core.Commit{}, fmt.Errorf("%w: Next needs a context", core.ErrInvalidArgument)
	}
	// A plain mutex would hold a second caller past its context's end and
	// past Close while the first waits for a commit.
	select {
	case w.turn <- struct{}{}:
	case <-ctx.Done():
		return core.Commit{}, ctx.Err()
	case <-w.done:
		return core.Commit{}, w.closedErr()
	case <-w.s.closedCh():
		return core.Commit{}, w.closedErr()
	}
	defer func() { <-w.turn }()
	if w.opts.err != nil {
		return core.Commit{}, w.opts.err
	}
	// Publishes wake only while some Next waits, so an open watcher that is
	// not reading costs writers nothing. No wake-up is lost:
	//   - Next blocks only on a pass that began after it was counted as
	//     waiting (the pass that counts it goes round once more);
	//   - each pass loads the signal before the root.
	// A publish the root of that last pass does not show came after its
	// signal was loaded, and saw the count (the publisher counts after it
	// stores the root, the waiter before it loads the signal), so it
	// closes that very signal.
	waiting := false
	defer func() {
		if waiting {
			w.s.watchers.Add(-1)
		}
	}()
	for {
		if err := w.closedErr(); err != nil {
			return core.Commit{}, err
		}
		if w.err != nil {
			return core.Commit{}, w.err
		}
		// Load the signal before the root: a publish after this load
		// closes the channel we wait on.
		signal := w.s.signal()
		if watchHook != nil {
			watchHook(watchLoaded)
		}
		r := w.s.root.Load()
		for w.next <= r.cur.version {
			rec, st, ok := r.commitAt(w.next)
			if !ok {
				w.err = fmt.Errorf("%w: version %d has left the history window (oldest kept: %d)", core.ErrCompacted, w.next, r.oldest())
				return core.Commit{}, w.err
			}
			w.next++
			if c, ok := rec.public(st, w.filter); ok {
				return c, nil
			}
		}
		if watchHook != nil {
			watchHook(watchIdle)
		}
		if !waiting {
			w.s.watchers.Add(1)
			waiting = true
			continue
		}
		select {
		case <-signal:
		case <-w.done:
		case <-w.s.closedCh():
		case <-ctx.Done():
			return core.Commit{}, ctx.Err()
		}
	}
}

func (w *Watcher) closedErr() error {
	select {
	case <-w.done:
		return fmt.Errorf("%w: watcher", core.ErrClosed)
	case <-w.s.closedCh():
		return fmt.Errorf("%w: store", core.ErrClosed)
	default:
		return nil
	}
}

// Close ends the watcher: a Next waiting now or called later returns an
// error wrapping core.ErrClosed. Safe to call more than once, concurrently
// with Next.
func (w *Watcher) Close() {
	w.once.Do(func() { close(w.done) })
}

// watchHook, when set (by tests only), is called by Next at the points where
// a publish could slip past a waiting watcher.
var watchHook func(watchPoint)

type watchPoint int

const (
	watchLoaded watchPoint = iota // a pass loaded the signal, not yet the root
	watchIdle                     // a pass found nothing to deliver, and will wait
)

// signal returns a channel that is closed by the next publish (made by the
// first Next that waits: a publish before it has nothing to close, and the
// root that Next loads after the signal shows that publish).
func (s *Store) signal() <-chan struct{} {
	return lazyChan(&s.notify)
}

// wake closes the current signal channel and installs a new one, when a Next
// may be waiting (s.watchers counts the Nexts that may be). Called by the
// commit leader after each publish.
func (s *Store) wake() {
	if s.watchers.Load() == 0 {
		return
	}
	ch := make(chan struct{})
	if old := s.notify.Swap(&ch); old != nil {
		close(*old)
	}
}
