package mvcc

import (
	"errors"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// Optimistic transactions: own writes, every conflict kind, atomic commits.

func TestTxnReadsSeeOwnWrites(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	a, b, c, d := core.KVKey(ns, "a"), core.KVKey(ns, "b"), core.KVKey(ns, "c"), core.KVKey(ns, "d")
	fxPut(t, s, a, 1, 0)
	fxPut(t, s, b, 2, 0)
	fxPut(t, s, d, 4, 0)

	txn := s.Begin()
	require.Equal(t, uint64(3), txn.Version())
	got, err := txn.Get(a)
	require.NoError(t, err)
	require.Equal(t, uint64(1), got.Version)
	require.NoError(t, txn.Put(a, core.Int64Value(10), time.Minute))
	require.NoError(t, txn.Put(c, core.Int64Value(30), 0))
	require.NoError(t, txn.Delete(b))
	got, err = txn.Get(a)
	require.NoError(t, err)
	fxRequireVV(t, core.VersionedValue{Value: core.Int64Value(10), TTL: time.Minute}, got, "own write: no version yet")
	_, err = txn.Get(b)
	require.ErrorIs(t, err, core.ErrNotFound, "own delete")
	require.ErrorIs(t, txn.Delete(b), core.ErrNotFound, "deleting twice")
	es, err := txn.ScanPrefix(core.KVKey(ns, ""))
	require.NoError(t, err)
	require.Equal(t, []string{a.String(), c.String(), d.String()}, fxKeys(es))
	require.Equal(t, int64(10), es[0].Value.Value.Int64())
	require.Equal(t, uint64(3), es[2].Value.Version)

	// Nothing is visible outside before the commit.
	_, err = s.Get(c)
	require.ErrorIs(t, err, core.ErrNotFound)
	require.Equal(t, uint64(3), s.CurrentVersion())

	clk.Advance(time.Second)
	v, err := txn.Commit()
	require.NoError(t, err)
	require.Equal(t, uint64(4), v)
	require.Equal(t, uint64(4), s.CurrentVersion(), "one version for the whole commit")
	for _, k := range []core.Key{a, c} {
		got, err := s.Get(k)
		require.NoError(t, err)
		require.Equal(t, v, got.Version)
		require.Equal(t, clk.Now(), got.Timestamp, "stamped at commit")
	}
	_, err = s.Get(b)
	require.ErrorIs(t, err, core.ErrNotFound)
	checkIndices(t, s.root.Load().cur)
}

func TestTxnReadsComeFromBegin(t *testing.T) {
	s, clk := fxStore()
	ns := fxNS("t", "a", 1)
	k := core.KVKey(ns, "k")
	fxPut(t, s, k, 1, time.Second)
	txn := s.Begin()
	fxPut(t, s, core.KVKey(ns, "later"), 2, 0)
	clk.Advance(time.Second) // k expires after Begin: the txn judges at Begin
	got, err := txn.Get(k)
	require.NoError(t, err)
	require.Equal(t, int64(1), got.Value.Int64())
	_, err = txn.Get(core.KVKey(ns, "later"))
	require.ErrorIs(t, err, core.ErrNotFound)
	es, err := txn.ScanPrefix(core.KVKey(ns, ""))
	require.NoError(t, err)
	require.Len(t, es, 1)
	v, err := txn.Commit()
	require.NoError(t, err, "read-only")
	require.Equal(t, uint64(1), v, "a read-only commit returns the version it read")
}

// fxConflict runs setup's reads and writes in a transaction, then other's
// commit, and requires the transaction's commit to fail with ErrConflict and
// change nothing.
func fxConflict(t *testing.T, s *Store, setup func(*Txn), other func()) {
	t.Helper()
	txn := s.Begin()
	setup(txn)
	other()
	r := s.root.Load()
	conflicts := s.Stats().Conflicts
	_, err := txn.Commit()
	require.ErrorIs(t, err, core.ErrConflict)
	fxUnchanged(t, s, r, "a failed commit")
	require.Equal(t, conflicts+1, s.Stats().Conflicts)
	require.ErrorIs(t, txn.Put(core.KVKey(fxNS("t", "a", 1), "z"), core.NullValue(), 0), ErrTxnDone, "a failed commit ends the txn")
}

func TestTxnConflicts(t *testing.T) {
	ns := fxNS("t", "a", 1)
	k, other := core.KVKey(ns, "k"), core.KVKey(ns, "other")
	put := func(s *Store, key core.Key) func() {
		return func() { _, err := s.Put(key, core.StringValue("theirs"), 0); require.NoError(t, err) }
	}
	t.Run("read-write", func(t *testing.T) {
		s, _ := fxStore()
		fxPut(t, s, k, 1, 0)
		fxConflict(t, s, func(txn *Txn) {
			got, err := txn.Get(k)
			require.NoError(t, err)
			require.NoError(t, txn.Put(other, got.Value, 0))
		}, put(s, k))
	})
	t.Run("read-delete", func(t *testing.T) {
		s, _ := fxStore()
		fxPut(t, s, k, 1, 0)
		fxConflict(t, s, func(txn *Txn) {
			_, err := txn.Get(k)
			require.NoError(t, err)
			require.NoError(t, txn.Put(other, core.NullValue(), 0))
		}, func() { _, err := s.Delete(k); require.NoError(t, err) })
	})
	t.Run("absent-read-then-insert", func(t *testing.T) {
		s, _ := fxStore()
		fxConflict(t, s, func(txn *Txn) {
			_, err := txn.Get(k)
			require.ErrorIs(t, err, core.ErrNotFound)
			require.NoError(t, txn.Put(other, core.NullValue(), 0))
		}, put(s, k))
	})
	t.Run("write-write", func(t *testing.T) {
		s, _ := fxStore()
		first, second := s.Begin(), s.Begin()
		require.NoError(t, first.Put(k, core.StringValue("first"), 0))
		require.NoError(t, second.Put(k, core.StringValue("second"), 0))
		_, err := first.Commit()
		require.NoError(t, err)
		r := s.root.Load()
		_, err = second.Commit()
		require.ErrorIs(t, err, core.ErrConflict)
		fxUnchanged(t, s, r, "the second blind write")
		got, err := s.Get(k)
		require.NoError(t, err)
		require.Equal(t, "first", got.Value.String())
	})
	t.Run("delete-write", func(t *testing.T) {
		s, _ := fxStore()
		fxPut(t, s, k, 1, 0)
		fxConflict(t, s, func(txn *Txn) { require.NoError(t, txn.Delete(k)) }, put(s, k))
	})
	t.Run("write-then-expiry-removal", func(t *testing.T) {
		s, clk := fxStore()
		fxPut(t, s, k, 1, time.Second)
		fxConflict(t, s, func(txn *Txn) { require.NoError(t, txn.Put(k, core.NullValue(), 0)) }, func() {
			clk.Advance(time.Second)
			res, err := s.RemoveExpired(s.FindExpired(s.Now(), 0))
			require.NoError(t, err)
			require.Equal(t, 1, res.Removed)
		})
	})
	t.Run("disjoint keys do not conflict", func(t *testing.T) {
		s, _ := fxStore()
		fxPut(t, s, k, 1, 0)
		txn := s.Begin()
		_, err := txn.Get(k)
		require.NoError(t, err)
		_, err = txn.Get(core.KVKey(ns, "absent"))
		require.ErrorIs(t, err, core.ErrNotFound)
		require.NoError(t, txn.Put(core.KVKey(ns, "mine"), core.NullValue(), 0))
		_, err = txn.ScanPrefix(core.KVKey(ns, "scan/"))
		require.NoError(t, err)
		put(s, other)()
		put(s, core.KVKey(ns, "scan"))()                  // outside the scanned range
		put(s, core.StateKey(ns, "scan/x"))()             // another type
		put(s, core.KVKey(fxNS("t", "a", 2), "scan/x"))() // another namespace
		v, err := txn.Commit()
		require.NoError(t, err)
		require.Equal(t, uint64(6), v)
	})
	t.Run("read-only always commits", func(t *testing.T) {
		s, _ := fxStore()
		fxPut(t, s, k, 1, 0)
		txn := s.Begin()
		_, err := txn.Get(k)
		require.NoError(t, err)
		_, err = txn.ScanPrefix(core.KVKey(ns, ""))
		require.NoError(t, err)
		put(s, k)()
		r := s.root.Load()
		v, err := txn.Commit()
		require.NoError(t, err)
		require.Equal(t, uint64(1), v)
		fxUnchanged(t, s, r, "a read-only commit")
	})
	t.Run("deletes of vanished keys change nothing", func(t *testing.T) {
		s, clk := fxStore()
		fxPut(t, s, k, 1, time.Second)
		txn := s.Begin()
		require.NoError(t, txn.Delete(k))
		clk.Advance(time.Second)
		res, err := s.RemoveExpired(s.FindExpired(s.Now(), 0))
		require.NoError(t, err)
		require.Equal(t, 1, res.Removed)
		_, err = txn.Commit()
		require.ErrorIs(t, err, core.ErrConflict, "the key it deleted changed")
	})
}

func TestTxnPhantomProtection(t *testing.T) {
	ns := fxNS("t", "a", 1)
	prefix := core.KVKey(ns, "p/")
	in1, in2 := core.KVKey(ns, "p/1"), core.KVKey(ns, "p/2")
	cases := map[string]func(t *testing.T, s *Store, clk *core.ManualClock){
		"gains a key": func(t *testing.T, s *Store, _ *core.ManualClock) { fxPut(t, s, core.KVKey(ns, "p/0"), 0, 0) },
		"loses a key": func(t *testing.T, s *Store, _ *core.ManualClock) {
			_, err := s.Delete(in1)
			require.NoError(t, err)
		},
		"changes a key": func(t *testing.T, s *Store, _ *core.ManualClock) { fxPut(t, s, in2, 9, 0) },
		"loses one and gains one": func(t *testing.T, s *Store, _ *core.ManualClock) {
			_, err := s.Delete(in1)
			require.NoError(t, err)
			fxPut(t, s, core.KVKey(ns, "p/3"), 0, 0)
		},
		"a key expired in it is removed": func(t *testing.T, s *Store, clk *core.ManualClock) {
			clk.Advance(time.Hour)
			res, err := s.RemoveExpired(s.FindExpired(s.Now(), 0))
			require.NoError(t, err)
			require.Equal(t, 1, res.Removed)
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			s, clk := fxStore()
			fxPut(t, s, in1, 1, 0)
			fxPut(t, s, in2, 2, time.Hour)
			fxPut(t, s, core.KVKey(ns, "q"), 3, 0)
			fxConflict(t, s, func(txn *Txn) {
				es, err := txn.ScanPrefix(prefix)
				require.NoError(t, err)
				require.Len(t, es, 2)
				require.NoError(t, txn.Put(core.KVKey(ns, "sum"), core.Int64Value(3), 0))
			}, func() { change(t, s, clk) })
		})
	}
	t.Run("a range that only expires is unchanged", func(t *testing.T) {
		s, clk := fxStore()
		fxPut(t, s, in2, 2, time.Hour)
		txn := s.Begin()
		_, err := txn.ScanPrefix(prefix)
		require.NoError(t, err)
		require.NoError(t, txn.Put(core.KVKey(ns, "sum"), core.Int64Value(2), 0))
		clk.Advance(time.Hour)
		fxPut(t, s, core.KVKey(ns, "q"), 3, 0)
		_, err = txn.Commit()
		require.NoError(t, err)
	})
}

