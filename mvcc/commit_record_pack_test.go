package mvcc

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// fxPackSeed writes what fxPackScript starts from: 200 keys in namespace a
// (every third with a TTL that has run out by the script's time), 80 in b.
func fxPackSeed(t *testing.T, s *Store, clk *core.ManualClock) {
	a, b := fxNS("t", "a", 1), fxNS("t", "b", 2)
	_, err := s.Update(func(tx *Txn) error {
		for i := range 200 {
			ttl := time.Duration(0)
			if i%3 == 0 {
				ttl = time.Second
			}
			if err := tx.Put(core.KVKey(a, fmt.Sprintf("k%03d", i)), core.Int64Value(int64(i)), ttl); err != nil {
				return err
			}
		}
		for i := range 80 {
			if err := tx.Put(core.KVKey(b, fmt.Sprintf("k%03d", i)), core.StringValue(fmt.Sprintf("b%d", i)), 0); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	clk.Advance(2 * time.Second)
}

// fxPackScript is a mix of big commits (each of packMin changes or more) and
// small ones, made so that in a group later commits remove keys an earlier
// big one put, and a rewind to the group's first version undoes every big
// one: a transaction of overwrites, deletes and new keys, an expiry of 67
// keys, a transaction of new keys only, and prefix deletes of 80 seeded
// keys and of the first transaction's new keys.
func fxPackScript(s *Store) []func() error {
	a, b, c, d := fxNS("t", "a", 1), fxNS("t", "b", 2), fxNS("t", "c", 3), fxNS("t", "d", 4)
	ka := func(i int) core.Key { return core.KVKey(a, fmt.Sprintf("k%03d", i)) }
	kc := func(i int) core.Key { return core.KVKey(c, fmt.Sprintf("n%03d", i)) }
	put := func(k core.Key, v int64) func() error {
		return func() error { _, err := s.Put(k, core.Int64Value(v), 0); return err }
	}
	return []func() error{
		put(kc(200), 200),
		func() error { // overwrites (not of the expired keys), deletes, new keys
			_, err := s.Update(func(tx *Txn) error {
				for i := 1; i < 200; i += 3 {
					if err := tx.Put(ka(i), core.StringValue(fmt.Sprintf("over%d", i)), time.Duration(i)*time.Minute); err != nil {
						return err
					}
					if i+1 == 200 {
						continue
					}
					if err := tx.Delete(ka(i + 1)); err != nil {
						return err
					}
				}
				for i := range 70 {
					if err := tx.Put(kc(i), core.Int64Value(int64(1000+i)), time.Duration(i)*time.Hour); err != nil {
						return err
					}
				}
				return nil
			})
			return err
		},
		put(kc(5), -5),
		func() error { _, err := s.Expire(0); return err },
		func() error {
			_, err := s.Update(func(tx *Txn) error {
				for i := range 70 {
					if err := tx.Put(core.KVKey(d, fmt.Sprintf("d%03d", i)), core.Int64Value(int64(2000+i)), 0); err != nil {
						return err
					}
				}
				return nil
			})
			return err
		},
		func() error { _, err := s.Delete(kc(10)); return err },
		func() error { _, _, err := s.DeletePrefix(core.NamespacePrefix(b)); return err },
		func() error { _, _, err := s.DeletePrefix(core.NamespacePrefix(c)); return err },
		put(kc(1), -1),
	}
}

// packReference is what a store shows of each version: its live entries,
// its commit (as a watcher sees it) and its root, built with plain records.
type packReference struct {
	entries [][]core.Entry
	commits []core.Commit
	root    *root
}

// fxPackReference runs the seed and the script one write at a time with
// packing off: the exact answers a packed store must give.
func fxPackReference(t *testing.T) packReference {
	t.Helper()
	saved := packMin
	packMin = math.MaxInt
	defer func() { packMin = saved }()
	s, clk := fxStore(WithHistory(100))
	fxPackSeed(t, s, clk)
	for i, op := range fxPackScript(s) {
		require.NoError(t, op(), "reference op %d", i)
	}
	var ref packReference
	w := s.Watch(0)
	defer w.Close()
	ref.commits = fxCollectCommits(t, w, s.CurrentVersion())
	for v := uint64(0); v <= s.CurrentVersion(); v++ {
		ss, err := s.SnapshotAt(v)
		require.NoError(t, err)
		ref.entries = append(ref.entries, fxCollect(ss.All()))
	}
	ref.root = s.root.Load()
	return ref
}

// A big commit's record is packed once published (prev values out of line,
// keys prefix-compressed, put values read from the state), and everything
// read from it is exactly what plain records give: a watcher's commits (the
// values put and removed), the state at every version inside a group (a
// rewind undoes the later commits, restoring what packed changes replaced or
// removed), alone or grouped with commits that change its keys again.
func TestPackedRecordsMatchPlainOnes(t *testing.T) {
	ref := fxPackReference(t)
	for _, grouped := range []bool{false, true} {
		t.Run(fmt.Sprintf("grouped=%v", grouped), func(t *testing.T) {
			s, clk := fxStore(WithHistory(100))
			fxPackSeed(t, s, clk)
			if grouped {
				before := s.Stats().Groups
				for i, err := range fxGroup(t, s, fxPackScript(s)...) {
					require.NoError(t, err, "grouped op %d", i)
				}
				require.Equal(t, before+1, s.Stats().Groups, "the script ran as one group")
			} else {
				for i, op := range fxPackScript(s) {
					require.NoError(t, op(), "op %d", i)
				}
			}
			require.Equal(t, ref.root.cur.version, s.CurrentVersion())
			packed := 0
			for v := uint64(1); v <= s.CurrentVersion(); v++ {
				if rec, _, ok := s.root.Load().commitAt(v); ok && rec.packed != nil {
					packed++
				}
			}
			require.Equal(t, 6, packed, "the seed, the two transactions, the expiry and the two prefix deletes are packed")

			w := s.Watch(0)
			defer w.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for v := uint64(1); v <= s.CurrentVersion(); v++ {
				c, err := w.Next(ctx)
				require.NoError(t, err, "watcher at version %d", v)
				fxRequireCommit(t, ref.commits[v-1], c)
				ss, err := s.SnapshotAt(v)
				require.NoError(t, err, "SnapshotAt(%d)", v)
				fxRequireEntries(t, ref.entries[v], fxCollect(ss.All()), "live entries at version %d", v)
				fxRequireSameState(t, v, ref.root, s.root.Load())
			}
		})
	}
}

// With a byte budget, a big commit's record counts what it holds itself:
// a window whose budget one packed record exceeds keeps only the newest
// version, though the commit replaced no value.
func TestHistoryBytesCountBigRecords(t *testing.T) {
	s, _ := fxStore(WithHistory(100), WithHistoryBytes(500))
	a := fxNS("t", "a", 1)
	fxPut(t, s, core.KVKey(a, "first"), 1, 0)
	fxPut(t, s, core.KVKey(a, "second"), 2, 0)
	_, err := s.Update(func(tx *Txn) error {
		for i := range 200 {
			if err := tx.Put(core.KVKey(a, fmt.Sprintf("new%03d", i)), core.Int64Value(int64(i)), 0); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	rec := s.root.Load().cur.commit(s.CurrentVersion())
	require.NotNil(t, rec.packed)
	require.Positive(t, rec.bytes, "the record's own bytes")
	require.Equal(t, rec.packed.size(), rec.bytes, "a commit of new keys replaced nothing")
	require.Greater(t, rec.bytes, int64(500))
	require.Equal(t, 1, s.Stats().History, "the big record alone is over the budget: the window keeps only its version")
	fxPut(t, s, core.KVKey(a, "third"), 3, 0)
	require.Equal(t, 2, s.Stats().History)
	require.Equal(t, int64(0), s.Stats().HistoryBytes, "the big record is the oldest version kept: what it replaced is not needed")
}

// A durable store logs a big commit before its record is packed, and
// recovery packs the records it replays: a watcher after a restart reads the
// same commits as plain records give.
func TestPackedRecordsAcrossRestart(t *testing.T) {
	ref := fxPackReference(t)
	dir := t.TempDir()
	clk := core.NewManualClock(fxStart)
	opts := []Option{WithClock(clk), WithHistory(100), WithCheckpointBytes(0)}
	s, err := Open(dir, opts...)
	require.NoError(t, err)
	fxPackSeed(t, s, clk)
	for i, op := range fxPackScript(s) {
		require.NoError(t, op(), "op %d", i)
	}
	last := s.CurrentVersion()
	require.Equal(t, ref.root.cur.version, last)
	require.NoError(t, s.Close())

	s, err = Open(dir, opts...)
	require.NoError(t, err)
	defer s.Close()
	packed := 0
	for v := uint64(1); v <= last; v++ {
		if rec, _, ok := s.root.Load().commitAt(v); ok && rec.packed != nil {
			packed++
		}
	}
	require.Equal(t, 6, packed, "the replayed big records are packed")
	w := s.Watch(0)
	defer w.Close()
	fxRequireCommits(t, ref.commits, fxCollectCommits(t, w, last), "after the restart")
}
