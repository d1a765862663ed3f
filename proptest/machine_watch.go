package proptest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/inmemdb/inmem/core"
)

// watch is an open watcher and what the model expects of it.
type watch struct {
	w    core.Watcher
	desc string
	keep func(core.Key) bool // the filter; nil: every change
	next uint64              // the next version it may deliver
	// err is the error every Next must return from now on: ErrInvalidKey
	// for an invalid filter, ErrCompacted once it fell behind the window.
	err error
}

// maxWatchers is how many watchers a sequence keeps open.
const maxWatchers = 3

// nextTimeout bounds a Next that must deliver a commit already committed;
// idleTimeout is how long a Next with nothing to deliver is given to
// (wrongly) deliver something.
const (
	nextTimeout = 10 * time.Second
	idleTimeout = time.Millisecond
)

// watch opens a watcher after a drawn version (0 up to two above the
// current one, or core.Latest) with a drawn filter: none, a prefix at any
// level (sometimes invalid), a run, or a prefix or a run.
func (m *machine) watch() {
	if len(m.watchers) == maxWatchers {
		m.watchClose()
	}
	cur := m.model.CurrentVersion()
	after := uint64(m.d.draw(int(cur)+4, "watch after"))
	w := &watch{next: after + 1}
	if after == cur+3 {
		after, w.next = core.Latest, cur+1
	}
	var opts []core.WatchOption
	var descs []string
	var keeps []func(core.Key) bool
	kind := m.d.draw(4, "watch filter")
	if kind == 1 || kind == 3 {
		p := m.corePrefix()
		opts, descs = append(opts, core.WatchPrefix(p)), append(descs, "WatchPrefix("+p.String()+")")
		keeps = append(keeps, p.Match)
		if !p.Valid() {
			w.err = core.ErrInvalidKey
		}
	}
	if kind >= 2 {
		r := m.run()
		opts, descs = append(opts, core.WatchRun(r)), append(descs, "WatchRun("+r.String()+")")
		keeps = append(keeps, func(k core.Key) bool { return k.Namespace.RunID == r })
	}
	if len(keeps) > 0 {
		w.keep = func(k core.Key) bool {
			for _, keep := range keeps {
				if keep(k) {
					return true
				}
			}
			return false
		}
	}
	if len(descs) == 0 {
		descs = []string{"no filter"}
	}
	w.desc = fmt.Sprintf("Watch(%d, %s)", after, strings.Join(descs, ", "))
	w.w = m.c.watch.WatchCommits(after, opts...)
	m.watchers = append(m.watchers, w)
}

// pickWatcher draws an open watcher, or returns -1 when there is none.
func (m *machine) pickWatcher() int {
	if len(m.watchers) == 0 {
		return -1
	}
	return m.d.draw(len(m.watchers), "watcher")
}

// watchDrain drains one watcher, or all of them.
func (m *machine) watchDrain() {
	if i := m.pickWatcher(); i >= 0 && m.d.draw(2, "drain all") == 0 {
		m.drain(m.watchers[i])
		return
	}
	for _, w := range m.watchers {
		m.drain(w)
	}
}

// drain reads from w every commit the model's history says it must deliver
// now, comparing each exactly (version, time, changes with their values), or
// ErrCompacted where a version it has to look at, matching or not, is known
// to be gone: a watcher never skips what it cannot see. Where the suite does
// not know whether the store still keeps a version (see retention), either
// answer is right. w.next moves only with what Next delivers, as the
// watcher's own position does.
func (m *machine) drain(w *watch) {
	if w.err != nil {
		m.next(w, w.err, nil, false)
		return
	}
	cur := m.model.CurrentVersion()
	maybe := false // a version looked at since the last delivery may be gone
	for v := w.next; v <= cur; v++ {
		switch m.retention(v) {
		case gone:
			w.err = core.ErrCompacted
			m.next(w, w.err, nil, false)
			return
		case unknown:
			maybe = true
		}
		if want, ok := m.model.Commit(v, w.keep); ok {
			if m.next(w, nil, &want, maybe) {
				return
			}
			w.next, maybe = v+1, false
		}
	}
}

// kept is what the suite knows of whether a store still keeps the commit of
// a version, so that a watcher can deliver it.
type kept uint8

const (
	retained kept = iota // kept: a watcher must deliver it
	gone                 // not kept: a watcher must answer ErrCompacted
	unknown              // either
)

// retention says whether the store keeps the commit of version v: gone below
// the retained history (WithRetained), unknown when the suite was not told
// or v is not after the last reopen (a durable store may or may not rebuild
// the commits before it from its log), retained otherwise.
func (m *machine) retention(v uint64) kept {
	low, known := m.retainedLow()
	switch {
	case known && v < low:
		return gone
	case !known || v <= m.model.Reopened():
		return unknown
	}
	return retained
}

