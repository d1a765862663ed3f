package mvcc

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// wxModel is the store's content rebuilt from a snapshot and the commits a
// watcher delivers: encoded key -> the value stored, expired values not yet
// removed included.
type wxModel map[string]core.VersionedValue

// apply checks one delivered commit against the model and applies it. It
// returns a description of the first inconsistency, or "". A ChangeDelete
// of a value expired by the commit's time is what a transaction's delete of
// a present key records (core.ChangeDelete); no other delete may: apply
// adds the version of each such commit to txnDeletes, for the caller to
// check against the versions the transactions committed.
func (m wxModel) apply(c core.Commit, txnDeletes *[]uint64) string {
	for i, ch := range c.Changes {
		if i > 0 && c.Changes[i-1].Key.Compare(ch.Key) >= 0 {
			return fmt.Sprintf("version %d: changes not in strictly increasing key order at %s", c.Version, ch.Key)
		}
		enc := string(ch.Key.Encode())
		switch ch.Op {
		case core.ChangePut:
			if ch.Value.Version != c.Version || !ch.Value.Timestamp.Equal(c.Time) {
				return fmt.Sprintf("version %d: put of %s carries version %d at %v", c.Version, ch.Key, ch.Value.Version, ch.Value.Timestamp)
			}
			m[enc] = ch.Value
		case core.ChangeDelete, core.ChangeExpire:
			had, ok := m[enc]
			if !ok || !fxEqualVV(had, ch.Value) {
				return fmt.Sprintf("version %d: %s of %s removed %v@%d, the model held %v@%d (%v)", c.Version, ch.Op, ch.Key, ch.Value.Value, ch.Value.Version, had.Value, had.Version, ok)
			}
			switch expired := had.Expired(c.Time); {
			case expired && ch.Op == core.ChangeDelete:
				*txnDeletes = append(*txnDeletes, c.Version)
			case expired != (ch.Op == core.ChangeExpire):
				return fmt.Sprintf("version %d: %s of %s, whose value expired: %v", c.Version, ch.Op, ch.Key, expired)
			}
			delete(m, enc)
		default:
			return fmt.Sprintf("version %d: unknown op %d", c.Version, ch.Op)
		}
	}
	return ""
}

