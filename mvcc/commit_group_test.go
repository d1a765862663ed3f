package mvcc

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/proptest"
	"github.com/stretchr/testify/require"
)

// gcOp is one write a goroutine made during a group commit, with the version
// it returned, and replay, which makes the same write on the model and fails
// the test unless the model answers as the store did.
type gcOp struct {
	v      uint64
	what   string
	replay func(t *testing.T, m *proptest.Model)
}

// gcWriter runs n random writes on s at the clock's fixed time and returns
// the ones that committed. Every write returns its version, so the model can
// replay them in version order.
func gcWriter(s *Store, ns core.Namespace, keys []core.Key, seed uint64, n int) ([]gcOp, error) {
	rng := rand.New(rand.NewPCG(seed, 7))
	var ops []gcOp
	for i := range n {
		k := keys[rng.IntN(len(keys))]
		val := core.StringValue(fmt.Sprintf("w%d-%d", seed, i))
		ttl := []time.Duration{0, 30 * time.Second}[rng.IntN(2)]
		switch rng.IntN(6) {
		case 0:
			v, err := s.Put(k, val, ttl)
			if err != nil {
				return nil, err
			}
			ops = append(ops, gcOp{v, "put " + k.String(), func(t *testing.T, m *proptest.Model) {
				got, err := m.Put(k, val, ttl)
				require.NoError(t, err)
				require.Equal(t, v, got, "Put(%s)", k)
			}})
		case 1:
			live, v, err := s.DeletePrefix(core.KeyPrefix(k))
			if err != nil {
				return nil, err
			}
			if v == 0 {
				continue // nothing stored: no version
			}
			ops = append(ops, gcOp{v, "delete prefix " + k.String(), func(t *testing.T, m *proptest.Model) {
				wantLive, got, err := m.DeletePrefix(core.KeyPrefix(k))
				require.NoError(t, err)
				require.Equal(t, v, got, "DeletePrefix(%s) removed a key the model lacks", k)
				require.Equal(t, wantLive, live, "DeletePrefix(%s)@%d live count", k, v)
			}})
		case 2:
			v, err := s.Touch(k, ttl)
			if errors.Is(err, core.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			ops = append(ops, gcOp{v, "touch " + k.String(), func(t *testing.T, m *proptest.Model) {
				got, err := m.Touch(k, ttl)
				require.NoError(t, err, "Touch(%s)@%d of a key the model has not live", k, v)
				require.Equal(t, v, got)
			}})
		case 3:
			ek, v, err := s.Append(ns, val, ttl)
			if err != nil {
				return nil, err
			}
			ops = append(ops, gcOp{v, "append " + ek.String(), func(t *testing.T, m *proptest.Model) {
				want, got, err := m.Append(ns, val, ttl)
				require.NoError(t, err)
				require.Equal(t, v, got)
				require.True(t, ek.Equal(want), "Append@%d gave %s, want %s", v, ek, want)
			}})
		case 4:
			k2 := keys[rng.IntN(len(keys))]
			write := func(tx core.Txn) error {
				if _, err := tx.Get(k); err != nil && !errors.Is(err, core.ErrNotFound) {
					return err
				}
				if err := tx.Put(k, val, 0); err != nil {
					return err
				}
				return tx.Put(k2, val, ttl)
			}
			v, err := s.UpdateTxn(write)
			if errors.Is(err, core.ErrConflict) {
				continue
			}
			if err != nil {
				return nil, err
			}
			ops = append(ops, gcOp{v, "txn " + k.String() + " " + k2.String(), func(t *testing.T, m *proptest.Model) {
				got, err := m.UpdateTxn(write)
				require.NoError(t, err)
				require.Equal(t, v, got)
			}})
		default:
			var expected uint64
			if cur, err := s.Get(k); err == nil {
				expected = cur.Version
			}
			v, err := s.CompareAndSwap(k, expected, val, ttl)
			if errors.Is(err, core.ErrVersionMismatch) {
				continue
			}
			if err != nil {
				return nil, err
			}
			ops = append(ops, gcOp{v, "cas " + k.String(), func(t *testing.T, m *proptest.Model) {
				got, err := m.CompareAndSwap(k, expected, val, ttl)
				require.NoError(t, err, "CAS(%s)@%d succeeded on another version", k, v)
				require.Equal(t, v, got)
			}})
		}
	}
	return ops, nil
}

// TestGroupCommitVersionsAreExact writes from several goroutines at once, so
// that leaders batch several versions into one publish, and checks that
// every version inside a group reads exactly as the model (proptest.Model)
// replaying the writes in the order of their returned versions:
// SnapshotAt (expiry judged at the version's commit time, indices
// included), GetVersioned and ScanPrefix.
func TestGroupCommitVersionsAreExact(t *testing.T) {
	s, clk := fxStore(WithHistory(1<<16), WithUpdateRetries(1000))
	m := proptest.NewModel(clk)
	ns := fxNS("t", "group", 1)
	var keys []core.Key
	for i := range 8 {
		keys = append(keys, core.KVKey(ns, fmt.Sprintf("k%d", i)))
	}
	// Before the groups: a value that has expired by then and one that has not.
	for i, ttl := range []time.Duration{10 * time.Second, time.Hour} {
		fxPut(t, s, keys[i], int64(i), ttl)
		_, err := m.Put(keys[i], core.Int64Value(int64(i)), ttl)
		require.NoError(t, err)
	}
	clk.Advance(time.Minute) // the clock stays here while the groups commit
	base := s.CurrentVersion()
	statsBefore := s.Stats()

	const writers, each = 6, 25
	var all []gcOp
	// Free-running writers: groups form when they happen to collide.
	for round := range 2 {
		results := make([][]gcOp, writers)
		err := fxParallel(writers, func(g int) error {
			ops, err := gcWriter(s, ns, keys, uint64(round*writers+g), each)
			results[g] = ops
			return err
		})
		require.NoError(t, err)
		for _, ops := range results {
			all = append(all, ops...)
		}
	}
	// Forced groups: the test holds the commit lock until every writer has
	// queued one write, so the next leader batches all of them.
	for round := range 20 {
		before := s.Stats()
		results := make([][]gcOp, writers)
		s.writeMu.Lock()
		done := make(chan error, 1)
		go func() {
			done <- fxParallel(writers, func(g int) error {
				ops, err := gcWriter(s, ns, keys, uint64(1000+round*writers+g), 1)
				results[g] = ops
				return err
			})
		}()
		awaitQueued(t, s, writers, true)
		s.writeMu.Unlock()
		require.NoError(t, <-done)
		for _, ops := range results {
			all = append(all, ops...)
		}
		after := s.Stats()
		require.Less(t, after.Groups-before.Groups, after.Commits-before.Commits, "round %d: the queued writes published together", round)
	}
	st := s.Stats()
	t.Logf("%d versions in %d publishes", st.Commits-statsBefore.Commits, st.Groups-statsBefore.Groups)
	require.Less(t, st.Groups-statsBefore.Groups, st.Commits-statsBefore.Commits)

	// Replay in version order: the versions are exactly base+1 … current.
	slices.SortFunc(all, func(a, b gcOp) int { return cmp.Compare(a.v, b.v) })
	cur := s.CurrentVersion()
	require.Len(t, all, int(cur-base), "every version was returned to exactly one write")
	for i, op := range all {
		require.Equal(t, base+1+uint64(i), op.v, "versions are gapless and unique (%s)", op.what)
		op.replay(t, m)
	}

	kvPrefix, evPrefix := core.KVKey(ns, ""), core.EventKey(ns, 0)
	evPrefix.UserKey = nil
	for v := base; v <= cur; v++ {
		want, err := m.SnapshotAt(v)
		require.NoError(t, err)
		sn, err := s.SnapshotAt(v)
		require.NoError(t, err, "SnapshotAt(%d)", v)
		require.Equal(t, v, sn.Version())
		require.True(t, sn.Time().Equal(want.Time()), "SnapshotAt(%d) judges expiry at its commit time", v)
		require.Equal(t, want.Len(), sn.Len(), "SnapshotAt(%d).Len", v)
		fxRequireEntries(t, fxCollect(want.All()), fxCollect(sn.All()), "SnapshotAt(%d)", v)
		fxRequireEntries(t, fxCollect(want.Scan(core.NamespacePrefix(ns))), fxCollect(sn.Scan(core.NamespacePrefix(ns))), "SnapshotAt(%d).Scan", v)
		checkIndices(t, sn.st)

		// GetVersioned and ScanPrefix judge expiry now.
		for _, k := range keys {
			want, wantErr := m.GetVersioned(k, v)
			got, err := s.GetVersioned(k, v)
			if wantErr != nil {
				require.ErrorIs(t, err, core.ErrNotFound, "GetVersioned(%s, %d)", k, v)
				continue
			}
			require.NoError(t, err, "GetVersioned(%s, %d)", k, v)
			fxRequireVV(t, want, got, "GetVersioned(%s, %d)", k, v)
		}
		for _, pk := range []core.Key{kvPrefix, evPrefix} {
			want, err := m.ScanPrefix(pk, v)
			require.NoError(t, err)
			got, err := s.ScanPrefix(pk, v)
			require.NoError(t, err)
			fxRequireEntries(t, want, got, "ScanPrefix(%s, %d)", pk, v)
		}
	}

	// Much later every TTL has passed, but a version still reads as it did
	// when it committed.
	clk.Advance(24 * time.Hour)
	for _, v := range []uint64{base + 1, (base + cur) / 2, cur - 1, cur} {
		want, err := m.SnapshotAt(v)
		require.NoError(t, err)
		sn, err := s.SnapshotAt(v)
		require.NoError(t, err)
		fxRequireEntries(t, fxCollect(want.All()), fxCollect(sn.All()), "SnapshotAt(%d) a day later", v)
	}
	nowAll := fxCollect(s.Snapshot().All())
	fxRequireEntries(t, fxCollect(m.Snapshot().All()), nowAll, "a snapshot taken a day later")
	require.Empty(t, fxFilter(nowAll, func(k core.Key) bool {
		vv, _ := s.Get(k)
		return vv.TTL > 0
	}), "a snapshot taken now sees no value with a TTL")
}

// awaitQueued waits until n writes wait in s's commit queue. A test that
// holds the commit lock while it waits passes held: the lock is let go
// before the test fails, so that the writers and Close can end.
func awaitQueued(t *testing.T, s *Store, n int, held bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.queueMu.Lock()
		queued := len(s.queue)
		s.queueMu.Unlock()
		if queued >= n {
			return
		}
		if time.Now().After(deadline) {
			if held {
				s.writeMu.Unlock()
			}
			t.Fatalf("timed out after 10s waiting for %d writers to queue (%d queued)", n, queued)
		}
		runtime.Gosched()
	}
}
