package etcdstore

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
)

func TestAppend(t *testing.T) {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(t, WithClock(clock))
	ns, other := testNS("agent", 11), testNS("agent", 12)
	for i := uint64(1); i <= 3; i++ {
		k, v, err := s.Append(ns, core.Int64Value(int64(i)), 0)
		require.NoError(t, err)
		require.True(t, k.Equal(core.EventKey(ns, i)), "%s", k)
		require.Equal(t, i, v)
	}
	k, _, err := s.Append(other, core.StringValue("first"), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(other, 1)), "logs are per namespace")

	// Keys that are not 8-byte sequences do not count; a put of a higher
	// sequence does.
	_, err = s.Put(core.NewKey(ns, core.TypeEvent, []byte("not-a-seq")), core.NullValue(), 0)
	require.NoError(t, err)
	_, err = s.Put(core.EventKey(ns, 10), core.NullValue(), time.Second)
	require.NoError(t, err)
	k, _, err = s.Append(ns, core.NullValue(), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 11)), "%s", k)

	// A deleted tail still counts: sequences only grow.
	clock.Advance(time.Hour)
	_, err = s.Delete(core.EventKey(ns, 11))
	require.NoError(t, err)
	k, _, err = s.Append(ns, core.NullValue(), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(ns, 12)), "the deleted 11 is not handed out again: %s", k)

	_, err = s.Put(core.EventKey(ns, math.MaxUint64), core.NullValue(), 0)
	require.NoError(t, err)
	before := s.CurrentVersion()
	_, _, err = s.Append(ns, core.NullValue(), 0)
	require.ErrorIs(t, err, core.ErrTooLarge)
	_, _, err = s.Append(ns, core.NullValue(), -1)
	require.ErrorIs(t, err, core.ErrInvalidTTL)
	require.Equal(t, before, s.CurrentVersion())

	// The log index holds exactly the 8-byte sequences stored.
	resp, err := testCli.Get(context.Background(), s.l.logPrefix(ns), clientv3.WithPrefix(), clientv3.WithCountOnly())
	require.NoError(t, err)
	require.Equal(t, int64(6), resp.Count, "1, 2, 3, 10, 12 and MaxUint64")
}

func TestDeletePrefix(t *testing.T) {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(t, WithClock(clock))
	a, b := testNS("a", 13), testNS("b", 13)
	short := core.KVKey(a, "short")
	for _, k := range []core.Key{core.KVKey(a, "x"), core.KVKey(a, "y"), core.StateKey(a, "s"), core.KVKey(b, "x")} {
		_, err := s.Put(k, core.StringValue(k.String()), 0)
		require.NoError(t, err)
	}
	_, _, err := s.Append(a, core.Int64Value(1), 0)
	require.NoError(t, err)
	_, err = s.Put(short, core.Int64Value(1), time.Second)
	require.NoError(t, err)
	clock.Advance(time.Minute)

	w := s.Watch(core.Latest)
	defer w.Close()
	n, v, err := s.DeletePrefix(core.NamespacePrefix(a))
	require.NoError(t, err)
	require.Equal(t, 4, n, "x, y, s and the event: the expired value goes without counting")
	require.Equal(t, uint64(7), v)
	require.Equal(t, v, s.CurrentVersion())

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := w.Next(ctx)
	require.NoError(t, err)
	require.Equal(t, v, c.Version)
	ops := map[core.ChangeOp]int{}
	for _, ch := range c.Changes {
		ops[ch.Op]++
	}
	require.Equal(t, map[core.ChangeOp]int{core.ChangeDelete: 4, core.ChangeExpire: 1}, ops)

	es, err := s.ScanByRun(a.RunID, core.Latest)
	require.NoError(t, err)
	require.Len(t, es, 1, "b's key of the same run stays")
	es, err = s.ScanByType(core.TypeStateMachine, core.Latest)
	require.NoError(t, err)
	require.Empty(t, es)
	k, _, err := s.Append(a, core.NullValue(), 0)
	require.NoError(t, err)
	require.True(t, k.Equal(core.EventKey(a, 2)), "the log's sequences go on after the range delete: %s", k)
	// The TTL index entry the range delete left is stale: FindExpired
	// skips it and removes it.
	require.Empty(t, s.FindExpired(clock.Now().Add(time.Hour), 0))
	resp, err := testCli.Get(ctx, s.l.expiry, clientv3.WithPrefix(), clientv3.WithCountOnly())
	require.NoError(t, err)
	require.Zero(t, resp.Count)

	n, v, err = s.DeletePrefix(core.NamespacePrefix(testNS("nobody", 99)))
	require.NoError(t, err)
	require.Equal(t, 0, n)
	require.Zero(t, v, "nothing matched: no version")
	_, _, err = s.DeletePrefix(core.KeyPrefix(core.NewKey(a, core.TypeTag(77), nil)))
	require.ErrorIs(t, err, core.ErrInvalidKey)

	// A key-level prefix removes part of a namespace: the indices keep the rest.
	_, err = s.Put(core.KVKey(b, "y"), core.Int64Value(2), 0)
	require.NoError(t, err)
	n, _, err = s.DeletePrefix(core.KeyPrefix(core.KVKey(b, "x")))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	es, err = s.ScanByType(core.TypeKV, core.Latest)
	require.NoError(t, err)
	require.Len(t, es, 1)
	require.Equal(t, "y", string(es[0].Key.UserKey))
}

func TestTouch(t *testing.T) {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(t, WithClock(clock))
	k := core.KVKey(testNS("agent", 14), "scratch")
	v1, err := s.Put(k, core.StringValue("note"), time.Second)
	require.NoError(t, err)
	clock.Advance(900 * time.Millisecond)
	v2, err := s.Touch(k, time.Second)
	require.NoError(t, err)
	require.Equal(t, v1+1, v2)
	clock.Advance(900 * time.Millisecond)
	got, err := s.Get(k)
	require.NoError(t, err, "the touch moved the deadline")
	require.Equal(t, v2, got.Version)
	require.Equal(t, "note", got.Value.String())
	require.Empty(t, s.FindExpired(clock.Now(), 0), "the old TTL index entry went with the touch")
	require.Len(t, s.FindExpired(clock.Now().Add(time.Second), 0), 1)

	v3, err := s.Touch(k, 0)
	require.NoError(t, err)
	require.Empty(t, s.FindExpired(clock.Now().Add(time.Hour), 0), "ttl 0: never expires")
	_, err = s.Touch(core.KVKey(testNS("agent", 14), "absent"), time.Second)
	require.ErrorIs(t, err, core.ErrNotFound)
	_, err = s.Touch(k, -1)
	require.ErrorIs(t, err, core.ErrInvalidTTL)
	require.Equal(t, v3, s.CurrentVersion())
}
