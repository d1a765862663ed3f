package mvcc

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// apAppended is what one append returned, and the value it wrote.
type apAppended struct {
	key     core.Key
	version uint64
	value   string
}

// apRequireLog fails the test unless the appends hold each sequence 1..n
// exactly once, a higher sequence never has a lower version, and each
// returned key stores the appended value at the returned version.
func apRequireLog(t *testing.T, s *Store, ns core.Namespace, got []apAppended) {
	t.Helper()
	bySeq := make([]*apAppended, len(got)+1)
	for i := range got {
		a := &got[i]
		require.Equal(t, ns, a.key.Namespace)
		require.Equal(t, core.TypeEvent, a.key.Type)
		require.Len(t, a.key.UserKey, 8, "%s", a.key)
		seq := seqOf(string(a.key.UserKey))
		require.True(t, seq >= 1 && seq <= uint64(len(got)), "sequence %d outside 1..%d", seq, len(got))
		require.Nil(t, bySeq[seq], "sequence %d returned twice", seq)
		bySeq[seq] = a
		vv, err := s.Get(a.key)
		require.NoError(t, err, "%s", a.key)
		require.Equal(t, a.value, vv.Value.String(), "%s", a.key)
		require.Equal(t, a.version, vv.Version, "%s", a.key)
	}
	for seq := 2; seq < len(bySeq); seq++ {
		require.LessOrEqual(t, bySeq[seq-1].version, bySeq[seq].version, "sequence %d committed before %d", seq, seq-1)
	}
	es := fxCollect(s.Scan(core.KeyPrefix(core.Key{Namespace: ns, Type: core.TypeEvent})))
	require.Len(t, es, len(got), "the log holds exactly the appended events")
}

func TestAppendConcurrentIsGapless(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "log", 1)
	const goroutines, each = 4, 200
	results := make([][]apAppended, goroutines)
	err := fxParallel(goroutines, func(g int) error {
		for i := range each {
			val := fmt.Sprintf("g%d-%d", g, i)
			k, v, err := s.Append(ns, core.StringValue(val), 0)
			if err != nil {
				return err
			}
			results[g] = append(results[g], apAppended{k, v, val})
		}
		return nil
	})
	require.NoError(t, err)
	var all []apAppended
	for _, r := range results {
		all = append(all, r...)
	}
	apRequireLog(t, s, ns, all)
}

func TestTxnAppendConcurrentIsGapless(t *testing.T) {
	s, _ := fxStore(WithUpdateRetries(10000))
	ns := fxNS("t", "log", 1)
	const goroutines, each = 4, 50
	results := make([][]apAppended, goroutines)
	err := fxParallel(goroutines, func(g int) error {
		for i := range each {
			// Two appends per transaction: consecutive, one version.
			var got []apAppended
			v, err := s.Update(func(tx *Txn) error {
				got = got[:0]
				for j := range 2 {
					val := fmt.Sprintf("g%d-%d-%d", g, i, j)
					k, err := tx.Append(ns, core.StringValue(val), 0)
					if err != nil {
						return err
					}
					got = append(got, apAppended{key: k, value: val})
				}
				return nil
			})
			if err != nil {
				return err
			}
			if seqOf(string(got[1].key.UserKey)) != seqOf(string(got[0].key.UserKey))+1 {
				return fmt.Errorf("one transaction's appends %s and %s are not consecutive", got[0].key, got[1].key)
			}
			for _, a := range got {
				a.version = v
				results[g] = append(results[g], a)
			}
		}
		return nil
	})
	require.NoError(t, err)
	var all []apAppended
	for _, r := range results {
		all = append(all, r...)
	}
	apRequireLog(t, s, ns, all)
}

