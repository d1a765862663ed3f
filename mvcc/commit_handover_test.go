package mvcc

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vfs"
	"github.com/stretchr/testify/require"
)

// hoWait waits for ch until a deadline, naming what it waited for.
func hoWait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out after 10s waiting for %s", what)
		panic("unreachable")
	}
}

// hoTwoGroups is the fixture of the hand-over tests: a durable store on a
// memory file system; writer A leads the first group alone and is held in
// its log sync until writer B has queued behind it, so B leads the second
// group. secondSync is what B's group's sync returns. atWake runs (on A's
// goroutine) when A's group is published and about to wake its writers,
// with the sync calls seen so far; its error, if any, fails the test. It
// returns both writes' versions and errors.
func hoTwoGroups(t *testing.T, secondSync error, atWake func(syncs <-chan struct{}) error) (s *Store, va, vb uint64, ea, eb error) {
	m := vfs.NewMem()
	s, err := Open("/db", withFS(m), WithClock(core.NewManualClock(fxStart)), WithCheckpointBytes(0))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	ns := fxNS("t", "a", 1)
	fxPut(t, s, core.KVKey(ns, "seed"), 0, 0)

	inSync, release := make(chan struct{}), make(chan struct{})
	syncs := make(chan struct{}, 16) // one token per sync after the first
	var mu sync.Mutex
	n := 0
	m.SetFault(func(op vfs.Op, _ string) error {
		if op != vfs.OpSync {
			return nil
		}
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		if i == 1 { // A's group: hold it until B queued
			close(inSync)
			select {
			case <-release:
			case <-time.After(10 * time.Second):
				return errors.New("test: B never queued")
			}
			return nil
		}
		syncs <- struct{}{}
		return secondSync
	})
	var once sync.Once
	wakeErr := make(chan error, 1)
	commitHook = func(p hookPoint) {
		if p == hookWake {
			once.Do(func() { wakeErr <- atWake(syncs) })
		}
	}
	t.Cleanup(func() { commitHook = nil })

	type result struct {
		v   uint64
		err error
	}
	ra, rb := make(chan result, 1), make(chan result, 1)
	go func() {
		v, err := s.Put(core.KVKey(ns, "a"), core.Int64Value(1), 0)
		ra <- result{v, err}
	}()
	hoWait(t, inSync, "writer A's group to reach its log sync")
	go func() {
		v, err := s.Put(core.KVKey(ns, "b"), core.Int64Value(2), 0)
		rb <- result{v, err}
	}()
	awaitQueued(t, s, 1, false)
	close(release)
	require.NoError(t, hoWait(t, wakeErr, "writer A's group to wake its writers"))
	a := hoWait(t, ra, "writer A's Put to return")
	b := hoWait(t, rb, "writer B's Put to return")
	m.SetFault(nil)
	return s, a.v, b.v, a.err, b.err
}

// The leader of a group hands the leadership over before it wakes its
// writers: the next group's log write and sync run while the previous
// group's writers are still to be woken, so syncs follow each other without
// waiting for wake-ups.
func TestHandOverBeforeWake(t *testing.T) {
	s, va, vb, ea, eb := hoTwoGroups(t, nil, func(syncs <-chan struct{}) error {
		select {
		case <-syncs:
			return nil
		case <-time.After(5 * time.Second):
			return fmt.Errorf("the next group's log sync did not run before the previous group's writers were woken (waited 5s)")
		}
	})
	require.NoError(t, ea)
	require.NoError(t, eb)
	require.Equal(t, []uint64{2, 3}, []uint64{va, vb}, "the groups publish in version order")
	require.Equal(t, uint64(3), s.CurrentVersion())
	require.Equal(t, uint64(3), s.Stats().Groups, "the seed, A's group and B's group")
}

// A failed sync fails exactly its own group: the group before it, whose
// writers are woken while the failing group is at work, still succeeds and
// stays visible; nothing of the failed group is.
func TestFailedSyncFailsOnlyItsGroup(t *testing.T) {
	errDisk := errors.New("disk error")
	s, va, _, ea, eb := hoTwoGroups(t, errDisk, func(syncs <-chan struct{}) error {
		select {
		case <-syncs:
			return nil
		case <-time.After(5 * time.Second):
			return fmt.Errorf("the next group's log sync did not run before the previous group's writers were woken (waited 5s)")
		}
	})
	require.NoError(t, ea, "writer A's group was synced")
	require.Equal(t, uint64(2), va)
	require.ErrorIs(t, eb, errDisk, "writer B's group failed its sync")
	require.Equal(t, uint64(2), s.CurrentVersion(), "nothing of the failed group is published")
	ns := fxNS("t", "a", 1)
	_, err := s.Get(core.KVKey(ns, "a"))
	require.NoError(t, err)
	_, err = s.Get(core.KVKey(ns, "b"))
	require.ErrorIs(t, err, core.ErrNotFound)
}

