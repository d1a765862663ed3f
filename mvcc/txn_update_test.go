package mvcc

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// A function that commits and then returns an error: the commit stands, and
// Update says so with its version, so that a caller does not write twice.
func TestUpdateCommitThenErrorReportsTheCommit(t *testing.T) {
	boom := errors.New("boom")
	for _, name := range []string{"Update", "UpdateContext"} {
		t.Run(name, func(t *testing.T) {
			s, _ := fxStore()
			k := core.KVKey(fxNS("t", "a", 1), "k")
			var inner uint64
			fn := func(tx *Txn) error {
				if err := tx.Put(k, core.Int64Value(1), 0); err != nil {
					return err
				}
				var err error
				if inner, err = tx.Commit(); err != nil {
					return err
				}
				return boom
			}
			var v uint64
			var err error
			if name == "Update" {
				v, err = s.Update(fn)
			} else {
				v, err = s.UpdateContext(context.Background(), fn)
			}
			require.ErrorIs(t, err, boom)
			require.NotZero(t, inner)
			require.Equal(t, inner, v, "the version of the commit that happened")
			require.Equal(t, uint64(1), s.Stats().Commits, "committed once")
		})
	}
}

// fxConflicting returns a function that loses its commit the first n times it
// runs (a write to its key behind its back), then commits, and counts runs.
func fxConflicting(s *Store, k core.Key, n int, runs *int) func(*Txn) error {
	return func(tx *Txn) error {
		*runs++
		vv, err := tx.Get(k)
		if err != nil && !errors.Is(err, core.ErrNotFound) {
			return err
		}
		if *runs <= n {
			if _, err := s.Put(k, core.Int64Value(-1), 0); err != nil {
				return err
			}
		}
		var next int64 = 1
		if err == nil {
			next = vv.Value.Int64() + 1
		}
		return tx.Put(k, core.Int64Value(next), 0)
	}
}

func TestUpdateContextRetriesUntilItCommits(t *testing.T) {
	s, _ := fxStore(WithUpdateRetries(3))
	k := core.KVKey(fxNS("t", "a", 1), "k")
	runs := 0
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// More conflicts than Update's attempts: UpdateContext goes on.
	v, err := s.UpdateContext(ctx, fxConflicting(s, k, 5, &runs))
	require.NoError(t, err)
	require.Equal(t, 6, runs)
	vv, err := s.Get(k)
	require.NoError(t, err)
	require.Equal(t, v, vv.Version)
	require.Equal(t, int64(0), vv.Value.Int64(), "the last run read the write behind its back (-1) and added 1")
	require.Equal(t, uint64(5), s.Stats().Conflicts)
}

func TestUpdateGivesUpAfterItsAttempts(t *testing.T) {
	s, _ := fxStore(WithUpdateRetries(3))
	k := core.KVKey(fxNS("t", "a", 1), "k")
	runs := 0
	_, err := s.Update(fxConflicting(s, k, 100, &runs))
	require.ErrorIs(t, err, core.ErrConflict)
	require.Equal(t, 3, runs)
}

func TestUpdateContextStopsWhenTheContextEnds(t *testing.T) {
	s, _ := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "k")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runs := 0
	lose := fxConflicting(s, k, 1<<30, &runs)
	_, err := s.UpdateContext(ctx, func(tx *Txn) error {
		switch {
		case runs == 4:
			cancel() // ends during the fifth attempt: no sixth
		case runs > 4:
			return errors.New("fn ran after the context ended")
		}
		return lose(tx)
	})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, core.ErrConflict, "the last conflict is wrapped too")
	require.Equal(t, 5, runs)

	// A context that ended before the call: fn never runs.
	runs = 0
	_, err = s.UpdateContext(ctx, lose)
	require.ErrorIs(t, err, context.Canceled)
	require.Zero(t, runs)
}

func TestUpdateContextStopsAtOtherErrors(t *testing.T) {
	s, _ := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "k")
	boom := errors.New("boom")
	runs := 0
	r := s.root.Load()
	_, err := s.UpdateContext(context.Background(), func(tx *Txn) error {
		runs++
		if err := tx.Put(k, core.Int64Value(1), 0); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, 1, runs)
	fxUnchanged(t, s, r, "UpdateContext whose fn failed")

	// fn passes on its own commit's conflict: that is retried.
	runs = 0
	lose := fxConflicting(s, k, 2, &runs)
	v, err := s.UpdateContext(context.Background(), func(tx *Txn) error {
		if err := lose(tx); err != nil {
			return err
		}
		_, err := tx.Commit()
		return err
	})
	require.NoError(t, err)
	require.Equal(t, 3, runs)
	require.Equal(t, s.CurrentVersion(), v)

	var noCtx context.Context // a nil context is refused
	_, err = s.UpdateContext(noCtx, lose)
	require.ErrorIs(t, err, core.ErrInvalidArgument)
	_, err = s.UpdateContext(context.Background(), nil)
	require.ErrorIs(t, err, core.ErrInvalidArgument)
}

func TestBackoffGrowsAndIsRandom(t *testing.T) {
	var b backoff
	b.n = 1 // after the first wait, a yield
	seen := map[time.Duration]bool{}
	for i := 1; i <= 20; i++ {
		d := backoffMax
		if shift := 2 * (i - 1); shift < 32 && backoffMin<<shift < backoffMax {
			d = backoffMin << shift
		}
		got := b.next()
		require.GreaterOrEqual(t, got, d/2, "wait %d", i)
		require.Less(t, got, d, "wait %d", i)
		seen[got] = true
	}
	require.Greater(t, len(seen), 15, "the waits are randomized")
}

// Update and UpdateContext back off between attempts that lost: a yield,
// then random waits growing fourfold, so that contenders spread out instead
// of colliding again.
func TestUpdateBacksOffBetweenAttempts(t *testing.T) {
	var waits []time.Duration
	backoffHook = func(d time.Duration) { waits = append(waits, d) }
	t.Cleanup(func() { backoffHook = nil })
	check := func(name string) {
		t.Helper()
		require.Len(t, waits, 4, "%s: one back-off before each of the 4 retries", name)
		require.Zero(t, waits[0], "%s: the first back-off is a yield", name)
		for i, d := range waits[1:] {
			hi := backoffMin << (2 * i)
			require.GreaterOrEqual(t, d, hi/2, "%s: back-off %d", name, i+2)
			require.Less(t, d, hi, "%s: back-off %d", name, i+2)
		}
	}
	s, _ := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "k")
	runs := 0
	_, err := s.Update(fxConflicting(s, k, 4, &runs))
	require.NoError(t, err)
	check("Update")

	waits, runs = nil, 0
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = s.UpdateContext(ctx, fxConflicting(s, k, 4, &runs))
	require.NoError(t, err)
	check("UpdateContext")
}

// Contenders on one counter all get through with UpdateContext: none fails,
// none is lost.
func TestUpdateContextUnderContention(t *testing.T) {
	s, _ := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "counter")
	const workers, each = 16, 25
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, err := s.UpdateContext(ctx, func(tx *Txn) error {
					var n int64
					if vv, err := tx.Get(k); err == nil {
						n = vv.Value.Int64()
					}
					return tx.Put(k, core.Int64Value(n+1), 0)
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "the increments under contention")
	}
	vv, err := s.Get(k)
	require.NoError(t, err)
	require.Equal(t, int64(workers*each), vv.Value.Int64())
}