func TestTxnDone(t *testing.T) {
	s, _ := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "k")
	for _, end := range []string{"commit", "discard"} {
		txn := s.Begin()
		require.NoError(t, txn.Put(k, core.NullValue(), 0))
		if end == "commit" {
			_, err := txn.Commit()
			require.NoError(t, err)
		} else {
			txn.Discard()
		}
		_, err := txn.Get(k)
		require.ErrorIs(t, err, ErrTxnDone, end)
		require.ErrorIs(t, txn.Put(k, core.NullValue(), 0), ErrTxnDone, end)
		require.ErrorIs(t, txn.Delete(k), ErrTxnDone, end)
		_, err = txn.ScanPrefix(k)
		require.ErrorIs(t, err, ErrTxnDone, end)
		_, err = txn.Commit()
		require.ErrorIs(t, err, ErrTxnDone, end)
		txn.Discard() // safe again
	}
	require.Equal(t, uint64(1), s.CurrentVersion(), "the discarded transaction wrote nothing")
}

func TestUpdateRetriesOnConflict(t *testing.T) {
	ns := fxNS("t", "a", 1)
	k := core.KVKey(ns, "counter")
	// fn reads k, then another writer changes k before the commit, losing
	// times times; then fn commits.
	run := func(s *Store, lose int) (int, uint64, error) {
		calls := 0
		v, err := s.Update(func(txn *Txn) error {
			calls++
			got, err := txn.Get(k)
			if err != nil {
				return err
			}
			if calls <= lose {
				if _, err := s.Put(k, core.Int64Value(-1), 0); err != nil {
					return err
				}
			}
			return txn.Put(k, core.Int64Value(got.Value.Int64()+1), 0)
		})
		return calls, v, err
	}

	s, _ := fxStore()
	fxPut(t, s, k, 0, 0)
	calls, v, err := run(s, 2)
	require.NoError(t, err)
	require.Equal(t, 3, calls)
	require.Equal(t, uint64(4), v)
	got, err := s.Get(k)
	require.NoError(t, err)
	require.Equal(t, int64(0), got.Value.Int64(), "the last attempt read -1")

	s, _ = fxStore()
	fxPut(t, s, k, 0, 0)
	calls, _, err = run(s, 100)
	require.ErrorIs(t, err, core.ErrConflict)
	require.Equal(t, DefaultUpdateRetries, calls, "gives up after the documented number of attempts")
	require.Equal(t, uint64(DefaultUpdateRetries), s.Stats().Conflicts)

	for _, n := range []int{1, 3} {
		s, _ = fxStore(WithUpdateRetries(n))
		fxPut(t, s, k, 0, 0)
		calls, _, err = run(s, 100)
		require.ErrorIs(t, err, core.ErrConflict)
		require.Contains(t, err.Error(), "attempts")
		require.Equal(t, n, calls)
	}
	s, _ = fxStore(WithUpdateRetries(0))
	fxPut(t, s, k, 0, 0)
	calls, _, err = run(s, 100)
	require.ErrorIs(t, err, core.ErrConflict)
	require.Equal(t, 1, calls, "at least one attempt")
}

