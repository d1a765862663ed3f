package mvcc

import (
	"bytes"
	"errors"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// seqAppend appends to ns and returns the sequence it got.
func seqAppend(t testing.TB, s *Store, ns core.Namespace) uint64 {
	t.Helper()
	k, _, err := s.Append(ns, core.StringValue("e"), 0)
	require.NoError(t, err)
	return seqOf(string(k.UserKey))
}

// seqRemoveTail appends 1..n to ns, then deletes the log (DeletePrefix of its
// namespace), leaving only its mark.
func seqRemoveTail(t testing.TB, s *Store, ns core.Namespace, n int) {
	t.Helper()
	for range n {
		seqAppend(t, s, ns)
	}
	_, _, err := s.DeletePrefix(core.NamespacePrefix(ns))
	require.NoError(t, err)
}

// The marks survive what a store's state goes through: a restart (replayed
// from the log, or read from a checkpoint), a backup and Restore, RestoreDir,
// and a fork.
func TestAppendSequencesSurviveRestartsBackupsAndForks(t *testing.T) {
	ns := fxNS("t", "log", 1)
	other := fxNS("t", "log", 2)

	t.Run("restart-from-the-log", func(t *testing.T) {
		dir := t.TempDir()
		s := fxOpen(t, dir)
		seqRemoveTail(t, s, ns, 5)
		require.NoError(t, s.Close())
		s = fxOpen(t, dir)
		require.Equal(t, uint64(6), seqAppend(t, s, ns), "the log's removals replayed")
		require.Equal(t, uint64(1), seqAppend(t, s, other))
	})
	t.Run("restart-beyond-the-window", func(t *testing.T) {
		// With no history window every record replays into the base state.
		dir := t.TempDir()
		s := fxOpen(t, dir, WithHistory(0))
		seqRemoveTail(t, s, ns, 5)
		require.NoError(t, s.Close())
		s = fxOpen(t, dir, WithHistory(0))
		require.Equal(t, uint64(6), seqAppend(t, s, ns), "the log's removals replayed")
	})
	t.Run("restart-from-a-checkpoint", func(t *testing.T) {
		dir := t.TempDir()
		s := fxOpen(t, dir)
		seqRemoveTail(t, s, ns, 5)
		require.NoError(t, s.Checkpoint())
		at := s.CurrentVersion()
		require.NoError(t, s.Close())
		s = fxOpen(t, dir)
		require.Equal(t, at, s.Recovery().CheckpointVersion, "recovered from the checkpoint")
		require.Zero(t, s.Recovery().Records, "with no log after it")
		require.Equal(t, uint64(6), seqAppend(t, s, ns), "the checkpoint carried the mark")
	})
	t.Run("backup", func(t *testing.T) {
		s, _ := fxStore()
		seqRemoveTail(t, s, ns, 5)
		var buf bytes.Buffer
		_, err := s.Snapshot().WriteTo(&buf)
		require.NoError(t, err)
		backup := buf.Bytes()
		r, err := Restore(bytes.NewReader(backup))
		require.NoError(t, err)
		require.Equal(t, uint64(6), seqAppend(t, r, ns), "Restore")
		d, err := RestoreDir(t.TempDir(), bytes.NewReader(backup))
		require.NoError(t, err)
		defer d.Close()
		require.Equal(t, uint64(6), seqAppend(t, d, ns), "RestoreDir")
	})
	t.Run("fork", func(t *testing.T) {
		s, _ := fxStore()
		seqRemoveTail(t, s, ns, 5)
		f, err := s.Fork()
		require.NoError(t, err)
		require.Equal(t, uint64(6), seqAppend(t, f, ns), "the fork")
		require.Equal(t, uint64(6), seqAppend(t, s, ns), "the store, on its own")
	})
}

// An operation that fails after removing a log's tail leaves the marks as
// they were, and a rewound version has the marks it had: undo restores them.
func TestAppendMarksAreUndone(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "log", 1)
	for range 3 {
		seqAppend(t, s, ns)
	}
	st := s.root.Load().cur
	d := newDraft(st, clk.Now())
	_, err := d.apply(func(d *draft) error {
		d.remove(encodeKey(core.EventKey(ns, 3)), core.ChangeDelete)
		require.Equal(t, 1, d.seqs.len())
		return errors.New("refused after the removal")
	})
	require.Error(t, err)
	require.Zero(t, d.seqs.len(), "the failed operation's mark is undone")

	// A group of three versions: an append of 4, the delete of that tail,
	// an append of 5. Each version rewound from the group's state has the
	// marks it had: none, then 4.
	d = newDraft(st, clk.Now())
	for _, op := range []func(d *draft){
		func(d *draft) { d.put(encodeKey(core.EventKey(ns, 4)), core.StringValue("e"), 0) },
		func(d *draft) { d.remove(encodeKey(core.EventKey(ns, 4)), core.ChangeDelete) },
		func(d *draft) { d.put(encodeKey(core.EventKey(ns, 5)), core.StringValue("e"), 0) },
	} {
		_, err = d.apply(func(d *draft) error { op(d); return nil })
		require.NoError(t, err)
	}
	group := d.finish()
	prefix := encodeKey(core.EventKey(ns, 0))
	prefix = prefix[:len(prefix)-8]
	require.Zero(t, group.rewind(st.version+1).seqs.len(), "the version before the tail's removal")
	require.Equal(t, uint64(4), group.rewind(st.version+2).seqs.get(prefix), "the version that removed the tail")
	require.Equal(t, uint64(4), group.seqs.get(prefix))
}

// A transaction appended to a log that used a higher sequence meanwhile
// conflicts, though the tail it read is unchanged: a mark that rose, or a
// higher event stored by hand.
func TestTxnAppendConflictsWithARisenMark(t *testing.T) {
	s, _ := fxStore()
	ns := fxNS("t", "log", 1)
	for range 3 {
		seqAppend(t, s, ns)
	}
	tx := s.Begin()
	k, err := tx.Append(ns, core.StringValue("mine"), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 4)))
	fxPut(t, s, core.EventKey(ns, 9), 9, 0) // a number used by hand...
	_, err = s.Delete(core.EventKey(ns, 9)) // ...and removed: the mark is 9
	require.NoError(t, err)
	_, err = tx.Commit()
	require.ErrorIs(t, err, core.ErrConflict)
	require.Equal(t, uint64(10), seqAppend(t, s, ns))

	// A higher number stored meanwhile, even left in place, conflicts too.
	tx = s.Begin()
	_, err = tx.Append(ns, core.StringValue("mine"), 0)
	require.NoError(t, err)
	fxPut(t, s, core.EventKey(ns, 20), 20, 0)
	_, err = tx.Commit()
	require.ErrorIs(t, err, core.ErrConflict)
	_, err = s.Delete(core.EventKey(ns, 20))
	require.NoError(t, err)

	// Update runs it again after the mark.
	v, err := s.Update(func(tx *Txn) error {
		_, err := tx.Append(ns, core.StringValue("mine"), 0)
		return err
	})
	require.NoError(t, err)
	vv, err := s.Get(core.EventKey(ns, 21))
	require.NoError(t, err)
	require.Equal(t, v, vv.Version)
}
