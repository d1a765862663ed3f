package mvcc

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// fxGo runs each fn on its own goroutine and waits for all of them, failing
// the test with what it waited for if they take longer than a minute.
func fxGo(t *testing.T, what string, fns ...func() error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(fns))
	for _, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil {
				errs <- err
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("waiting for %s: still running after a minute", what)
	}
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// TestBranchConcurrent runs writers on a store and on its fork at once,
// with merges, diffs and new forks going on beside them (run under -race):
// neither side sees the other's writes, merges take exactly the fork's
// changes, and every diff agrees with the snapshots it compared.
func TestBranchConcurrent(t *testing.T) {
	s, _ := fxStore()
	p, q := fxNS("p", "a", 1), fxNS("q", "a", 2)
	for i := range 200 {
		fxPut(t, s, fxK(p, i), int64(i), 0)
		fxPut(t, s, fxK(q, i), int64(i), 0)
	}
	f, err := s.Fork()
	require.NoError(t, err)
	const rounds = 300
	writer := func(st *Store, ns core.Namespace, seed int) func() error {
		return func() error {
			for i := range rounds {
				k := fxK(ns, (i*7+seed)%250)
				var err error
				if i%5 == 4 {
					_, err = st.Delete(k)
					if err != nil && !isNotFound(err) {
						return err
					}
					continue
				}
				if _, err = st.Put(k, core.Int64Value(int64(seed*1000+i)), 0); err != nil {
					return err
				}
			}
			return nil
		}
	}
	merges := func() error {
		for range 20 {
			// The store writes only p's keys and the fork only q's: no
			// conflict can arise.
			if _, err := s.Merge(f); err != nil {
				return fmt.Errorf("merge: %w", err)
			}
		}
		return nil
	}
	diffs := func() error {
		for range 30 {
			a, b := f.Base(), f.Snapshot()
			want := map[string]bool{}
			for _, e := range fxCollect(b.All()) {
				if vv, err := a.Get(e.Key); err != nil || !fxEqualVV(vv, e.Value) {
					want[e.Key.String()] = true
				}
			}
			for _, e := range fxCollect(a.All()) {
				if _, err := b.Get(e.Key); err != nil {
					want[e.Key.String()] = true
				}
			}
			n := 0
			for c := range Diff(a, b) {
				if !want[c.Key.String()] {
					return fmt.Errorf("diff reported %s, which did not change", c.Key)
				}
				n++
			}
			if n != len(want) {
				return fmt.Errorf("diff reported %d changes, the scans %d", n, len(want))
			}
		}
		return nil
	}
	forks := func() error {
		for i := range 20 {
			g, err := s.Fork()
			if err != nil {
				return err
			}
			if _, err := g.Put(fxK(p, i), core.Int64Value(-1), 0); err != nil {
				return err
			}
		}
		return nil
	}
	fxGo(t, "the writers, merges, diffs and forks",
		writer(s, p, 1), writer(s, p, 2), writer(f, q, 3), writer(f, q, 4), merges, diffs, forks)

	// The fork never saw the store's writes to p.
	base := f.Base()
	for i := range 250 {
		want, werr := base.Get(fxK(p, i))
		got, gerr := f.Get(fxK(p, i))
		require.Equal(t, werr == nil, gerr == nil, "fork: p key %d", i)
		if werr == nil {
			fxRequireVV(t, want, got)
		}
	}
	// A last merge brings every change of q over.
	_, err = s.Merge(f)
	require.NoError(t, err)
	for i := range 250 {
		require.Equal(t, fxGetInt(t, f, fxK(q, i)), fxGetInt(t, s, fxK(q, i)), "q key %d", i)
	}
}

func isNotFound(err error) bool { return errors.Is(err, core.ErrNotFound) }