func TestUpdateReturnsFnErrorUnchanged(t *testing.T) {
	s, _ := fxStore()
	k := core.KVKey(fxNS("t", "a", 1), "k")
	errMine := errors.New("mine")
	r := s.root.Load()
	calls := 0
	v, err := s.Update(func(txn *Txn) error {
		calls++
		require.NoError(t, txn.Put(k, core.NullValue(), 0))
		return errMine
	})
	require.True(t, err == errMine, "the very error, not a wrapper: %v", err)
	require.Zero(t, v)
	require.Equal(t, 1, calls, "no retry on fn's error")
	fxUnchanged(t, s, r, "an Update whose fn failed")

	// ErrNotFound from fn is fn's error too: returned as is.
	_, err = s.Update(func(txn *Txn) error {
		_, err := txn.Get(k)
		return err
	})
	require.True(t, errors.Is(err, core.ErrNotFound))
}

func TestUpdateConcurrentBankTransfers(t *testing.T) {
	s, _ := fxStore(WithUpdateRetries(1000))
	ns := fxNS("bank", "teller", 1)
	const accounts, start = 10, 100
	acct := func(i int) core.Key { return core.KVKey(ns, "acct/"+string(rune('0'+i))) }
	for i := range accounts {
		fxPut(t, s, acct(i), start, 0)
	}
	const total = accounts * start
	sum := func(es []core.Entry) int64 {
		var n int64
		for _, e := range es {
			n += e.Value.Value.Int64()
		}
		return n
	}

	stop := make(chan struct{})
	auditErr := make(chan error, 1)
	audits := 0
	go func() {
		auditErr <- func() error {
			for {
				sn := s.Snapshot()
				es, err := sn.ScanPrefix(core.KVKey(ns, "acct/"))
				if err != nil {
					return err
				}
				if len(es) != accounts || sum(es) != total {
					return errors.New("a snapshot saw money created or destroyed")
				}
				// A read-only transaction sees the same invariant.
				txn := s.Begin()
				es, err = txn.ScanPrefix(core.KVKey(ns, "acct/"))
				if err != nil {
					return err
				}
				if _, err := txn.Commit(); err != nil {
					return err
				}
				if sum(es) != total {
					return errors.New("a transaction saw money created or destroyed")
				}
				audits++
				select {
				case <-stop:
					return nil
				default:
				}
			}
		}()
	}()

	err := fxParallel(4, func(g int) error {
		for i := range 150 {
			from, to := (g+i)%accounts, (g*3+i*7+1)%accounts
			if from == to {
				to = (to + 1) % accounts
			}
			amount := int64(1 + (g+i)%7)
			_, err := s.Update(func(txn *Txn) error {
				a, err := txn.Get(acct(from))
				if err != nil {
					return err
				}
				b, err := txn.Get(acct(to))
				if err != nil {
					return err
				}
				if err := txn.Put(acct(from), core.Int64Value(a.Value.Int64()-amount), 0); err != nil {
					return err
				}
				return txn.Put(acct(to), core.Int64Value(b.Value.Int64()+amount), 0)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	close(stop)
	require.NoError(t, err)
	require.NoError(t, <-auditErr)
	require.Positive(t, audits)
	es, err := s.ScanPrefix(core.KVKey(ns, "acct/"), core.Latest)
	require.NoError(t, err)
	require.Equal(t, int64(total), sum(es))
	require.Equal(t, uint64(accounts+4*150), s.CurrentVersion(), "one version per transfer")
}