// next calls Next on w with a deadline and compares its answer with want,
// or with wantErr; with maybeGone, ErrCompacted is an answer too, which
// next records in w and reports by returning true.
func (m *machine) next(w *watch, wantErr error, want *core.Commit, maybeGone bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), nextTimeout)
	defer cancel()
	got, err := w.w.Next(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		if want != nil {
			m.f.Fatalf("%s: Next did not deliver version %d within %v", w.desc, want.Version, nextTimeout)
		}
		m.f.Fatalf("%s: Next did not return %v within %v", w.desc, wantErr, nextTimeout)
	}
	if maybeGone && errors.Is(err, core.ErrCompacted) {
		w.err = err
		return true
	}
	if wantErr != nil {
		if err == nil {
			m.f.Fatalf("%s: Next delivered version %d, want error %v", w.desc, got.Version, wantErr)
		}
		m.fail(diffErr(err, wantErr), "%s: Next", w.desc)
		return false
	}
	if err != nil {
		m.f.Fatalf("%s: Next = %v, want version %d", w.desc, err, want.Version)
	}
	m.fail(diffCommit(got, *want, m.ts), "%s: Next", w.desc)
	return false
}

// diffCommit describes how a delivered commit differs from want, or
// returns "".
func diffCommit(got, want core.Commit, ts bool) string {
	if got.Version != want.Version {
		return fmt.Sprintf("version %d, want %d", got.Version, want.Version)
	}
	if ts && !got.Time.Equal(want.Time) {
		return fmt.Sprintf("version %d: time %v, want %v", got.Version, got.Time, want.Time)
	}
	var d []string
	for i := range max(len(got.Changes), len(want.Changes)) {
		switch {
		case i >= len(got.Changes):
			d = append(d, fmt.Sprintf("missing [%d] %s op %d", i, want.Changes[i].Key, want.Changes[i].Op))
		case i >= len(want.Changes):
			d = append(d, fmt.Sprintf("extra [%d] %s op %d", i, got.Changes[i].Key, got.Changes[i].Op))
		default:
			g, w := got.Changes[i], want.Changes[i]
			if !g.Key.Equal(w.Key) || g.Op != w.Op {
				d = append(d, fmt.Sprintf("[%d] %s op %d, want %s op %d", i, g.Key, g.Op, w.Key, w.Op))
			} else if x := diffVV(g.Value, w.Value, ts); x != "" {
				d = append(d, fmt.Sprintf("[%d] %s: %s", i, g.Key, x))
			}
		}
	}
	if len(d) > 0 {
		return fmt.Sprintf("version %d: %d changes, want %d: %s", got.Version, len(got.Changes), len(want.Changes), strings.Join(d, "; "))
	}
	return ""
}

// watchIdle drains a watcher, then gives it a moment to deliver something
// it must not: Next must end at its context's deadline, having looked at
// every version up to the current one (ErrCompacted if one is known to be
// gone; allowed if one may be).
func (m *machine) watchIdle() {
	i := m.pickWatcher()
	if i < 0 {
		return
	}
	w := m.watchers[i]
	m.drain(w)
	if w.err != nil {
		return
	}
	cur := m.model.CurrentVersion()
	maybe := false
	for v := w.next; v <= cur; v++ {
		switch m.retention(v) {
		case gone:
			w.err = core.ErrCompacted
			m.next(w, w.err, nil, false)
			return
		case unknown:
			maybe = true
		}
	}
	w.next = max(w.next, cur+1)
	ctx, cancel := context.WithTimeout(context.Background(), idleTimeout)
	defer cancel()
	got, err := w.w.Next(ctx)
	if maybe && errors.Is(err, core.ErrCompacted) {
		w.err = err
		return
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		m.f.Fatalf("%s: Next with nothing to deliver = version %d, %v; want the context's deadline", w.desc, got.Version, err)
	}
}

// watchClose closes a watcher; a Next after it must fail with ErrClosed.
func (m *machine) watchClose() {
	i := m.pickWatcher()
	if i < 0 {
		return
	}
	w := m.watchers[i]
	m.watchers = append(m.watchers[:i], m.watchers[i+1:]...)
	w.w.Close()
	if errors.Is(w.err, core.ErrInvalidKey) {
		return // either error may come first
	}
	m.next(w, core.ErrClosed, nil, false)
}

// closeWatchers closes every open watcher.
func (m *machine) closeWatchers() {
	for _, w := range m.watchers {
		w.w.Close()
	}
	m.watchers = nil
}
