package mvcc

import (
	"fmt"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// fxDurableHistory writes ops operations of every kind to s, one at a time, the
// clock advancing a second before each, and returns the state after every
// version: states[v] is the state right after version v (states[0] is the
// state s started from). Every operation commits exactly one version.
func fxDurableHistory(t testing.TB, s *Store, clk *core.ManualClock, ops int) []fxRawState {
	t.Helper()
	return fxDurableHistoryEach(t, s, clk, ops, nil)
}

// fxDurableHistoryEach is fxDurableHistory calling before(i), when not nil,
// before operation i.
func fxDurableHistoryEach(t testing.TB, s *Store, clk *core.ManualClock, ops int, before func(i int)) []fxRawState {
	t.Helper()
	states := []fxRawState{fxRaw(s)}
	require.Equal(t, uint64(0), states[0].version, "fxDurableHistory starts from an empty store")
	ns := fxNS("hist", "a", 7)
	other := fxNS("hist", "b", 8)
	for i := range ops {
		if before != nil {
			before(i)
		}
		clk.Advance(time.Second)
		var v uint64
		var err error
		switch i % 7 {
		case 0, 1: // overwrites of a small key set
			v, err = s.Put(fxKV(ns, "k%02d", i%5), core.StringValue(fmt.Sprintf("value %d", i)), 0)
		case 2: // a value with a TTL: some expire during the history
			v, err = s.Put(fxKV(ns, "ttl%02d", i%4), core.Int64Value(int64(i)), time.Duration(1+i%3)*5*time.Second)
		case 3: // a transaction of several keys
			v, err = s.Update(func(tx *Txn) error {
				for j := range 3 {
					if err := tx.Put(fxKV(other, "tx%d", (i+j)%6), core.Int64Value(int64(i*10+j)), 0); err != nil {
						return err
					}
				}
				del := fxKV(ns, "k%02d", (i+1)%5)
				if _, err := tx.Get(del); err != nil {
					return nil
				}
				return tx.Delete(del)
			})
		case 4:
			_, v, err = s.Append(ns, core.BytesValue([]byte{byte(i), 1, 2, 3}), 0)
		case 5: // a delete (of a key the history wrote before)
			k := fxKV(other, "tx%d", i%6)
			_, err = s.Put(k, core.Int64Value(-1), 0)
			require.NoError(t, err)
			states = append(states, fxRaw(s))
			var n int
			n, v, err = s.DeletePrefix(core.KeyPrefix(k))
			require.Equal(t, 1, n)
		case 6: // the removal of what has expired
			_, v, err = s.Append(other, core.NullValue(), time.Second)
			if err == nil {
				clk.Advance(time.Minute)
				states = append(states, fxRaw(s))
				var res core.Removal
				res, err = s.Expire(0)
				v = res.Version
				require.NotZero(t, res.Removed, "op %d: something had expired", i)
			}
		}
		require.NoError(t, err, "op %d", i)
		require.Equal(t, uint64(len(states)), v, "op %d: versions are consecutive", i)
		states = append(states, fxRaw(s))
	}
	return states
}

// fxMatchPrefix returns the version whose state got is, or fails the test.
func fxMatchPrefix(t testing.TB, states []fxRawState, got fxRawState, msgAndArgs ...any) uint64 {
	t.Helper()
	require.Less(t, got.version, uint64(len(states)), msgAndArgs...)
	fxRequireRaw(t, states[got.version], got, msgAndArgs...)
	return got.version
}
