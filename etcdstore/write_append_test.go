package etcdstore

import (
	"context"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// appendIs appends to ns on s and requires the key of sequence want.
func appendIs(t *testing.T, s *Store, ns core.Namespace, want uint64, why string) {
	t.Helper()
	k, _, err := s.Append(ns, core.NullValue(), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, want)), "%s: got %s, want sequence %d", why, k, want)
}

// marks returns how many mark index keys ns's log has in etcd.
func marks(t *testing.T, s *Store, ns core.Namespace) int64 {
	t.Helper()
	resp, err := testCli.Get(context.Background(), s.l.markPrefix(ns), clientv3.WithPrefix(), clientv3.WithCountOnly())
	require.NoError(t, err)
	return resp.Count
}

// TestAppendSequencesOnlyGrow: a log's sequences only grow, whatever removed
// its tail (a delete, expiry, DeletePrefix), for the Store that removed it
// (planning on what it knows), for another process, and for a new Store on
// the same etcd (a restart); a plain put of a sequence counts as well. The
// marks that carry a removed tail do not accumulate: an append clears them.
func TestAppendSequencesOnlyGrow(t *testing.T) {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(t, WithClock(clock))
	other := newStoreOn(t, testCli, s.Prefix(), WithClock(clock))
	ns := testNS("grow", 60)

	appendIs(t, s, ns, 1, "an empty log")
	_, err := s.Delete(core.EventKey(ns, 1))
	require.NoError(t, err)
	require.Equal(t, int64(1), marks(t, s, ns), "the delete of the tail left a mark")
	appendIs(t, s, ns, 2, "after a delete of the tail, same Store")
	require.Zero(t, marks(t, s, ns), "the append cleared the mark")

	_, err = other.Delete(core.EventKey(ns, 2))
	require.NoError(t, err)
	appendIs(t, s, ns, 3, "after another process deleted the tail")

	// Expiry, through FindExpired and RemoveExpired (the cleaner's path).
	_, err = s.Delete(core.EventKey(ns, 3))
	require.NoError(t, err)
	k, _, err := s.Append(ns, core.NullValue(), time.Second)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 4)), "%s", k)
	clock.Advance(time.Minute)
	found := s.FindExpired(clock.Now(), 0)
	require.Len(t, found, 1)
	res, err := s.RemoveExpired(found)
	require.NoError(t, err)
	require.Equal(t, 1, res.Removed)
	appendIs(t, s, ns, 5, "after the tail expired and was removed")

	// DeletePrefix of the namespace, and of the log alone.
	_, _, err = s.DeletePrefix(core.NamespacePrefix(ns))
	require.NoError(t, err)
	appendIs(t, s, ns, 6, "after DeletePrefix of the namespace")
	_, _, err = s.DeletePrefix(core.KeyPrefix(core.NewKey(ns, core.TypeEvent, nil)))
	require.NoError(t, err)
	appendIs(t, s, ns, 7, "after DeletePrefix of the log")

	// A plain put of a sequence raises the log's high-water mark, removed
	// or not.
	_, err = s.Put(core.EventKey(ns, 100), core.NullValue(), 0)
	require.NoError(t, err)
	_, err = s.Delete(core.EventKey(ns, 100))
	require.NoError(t, err)
	appendIs(t, s, ns, 101, "after a put and a delete of sequence 100")

	// Removals below a mark keep it: the highest counts.
	_, err = s.Delete(core.EventKey(ns, 101))
	require.NoError(t, err)
	_, err = s.Delete(core.EventKey(ns, 7))
	require.NoError(t, err)
	require.Equal(t, int64(2), marks(t, s, ns), "101, then 7 below it")

	// A restart: a new Store on the same etcd reads the marks.
	restarted := newStoreOn(t, testCli, s.Prefix(), WithClock(clock))
	appendIs(t, restarted, ns, 102, "a new Store on the same etcd")
	require.Zero(t, marks(t, s, ns))
	appendIs(t, s, ns, 103, "the first Store, after the restarted one appended")
}

// TestAppendMarkPerLog: one commit removing several sequences of two logs
// (a transaction) writes one mark per log, at each log's highest removed
// sequence, and drops the lower marks.
func TestAppendMarkPerLog(t *testing.T) {
	s := newStore(t)
	a, b := testNS("marks", 61), testNS("marks", 62)
	for i := uint64(1); i <= 3; i++ {
		appendIs(t, s, a, i, "a")
	}
	appendIs(t, s, b, 1, "b")
	_, err := s.Delete(core.EventKey(a, 1))
	require.NoError(t, err)
	require.Equal(t, int64(1), marks(t, s, a))
	_, err = s.Update(func(tx *Txn) error {
		for _, k := range []core.Key{core.EventKey(a, 2), core.EventKey(a, 3), core.EventKey(b, 1)} {
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, int64(1), marks(t, s, a), "the mark at 3 replaced the one at 1")
	require.Equal(t, int64(1), marks(t, s, b))
	appendIs(t, s, a, 4, "a")
	appendIs(t, s, b, 2, "b")
}

// TestTxnAppendSequencesOnlyGrow: a transaction's append goes on after
// every sequence its log stored up to Begin (the events it deletes itself
// included), and its commit conflicts when another writer raised the log's
// high-water mark after Begin, even by an append it removed again.
func TestTxnAppendSequencesOnlyGrow(t *testing.T) {
	s := newStore(t)
	other := newStoreOn(t, testCli, s.Prefix())
	ns := testNS("txn-grow", 63)
	appendIs(t, s, ns, 1, "empty")
	appendIs(t, s, ns, 2, "next")
	_, err := s.Delete(core.EventKey(ns, 2))
	require.NoError(t, err)

	tx := s.Begin()
	k, err := tx.Append(ns, core.NullValue(), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 3)), "the deleted tail counts: %s", k)
	require.NoError(t, tx.Delete(core.EventKey(ns, 1)))
	k, err = tx.Append(ns, core.NullValue(), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 4)), "%s", k)
	_, err = tx.Commit()
	require.NoError(t, err)

	tx = s.Begin()
	require.NoError(t, tx.Delete(core.EventKey(ns, 4)))
	k, err = tx.Append(ns, core.NullValue(), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 5)), "the tail it deletes itself counts: %s", k)
	_, err = tx.Commit()
	require.NoError(t, err)

	// Another process appends 6 and removes it after Begin: the log looks
	// as it did, but 6 is used.
	for _, meddler := range []*Store{s, other} {
		tx = s.Begin()
		k, err = tx.Append(ns, core.NullValue(), 0)
		require.NoError(t, err)
		used, _, err := meddler.Append(ns, core.NullValue(), 0)
		require.NoError(t, err)
		require.True(t, used.Equal(k), "both take the next sequence: %s and %s", used, k)
		_, err = meddler.Delete(used)
		require.NoError(t, err)
		_, err = tx.Commit()
		require.ErrorIs(t, err, core.ErrConflict, "the log used %s after Begin", used)
	}

	// Update runs the function again: it takes the next number.
	var got core.Key
	_, err = s.Update(func(tx *Txn) error {
		var err error
		got, err = tx.Append(ns, core.NullValue(), 0)
		return err
	})
	require.NoError(t, err)
	require.True(t, got.Equal(core.EventKey(ns, 8)), "%s", got)
}