// TestWatchReproducesState checks the change feed against the data: a
// snapshot at v plus the commits a watcher from v delivers, applied in
// order, give exactly the final snapshot's content, while three writers run
// every kind of write (puts, deletes, compare-and-swap, transactions,
// Append, DeletePrefix, Touch, RemoveExpired, Expire) and the clock moves.
func TestWatchReproducesState(t *testing.T) {
	s, clk := fxStore(WithHistory(1 << 16))
	nss := []core.Namespace{fxNS("acme", "planner", 1), fxNS("acme", "worker", 1), fxNS("acme", "planner", 2)}
	keyAt := func(r *rand.Rand) core.Key {
		return core.KVKey(nss[r.IntN(len(nss))], fmt.Sprintf("k%d", r.IntN(12)))
	}
	ttlOf := func(r *rand.Rand) time.Duration {
		if r.IntN(3) == 0 {
			return time.Duration(1+r.IntN(4)) * time.Second
		}
		return 0
	}
	// Seed: no value is expired when the snapshot is taken, so the model
	// holds exactly what is stored.
	seed := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		_, err := s.Put(keyAt(seed), core.Int64Value(seed.Int64()), time.Duration(seed.IntN(2))*time.Hour)
		require.NoError(t, err)
	}
	snap := s.Snapshot()
	model := wxModel{}
	for k, vv := range snap.Scan(core.AllKeys()) {
		model[string(k.Encode())] = vv
	}
	require.Equal(t, snap.Len(), len(model), "nothing expired in the seed")
	w := s.Watch(snap.Version())
	defer w.Close()

	// The consumer applies commits as they come, while the writers run,
	// until it has applied the sentinel written after them.
	sentinel := core.KVKey(fxNS("acme", "done", 9), "end")
	consumed := make(chan string, 1)
	ops := map[core.ChangeOp]int{} // what the consumer applied, by op
	var txnDeletes []uint64        // the versions that deleted an expired value
	go func() {
		last := snap.Version()
		for {
			ctx, cancel := context.WithTimeout(context.Background(), wxDeadline)
			c, err := w.Next(ctx)
			cancel()
			if err != nil {
				consumed <- fmt.Sprintf("waiting for version %d: %v", last+1, err)
				return
			}
			if c.Version != last+1 {
				consumed <- fmt.Sprintf("got version %d after %d", c.Version, last)
				return
			}
			last = c.Version
			if msg := model.apply(c, &txnDeletes); msg != "" {
				consumed <- msg
				return
			}
			for _, ch := range c.Changes {
				ops[ch.Op]++
			}
			if len(c.Changes) == 1 && c.Changes[0].Key.Equal(sentinel) {
				consumed <- ""
				return
			}
		}
	}()

	var wg sync.WaitGroup
	var txns sync.Map // the versions transactions committed
	for wi := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(wi), 7))
			for i := range 400 {
				if err := wxRandomWrite(s, clk, r, nss, keyAt, ttlOf, i, &txns); err != nil {
					t.Errorf("writer %d, op %d: %v", wi, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	_, err := s.Put(sentinel, core.StringValue("end"), 0)
	require.NoError(t, err)
	final := s.Snapshot()
	select {
	case msg := <-consumed:
		require.Empty(t, msg)
	case <-time.After(wxDeadline):
		require.FailNow(t, "deadline passed", "waiting for the consumer to apply the sentinel, version %d", final.Version())
	}

	for _, op := range []core.ChangeOp{core.ChangePut, core.ChangeDelete, core.ChangeExpire} {
		require.Positive(t, ops[op], "no %s was delivered: the writers did not exercise it", op)
	}
	for _, v := range txnDeletes {
		_, ok := txns.Load(v)
		require.True(t, ok, "version %d deleted an expired value as ChangeDelete, and no transaction committed it", v)
	}
	require.Equal(t, final.Len(), len(model), "stored entries, expired ones included")
	want := fxCollect(final.Scan(core.AllKeys()))
	var got []core.Entry
	for _, vv := range model {
		if !vv.Expired(final.Time()) {
			got = append(got, core.Entry{Value: vv})
		}
	}
	require.Len(t, got, len(want))
	for _, e := range want {
		vv, ok := model[string(e.Key.Encode())]
		require.True(t, ok, "missing %s", e.Key)
		fxRequireVV(t, e.Value, vv, e.Key.String())
	}
	st := s.Stats()
	require.Greater(t, st.Commits, uint64(600), "the writers committed")
}

// wxRandomWrite does one random write of any kind, and stores in txns (when
// not nil) the version each transaction commits. Refusals that concurrency
// makes normal (a key not found, a version moved, a conflict) are not
// errors.
func wxRandomWrite(s *Store, clk *core.ManualClock, r *rand.Rand, nss []core.Namespace,
	keyAt func(*rand.Rand) core.Key, ttlOf func(*rand.Rand) time.Duration, i int, txns *sync.Map) error {
	var err error
	switch op := r.IntN(20); {
	case op < 6:
		_, err = s.Put(keyAt(r), core.Int64Value(int64(i)), ttlOf(r))
	case op < 8:
		_, err = s.Delete(keyAt(r))
	case op < 10:
		k := keyAt(r)
		var expected uint64
		if vv, gerr := s.Get(k); gerr == nil {
			expected = vv.Version
		}
		_, err = s.CompareAndSwap(k, expected, core.StringValue(fmt.Sprint("cas", i)), ttlOf(r))
	case op < 12:
		var v uint64
		v, err = s.Update(func(tx *Txn) error {
			for range 1 + r.IntN(3) {
				if err := tx.Put(keyAt(r), core.Int64Value(int64(-i)), ttlOf(r)); err != nil {
					return err
				}
			}
			if r.IntN(2) == 0 {
				if _, err := tx.Append(nss[r.IntN(len(nss))], core.StringValue("tx"), ttlOf(r)); err != nil {
					return err
				}
			}
			return tx.Delete(keyAt(r))
		})
		if err == nil && txns != nil {
			txns.Store(v, true)
		}
	case op < 14:
		_, _, err = s.Append(nss[r.IntN(len(nss))], core.Int64Value(int64(i)), ttlOf(r))
	case op == 14:
		p := core.KeyPrefix(core.KVKey(nss[r.IntN(len(nss))], fmt.Sprintf("k%d", r.IntN(2))))
		if r.IntN(4) == 0 {
			p = core.NamespacePrefix(nss[r.IntN(len(nss))])
		}
		_, _, err = s.DeletePrefix(p)
	case op == 15:
		_, err = s.Touch(keyAt(r), ttlOf(r))
	case op == 16:
		_, err = s.RemoveExpired(s.FindExpired(s.Now(), 4))
	case op == 17:
		_, err = s.Expire(3)
	default:
		clk.Advance(time.Duration(r.IntN(800)) * time.Millisecond)
	}
	if errors.Is(err, core.ErrNotFound) || errors.Is(err, core.ErrVersionMismatch) || errors.Is(err, core.ErrConflict) {
		return nil
	}
	return err
}

// TestWatchManyWatchersEveryCommit runs 16 watchers against two writers
// committing 500 versions, a third of them transactions of several keys:
// every watcher sees versions 1..500, no gap, no duplicate, each
// transaction as one commit with its keys in key order.
func TestWatchManyWatchersEveryCommit(t *testing.T) {
	const commits, watchers = 500, 16
	s, _ := fxStore()
	ns := fxNS("acme", "triage", 1)

	var mu sync.Mutex
	wrote := map[uint64][]string{} // version -> the keys it wrote, in key order

	ws := make([]*Watcher, watchers)
	for i := range ws {
		ws[i] = s.Watch(0)
		defer ws[i].Close()
	}
	seen := make([][]core.Commit, watchers)
	var readers sync.WaitGroup
	for i := range ws {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for v := uint64(1); v <= commits; v++ {
				ctx, cancel := context.WithTimeout(context.Background(), wxDeadline)
				c, err := ws[i].Next(ctx)
				cancel()
				if err != nil {
					t.Errorf("watcher %d waiting for version %d: %v", i, v, err)
					return
				}
				seen[i] = append(seen[i], c)
			}
		}()
	}

	var writers sync.WaitGroup
	for wi := range 2 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range commits / 2 {
				var keys []string
				var v uint64
				var err error
				if i%3 == 0 {
					names := []string{fmt.Sprintf("w%d/z%d", wi, i), fmt.Sprintf("w%d/a%d", wi, i), fmt.Sprintf("w%d/m%d", wi, i)}
					v, err = s.Update(func(tx *Txn) error {
						for _, n := range names {
							if err := tx.Put(core.KVKey(ns, n), core.Int64Value(int64(i)), 0); err != nil {
								return err
							}
						}
						return nil
					})
					for _, n := range names {
						keys = append(keys, core.KVKey(ns, n).String())
					}
				} else {
					k := core.KVKey(ns, fmt.Sprintf("w%d/%d", wi, i))
					v, err = s.Put(k, core.Int64Value(int64(i)), 0)
					keys = []string{k.String()}
				}
				if err != nil {
					t.Errorf("writer %d: %v", wi, err)
					return
				}
				slices.Sort(keys) // the names sort as their keys do
				mu.Lock()
				wrote[v] = keys
				mu.Unlock()
			}
		}()
	}
	writers.Wait()
	readers.Wait()
	require.False(t, t.Failed())
	require.Len(t, wrote, commits, "every write got its own version")

	for i, cs := range seen {
		require.Len(t, cs, commits, "watcher %d", i)
		for j, c := range cs {
			require.Equal(t, uint64(j+1), c.Version, "watcher %d: gap or duplicate", i)
			var got []string
			for _, ch := range c.Changes {
				require.Equal(t, core.ChangePut, ch.Op)
				require.Equal(t, c.Version, ch.Value.Version)
				got = append(got, ch.Key.String())
			}
			require.Equal(t, wrote[c.Version], got, "watcher %d, version %d", i, c.Version)
		}
	}
	for i, w := range ws {
		wxNothing(t, w, fmt.Sprintf("watcher %d after version %d", i, commits))
	}
}