// Many writers on a durable store, every one of them returns (no wake-up
// is lost when the leadership passes before the group is woken), each write
// gets its own version, and a reopen recovers every acknowledged write.
func TestHandOverNoLostWakeUp(t *testing.T) {
	for _, durable := range []bool{false, true} {
		t.Run(fmt.Sprintf("durable=%v", durable), func(t *testing.T) {
			m := vfs.NewMem()
			var s *Store
			if durable {
				var err error
				s, err = Open("/db", withFS(m), WithCheckpointBytes(0))
				require.NoError(t, err)
			} else {
				s = New()
			}
			const writers, each = 8, 40
			versions := make(chan uint64, writers*each)
			errs := make(chan error, writers)
			for w := range writers {
				go func() {
					ns := fxNS("ho", fmt.Sprintf("w%d", w), byte(w+1))
					for i := range each {
						v, err := s.Put(fxKV(ns, "k%03d", i), core.Int64Value(int64(i)), 0)
						if err != nil {
							errs <- err
							return
						}
						versions <- v
					}
					errs <- nil
				}()
			}
			for range writers {
				require.NoError(t, hoWait(t, errs, "every writer to finish its puts (a lost wake-up leaves one parked)"))
			}
			close(versions)
			seen := make(map[uint64]bool)
			for v := range versions {
				require.False(t, seen[v], "version %d given twice", v)
				seen[v] = true
			}
			for v := uint64(1); v <= writers*each; v++ {
				require.True(t, seen[v], "version %d given to no write", v)
			}
			require.NoError(t, s.Close())
			if !durable {
				return
			}
			r, err := Open("/db", withFS(m))
			require.NoError(t, err)
			defer r.Close()
			require.Equal(t, uint64(writers*each), r.CurrentVersion())
		})
	}
}

// hoLongRejoin makes a new leader wait for the writers of the group before
// it for up to 10s, so that whether they come back, not the clock, ends
// the wait.
func hoLongRejoin(t *testing.T) {
	old := rejoinWait
	rejoinWait = func(time.Duration) time.Duration { return 10 * time.Second }
	t.Cleanup(func() { rejoinWait = old })
}

// The writers of a group, woken after the leadership has passed, join the
// next group when they write again at once: the next leader waits for them
// instead of taking only the writers that queued during the sync before.
func TestNextGroupWaitsForTheWokenWriters(t *testing.T) {
	hoLongRejoin(t)
	s, err := Open("/db", withFS(vfs.NewMem()), WithCheckpointBytes(0))
	require.NoError(t, err)
	defer s.Close()
	const writers = 3
	ops := make([]func() error, writers)
	second := make(chan uint64, writers)
	for w := range ops {
		ns := fxNS("ho", fmt.Sprintf("w%d", w), byte(w+1))
		ops[w] = func() error {
			if _, err := s.Put(fxKV(ns, "first"), core.Int64Value(1), 0); err != nil {
				return err
			}
			v, err := s.Put(fxKV(ns, "second"), core.Int64Value(2), 0)
			second <- v
			return err
		}
	}
	for i, err := range fxGroup(t, s, ops...) {
		require.NoError(t, err, "writer %d", i)
	}
	close(second)
	require.Equal(t, uint64(2), s.Stats().Groups, "the first puts in one group, the second puts in one group")
	for v := range second {
		require.Greater(t, v, uint64(writers), "a second put commits after every first put")
	}
}

// A single writer never waits for writers to come back: the group before
// had only its own write.
func TestSingleWriterDoesNotWaitForRejoin(t *testing.T) {
	hoLongRejoin(t)
	s, err := Open("/db", withFS(vfs.NewMem()), WithCheckpointBytes(0))
	require.NoError(t, err)
	defer s.Close()
	done := make(chan error, 1)
	go func() {
		ns := fxNS("ho", "one", 1)
		for i := range 20 {
			if _, err := s.Put(fxKV(ns, "k%02d", i), core.Int64Value(int64(i)), 0); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("timed out after 5s waiting for one writer's 20 puts: a leader waited for writers that were not coming")
	}
	require.Equal(t, uint64(20), s.CurrentVersion())
}