// A log's sequences only grow: once its newest events are deleted, expired
// and removed, or the whole namespace is deleted, Append goes on after the
// highest number it ever handed out, never reusing one.
func TestAppendNeverReusesASequence(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "log", 1)
	seqOfAppend := func(ttl time.Duration) uint64 {
		t.Helper()
		k, _, err := s.Append(ns, core.StringValue("e"), ttl)
		require.NoError(t, err)
		return seqOf(string(k.UserKey))
	}
	for want := uint64(1); want <= 5; want++ {
		require.Equal(t, want, seqOfAppend(0))
	}
	// Removing old events sets no mark: the tail holds the log's number.
	_, err := s.Delete(core.EventKey(ns, 1))
	require.NoError(t, err)
	require.Zero(t, s.root.Load().cur.seqs.len(), "no mark while the tail is stored")
	_, err = s.Delete(core.EventKey(ns, 5))
	require.NoError(t, err)
	_, err = s.Delete(core.EventKey(ns, 4))
	require.NoError(t, err)
	require.Equal(t, uint64(6), seqOfAppend(0), "the deleted tail's numbers are not used again")

	// An expired tail not yet removed counts, and once removed too.
	require.Equal(t, uint64(7), seqOfAppend(time.Second))
	clk.Advance(2 * time.Second)
	require.Equal(t, uint64(8), seqOfAppend(0), "an expired event not yet removed counts")
	_, err = s.Delete(core.EventKey(ns, 8))
	require.NoError(t, err)
	res, err := s.Expire(0)
	require.NoError(t, err)
	require.Equal(t, 1, res.Removed)
	require.Equal(t, uint64(9), seqOfAppend(0), "after the expired tail was removed")

	// A removed log goes on after its last number.
	n, _, err := s.DeletePrefix(core.NamespacePrefix(ns))
	require.NoError(t, err)
	require.Equal(t, 4, n)
	require.Equal(t, uint64(10), seqOfAppend(0))
	tx := s.Begin()
	k, err := tx.Append(ns, core.StringValue("in a txn"), 0)
	require.NoError(t, err)
	require.Equal(t, uint64(11), seqOf(string(k.UserKey)))
	tx.Discard()

	// A log that never had its tail removed starts at 1.
	k, _, err = s.Append(fxNS("t", "log", 2), core.StringValue("first"), 0)
	require.NoError(t, err)
	require.Equal(t, uint64(1), seqOf(string(k.UserKey)))
}

func TestAppendIgnoresNonSequenceEventKeys(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "log", 1)
	for _, uk := range []string{"", "\xff", "\xff\xff\xff\xff\xff\xff\xff", "\xff\xff\xff\xff\xff\xff\xff\xff\xff", "\x00\x00\x00\x00\x00\x00\x00\x00\x00"} {
		_, err := s.Put(core.NewKey(ns, core.TypeEvent, []byte(uk)), core.StringValue("not a sequence"), 0)
		require.NoError(t, err)
	}
	// 8-byte user keys of other types and other namespaces' events, on
	// both sides of the log, do not count either.
	fxPut(t, s, core.TraceKey(ns, 100), 1, 0)
	fxPut(t, s, core.NewKey(ns, core.TypeKV, apSeqKey(200)), 1, 0)
	fxPut(t, s, core.NewKey(ns, core.TypeStateMachine, apSeqKey(300)), 1, 0)
	fxPut(t, s, core.EventKey(fxNS("t", "log", 0), 400), 1, 0)
	fxPut(t, s, core.EventKey(fxNS("t", "log", 2), 500), 1, 0)
	fxPut(t, s, core.EventKey(fxNS("t", "log\x00", 1), 600), 1, 0)

	k, _, err := s.Append(ns, core.StringValue("first"), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 1)), "got %s", k)
	k, _, err = s.Append(ns, core.StringValue("second"), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 2)), "got %s", k)
	fxPut(t, s, core.EventKey(ns, 10), 1, 0)
	k, _, err = s.Append(ns, core.StringValue("after a gap"), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 11)), "got %s", k)

	// The transaction's Append agrees.
	tx := s.Begin()
	k, err = tx.Append(ns, core.StringValue("in a txn"), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 12)), "got %s", k)
	tx.Discard()
}

func apSeqKey(n uint64) []byte { return core.EventKey(core.Namespace{}, n).UserKey }