// TestWatchIdleWatcher checks that a watcher that never reads holds writers
// to nothing: 20,000 puts go through, and then the watcher gets either
// ErrCompacted (the window is smaller) or every commit in order, never a
// gap.
func TestWatchIdleWatcher(t *testing.T) {
	const puts = 20000
	for _, tc := range []struct {
		name      string
		history   int
		compacted bool
	}{
		{"small window", 1000, true},
		{"large window", puts + 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := fxStore(WithHistory(tc.history))
			ns := fxNS("acme", "triage", 1)
			idle := s.Watch(0)
			defer idle.Close()
			for i := range puts {
				_, err := s.Put(core.KVKey(ns, fmt.Sprint(i%500)), core.Int64Value(int64(i)), 0)
				require.NoError(t, err)
			}
			require.Equal(t, uint64(puts), s.CurrentVersion())
			if tc.compacted {
				_, err := idle.Next(context.Background())
				require.ErrorIs(t, err, core.ErrCompacted)
				return
			}
			for v := uint64(1); v <= puts; v++ {
				c := wxNext(t, idle, fmt.Sprintf("version %d of %d", v, puts))
				require.Equal(t, v, c.Version)
				require.Equal(t, int64(v-1), c.Changes[0].Value.Value.Int64())
			}
			wxNothing(t, idle, "after the last put")
		})
	}
}

// TestWatchSlowReaderNeverSkips runs a reader that falls behind a small
// window while writers run: what it gets is consecutive versions, then
// ErrCompacted, never a gap.
func TestWatchSlowReaderNeverSkips(t *testing.T) {
	s, _ := fxStore(WithHistory(256))
	ns := fxNS("acme", "triage", 1)
	w := s.Watch(0)
	defer w.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 3000 {
			if _, err := s.Put(core.KVKey(ns, fmt.Sprint(i%50)), core.Int64Value(int64(i)), 0); err != nil {
				t.Errorf("put %d: %v", i, err)
				return
			}
		}
	}()
	var last uint64
	var err error
	for {
		var c core.Commit
		ctx, cancel := context.WithTimeout(context.Background(), wxDeadline)
		c, err = w.Next(ctx)
		cancel()
		if err != nil {
			break
		}
		require.Equal(t, last+1, c.Version, "a gap")
		last = c.Version
		if last == 3000 {
			break
		}
	}
	select {
	case <-done:
	case <-time.After(wxDeadline):
		require.FailNow(t, "deadline passed", "waiting for the writer to finish")
	}
	if err != nil {
		require.ErrorIs(t, err, core.ErrCompacted, "after version %d", last)
	}
	t.Logf("the slow reader got %d of 3000 versions before %v", last, err)
}
