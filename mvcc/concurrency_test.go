package mvcc

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// Concurrency: versions gapless and in commit order, snapshots consistent
// while writers run. Run under -race, for both writer modes.

// fxParallel runs fn(i) on n goroutines and returns the first error.
func fxParallel(n int, fn func(i int) error) error {
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- fn(i) }()
	}
	var first error
	for range n {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func TestConcurrentPutsGetEveryVersionOnce(t *testing.T) {
	s, _ := fxStore()
	const goroutines, each = 10, 100
	got := make([][]uint64, goroutines)
	err := fxParallel(goroutines, func(g int) error {
		for i := range each {
			// Half the goroutines share keys: overwrites race too.
			ns := fxNS("t", fmt.Sprint(g%5), 1)
			v, err := s.Put(core.EventKey(ns, uint64(i)), core.Int64Value(int64(g)), 0)
			if err != nil {
				return err
			}
			got[g] = append(got[g], v)
		}
		return nil
	})
	require.NoError(t, err)
	count := make(map[uint64]int)
	for _, vs := range got {
		for _, v := range vs {
			count[v]++
		}
	}
	require.Len(t, count, goroutines*each)
	for v := uint64(1); v <= goroutines*each; v++ {
		require.Equal(t, 1, count[v], "version %d", v)
	}
	require.Equal(t, uint64(goroutines*each), s.CurrentVersion())
}

func TestConcurrentWritersOneKeyLastCommitWins(t *testing.T) {
	s, _ := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "contended")
	const goroutines, each = 8, 200
	var mu sync.Mutex
	valueOf := make(map[uint64]int64) // version -> value written
	err := fxParallel(goroutines, func(g int) error {
		for i := range each {
			val := int64(g*each + i)
			v, err := s.Put(k, core.Int64Value(val), 0)
			if err != nil {
				return err
			}
			mu.Lock()
			valueOf[v] = val
			mu.Unlock()
		}
		return nil
	})
	require.NoError(t, err)
	var last uint64
	for v := range valueOf {
		last = max(last, v)
	}
	require.Equal(t, uint64(goroutines*each), last)
	got, err := s.Get(k)
	require.NoError(t, err)
	require.Equal(t, last, got.Version)
	require.Equal(t, valueOf[last], got.Value.Int64(), "the value with the highest version")
}

func TestSnapshotsWhileWritingHoldExactlyVersionEntries(t *testing.T) {
	s, _ := fxStore()
	const writers, each = 4, 300
	var done atomic.Bool
	var checked atomic.Int64
	readerErr := make(chan error, 1)
	go func() {
		readerErr <- func() error {
			for !done.Load() || checked.Load() == 0 {
				sn := s.Snapshot()
				v := sn.Version()
				if sn.Len() != int(v) {
					return fmt.Errorf("snapshot at %d holds %d keys", v, sn.Len())
				}
				// Exactly the writes 1..v: each version once.
				seen := make([]bool, v+1)
				for _, vv := range sn.All() {
					if vv.Version == 0 || vv.Version > v || seen[vv.Version] {
						return fmt.Errorf("snapshot at %d: bad or repeated version %d", v, vv.Version)
					}
					seen[vv.Version] = true
				}
				checked.Add(1)
			}
			return nil
		}()
	}()
	err := fxParallel(writers, func(g int) error {
		ns := fxNS("t", fmt.Sprint(g), byte(g))
		for i := range each {
			if _, err := s.Put(core.EventKey(ns, uint64(i)), core.NullValue(), 0); err != nil {
				return err
			}
		}
		return nil
	})
	done.Store(true)
	require.NoError(t, err)
	require.NoError(t, <-readerErr)
	require.Positive(t, checked.Load())
	require.Equal(t, writers*each, s.Snapshot().Len())
}

func TestReadersNeverSeeTornState(t *testing.T) {
	s, _ := fxStore()
	run := fxRun(7)
	ns := fxNS("t", "a", 7)
	prefix := core.KVKey(ns, "")
	var done atomic.Bool
	var checked atomic.Int64
	readerErr := make(chan error, 2)
	for range 2 {
		go func() {
			readerErr <- func() error {
				for !done.Load() || checked.Load() == 0 {
					sn := s.Snapshot()
					byRun, err := sn.ScanByRun(run)
					if err != nil {
						return err
					}
					byPrefix, err := sn.ScanPrefix(prefix)
					if err != nil {
						return err
					}
					byType, err := sn.ScanByType(core.TypeKV)
					if err != nil {
						return err
					}
					if len(byRun) != len(byPrefix) || len(byType) != len(byPrefix) {
						return fmt.Errorf("at %d: run %d, prefix %d, type %d entries", sn.Version(), len(byRun), len(byPrefix), len(byType))
					}
					checked.Add(1)
				}
				return nil
			}()
		}()
	}
	err := fxParallel(3, func(g int) error {
		for i := range 300 {
			k := core.KVKey(ns, fmt.Sprint((g*7+i)%40))
			if i%4 == 3 {
				if _, err := s.Delete(k); err != nil && !errors.Is(err, core.ErrNotFound) {
					return err
				}
				continue
			}
			if _, err := s.Put(k, core.Int64Value(int64(i)), 0); err != nil {
				return err
			}
		}
		return nil
	})
	done.Store(true)
	require.NoError(t, err)
	require.NoError(t, <-readerErr)
	require.NoError(t, <-readerErr)
	checkIndices(t, s.root.Load().cur)
}