func TestAppendAtTheLastSequenceIsTooLarge(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "log", 1)
	fxPut(t, s, core.EventKey(ns, math.MaxUint64), 1, 0)
	r := s.root.Load()
	_, _, err := s.Append(ns, core.StringValue("x"), 0)
	require.ErrorIs(t, err, core.ErrTooLarge)
	fxUnchanged(t, s, r, "Append at MaxUint64")
	_, err = s.Update(func(tx *Txn) error {
		_, err := tx.Append(ns, core.StringValue("x"), 0)
		return err
	})
	require.ErrorIs(t, err, core.ErrTooLarge)
	fxUnchanged(t, s, r, "Txn.Append at MaxUint64")

	_, _, err = s.Append(ns, core.StringValue("x"), -time.Second)
	require.ErrorIs(t, err, core.ErrInvalidTTL)
	tx := s.Begin()
	_, err = tx.Append(ns, core.StringValue("x"), -time.Second)
	require.ErrorIs(t, err, core.ErrInvalidTTL)
	tx.Discard()
	_, err = tx.Append(ns, core.StringValue("x"), 0)
	require.ErrorIs(t, err, ErrTxnDone)
	fxUnchanged(t, s, r, "refused appends")
}

func TestTxnAppendSeesItsOwnWrites(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "log", 1)
	for range 3 {
		_, _, err := s.Append(ns, core.StringValue("e"), 0)
		require.NoError(t, err)
	}
	tx := s.Begin()
	k, err := tx.Append(ns, core.StringValue("4"), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 4)), "got %s", k)
	require.NoError(t, tx.Put(core.EventKey(ns, 7), core.StringValue("7"), 0))
	k, err = tx.Append(ns, core.StringValue("8"), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 8)), "after its own put of 7: got %s", k)
	_, err = tx.Commit()
	require.NoError(t, err)

	// Deleting the tail in the transaction does not free its numbers,
	// as with Store.Append after a Delete.
	tx = s.Begin()
	require.NoError(t, tx.Delete(core.EventKey(ns, 8)))
	require.NoError(t, tx.Delete(core.EventKey(ns, 7)))
	k, err = tx.Append(ns, core.StringValue("again"), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 9)), "after deleting its tail 7 and 8: got %s", k)
	v, err := tx.Commit()
	require.NoError(t, err)
	vv, err := s.Get(core.EventKey(ns, 9))
	require.NoError(t, err)
	require.Equal(t, v, vv.Version)
	_, err = s.Get(core.EventKey(ns, 8))
	require.ErrorIs(t, err, core.ErrNotFound)
	k, _, err = s.Append(ns, core.StringValue("after"), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 10)), "got %s", k)
}

func TestTxnAppendConflictsWithAnotherAppender(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "log", 1)
	_, _, err := s.Append(ns, core.StringValue("1"), 0)
	require.NoError(t, err)

	tx := s.Begin()
	_, err = tx.Append(ns, core.StringValue("mine"), 0)
	require.NoError(t, err)
	_, _, err = s.Append(ns, core.StringValue("theirs"), 0)
	require.NoError(t, err)
	_, err = tx.Commit()
	require.ErrorIs(t, err, core.ErrConflict, "another append took the number")

	tx = s.Begin()
	_, err = tx.Append(ns, core.StringValue("mine"), 0)
	require.NoError(t, err)
	_, err = s.Delete(core.EventKey(ns, 2))
	require.NoError(t, err)
	_, err = tx.Commit()
	require.ErrorIs(t, err, core.ErrConflict, "the tail it appended after was deleted")

	// Update runs the function again on the new tail.
	runs := 0
	_, err = s.Update(func(tx *Txn) error {
		runs++
		k, err := tx.Append(ns, core.StringValue("mine"), 0)
		if runs == 1 {
			_, _, err2 := s.Append(ns, core.StringValue("theirs"), 0)
			err = errors.Join(err, err2)
		} else if !k.Equal(core.EventKey(ns, 4)) { // 2 was deleted, 3 is theirs
			err = fmt.Errorf("second run appended %s", k)
		}
		return err
	})
	require.NoError(t, err)
	require.Equal(t, 2, runs)
}
