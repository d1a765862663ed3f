package etcdstore

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
)

var _ core.Storage = (*Store)(nil)

func TestPutGetDeleteVersions(t *testing.T) {
	s := newStore(t)
	ns := testNS("agent", 1)
	k := core.KVKey(ns, "plan")
	require.Zero(t, s.CurrentVersion())

	v1, err := s.Put(k, core.StringValue("draft"), 0)
	require.NoError(t, err)
	require.Equal(t, uint64(1), v1)
	v2, err := s.Put(k, core.MapValue(map[string]core.Value{"step": core.Int64Value(2)}), 0)
	require.NoError(t, err)
	require.Equal(t, uint64(2), v2)

	got, err := s.Get(k)
	require.NoError(t, err)
	require.Equal(t, v2, got.Version)
	require.True(t, got.Value.Equal(core.MapValue(map[string]core.Value{"step": core.Int64Value(2)})))

	old, err := s.GetVersioned(k, v1)
	require.NoError(t, err)
	require.Equal(t, "draft", old.Value.String())

	removed, err := s.Delete(k)
	require.NoError(t, err)
	require.Equal(t, v2, removed.Version)
	_, err = s.Get(k)
	require.ErrorIs(t, err, core.ErrNotFound)
	_, err = s.Delete(k)
	require.ErrorIs(t, err, core.ErrNotFound)
	require.Equal(t, uint64(3), s.CurrentVersion(), "a failed delete assigns no version")

	_, err = s.GetVersioned(k, 0)
	require.ErrorIs(t, err, core.ErrNotFound)
	got, err = s.GetVersioned(k, 2)
	require.NoError(t, err)
	require.Equal(t, v2, got.Version)
}

func TestBadInputChangesNothing(t *testing.T) {
	s := newStore(t)
	ns := testNS("agent", 1)
	bad := core.NewKey(ns, core.TypeTag(200), []byte("x"))
	good := core.KVKey(ns, "x")

	_, err := s.Put(bad, core.Int64Value(1), 0)
	require.ErrorIs(t, err, core.ErrInvalidKey)
	_, err = s.Put(good, core.Int64Value(1), -time.Nanosecond)
	require.ErrorIs(t, err, core.ErrInvalidTTL)
	_, err = s.CompareAndSwap(bad, 0, core.Int64Value(1), 0)
	require.ErrorIs(t, err, core.ErrInvalidKey)
	_, err = s.CompareAndSwap(good, 0, core.Int64Value(1), -1)
	require.ErrorIs(t, err, core.ErrInvalidTTL)
	_, err = s.Delete(bad)
	require.ErrorIs(t, err, core.ErrInvalidKey)
	require.ErrorIs(t, s.CompareAndDelete(bad, 1), core.ErrInvalidKey)
	_, err = s.Get(bad)
	require.ErrorIs(t, err, core.ErrInvalidKey)
	_, err = s.GetVersioned(bad, 1)
	require.ErrorIs(t, err, core.ErrInvalidKey)
	_, err = s.ScanPrefix(bad, core.Latest)
	require.ErrorIs(t, err, core.ErrInvalidKey)
	_, err = s.ScanByType(core.TypeTag(99), core.Latest)
	require.ErrorIs(t, err, core.ErrInvalidKey)

	deep := core.Int64Value(1)
	for range core.MaxValueDepth + 1 {
		deep = core.ArrayValue(deep)
	}
	_, err = s.Put(good, deep, 0)
	require.ErrorIs(t, err, core.ErrInvalidValue)

	_, err = s.Put(good, core.BytesValue(make([]byte, 2<<20)), 0) // over etcd's 1.5 MiB request limit
	require.ErrorIs(t, err, core.ErrTooLarge)

	tx := s.Begin()
	require.ErrorIs(t, tx.Put(bad, core.Int64Value(1), 0), core.ErrInvalidKey)
	require.ErrorIs(t, tx.Put(good, core.Int64Value(1), -1), core.ErrInvalidTTL)
	v, err := tx.Commit()
	require.NoError(t, err)
	require.Zero(t, v)

	_, err = s.Update(nil)
	require.ErrorIs(t, err, core.ErrInvalidArgument)

	require.Zero(t, s.CurrentVersion(), "nothing was written")
	resp, err := testCli.Get(context.Background(), s.Prefix()+"/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	require.NoError(t, err)
	require.Zero(t, resp.Count, "no etcd key under the prefix")

	_, err = New(context.Background(), nil, "/x")
	require.Error(t, err)
}

func TestValueKindsRoundTrip(t *testing.T) {
	s := newStore(t)
	ns := testNS("agent", 2)
	vals := []core.Value{
		core.NullValue(), core.BoolValue(true), core.BoolValue(false), core.Int64Value(-7),
		core.Float64Value(3.25), core.StringValue("héllo\x00"), core.BytesValue([]byte{0, 255}),
		core.BytesValue(nil), core.ArrayValue(), core.ArrayValue(core.Int64Value(1), core.StringValue("x")),
		core.MapValue(map[string]core.Value{"": core.NullValue(), "b": core.ArrayValue(core.BoolValue(true))}),
		core.VectorValue([]float32{0.25, -1, float32(math.Inf(1)), float32(math.NaN())}), core.VectorValue(nil),
		core.Float64Value(math.NaN()), core.Float64Value(math.Copysign(0, -1)), core.Float64Value(math.Inf(-1)),
		core.MapValue(map[string]core.Value{"embedding": core.VectorValue([]float32{1, 2}), "doc": core.MapValue(map[string]core.Value{
			"n": core.Float64Value(1.5), "tags": core.ArrayValue(core.StringValue("a"), core.NullValue())})}),
	}
	for i, v := range vals {
		k := core.NewKey(ns, core.TypeKV, []byte{byte(i), 0, 0xff})
		_, err := s.Put(k, v, 0)
		require.NoError(t, err)
		got, err := s.Get(k)
		require.NoError(t, err)
		require.True(t, got.Value.Equal(v), "%v: got %v", v, got.Value)
		raw, err := testCli.Get(context.Background(), s.l.dataKey(k))
		require.NoError(t, err)
		want, err := v.MarshalBinary()
		require.NoError(t, err)
		require.Equal(t, want, raw.Kvs[0].Value[recordHeaderLen:], "the record holds core's binary encoding")
	}
}

func TestExpiryNanosecondPrecision(t *testing.T) {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(t, WithClock(clock))
	k := core.KVKey(testNS("agent", 3), "short")
	v, err := s.Put(k, core.Int64Value(1), 5*time.Nanosecond)
	require.NoError(t, err)
	clock.Advance(4 * time.Nanosecond)
	got, err := s.Get(k)
	require.NoError(t, err)
	require.Equal(t, v, got.Version)
	exp, ok := got.ExpiresAt()
	require.True(t, ok)
	require.True(t, clock.Now().Add(time.Nanosecond).Equal(exp), "%v", exp)

	clock.Advance(time.Nanosecond)
	_, err = s.Get(k)
	require.ErrorIs(t, err, core.ErrNotFound, "expired exactly at Timestamp+TTL")
	require.Len(t, s.FindExpired(clock.Now(), 0), 1)
	require.Empty(t, s.FindExpired(clock.Now().Add(-time.Nanosecond), 0))
	// Put over an expired value and CompareAndSwap expecting 0 both work.
	_, err = s.CompareAndSwap(k, 0, core.Int64Value(2), 0)
	require.NoError(t, err)
	require.Empty(t, s.FindExpired(clock.Now().Add(time.Hour), 0), "the TTL index dropped the overwritten value")
}

func TestCompareAndSwapAndDelete(t *testing.T) {
	s := newStore(t)
	k := core.KVKey(testNS("agent", 4), "lock")
	_, err := s.CompareAndSwap(k, 1, core.StringValue("a"), 0)
	require.ErrorIs(t, err, core.ErrVersionMismatch)
	v1, err := s.CompareAndSwap(k, 0, core.StringValue("a"), 0)
	require.NoError(t, err)
	_, err = s.CompareAndSwap(k, 0, core.StringValue("b"), 0)
	require.ErrorIs(t, err, core.ErrVersionMismatch)
	v2, err := s.CompareAndSwap(k, v1, core.StringValue("b"), 0)
	require.NoError(t, err)
	require.ErrorIs(t, s.CompareAndDelete(k, v1), core.ErrVersionMismatch)
	require.NoError(t, s.CompareAndDelete(k, v2))
	require.ErrorIs(t, s.CompareAndDelete(k, v2), core.ErrNotFound)
	require.Equal(t, uint64(3), s.CurrentVersion())
}

// TestPrefixesIndependent: two stores in one etcd under different prefixes
// number their versions and hold their data independently; a second Store
// on a prefix in use is the same store.
func TestPrefixesIndependent(t *testing.T) {
	a, b := newStore(t), newStore(t)
	k := core.KVKey(testNS("agent", 5), "k")
	for i := range 3 {
		_, err := a.Put(k, core.Int64Value(int64(i)), 0)
		require.NoError(t, err)
	}
	v, err := b.Put(k, core.StringValue("b"), 0)
	require.NoError(t, err)
	require.Equal(t, uint64(1), v, "b numbers its own versions")
	require.Equal(t, uint64(3), a.CurrentVersion())

	got, err := a.Get(k)
	require.NoError(t, err)
	require.Equal(t, int64(2), got.Value.Int64())
	got, err = b.Get(k)
	require.NoError(t, err)
	require.Equal(t, "b", got.Value.String())
	runs, err := b.ScanByRun(k.Namespace.RunID, core.Latest)
	require.NoError(t, err)
	require.Len(t, runs, 1)

	a2 := newStoreOn(t, testCli, a.Prefix())
	require.Equal(t, uint64(3), a2.CurrentVersion())
	v, err = a2.Put(k, core.Int64Value(9), 0)
	require.NoError(t, err)
	require.Equal(t, uint64(4), v)
	got, err = a.Get(k)
	require.NoError(t, err)
	require.Equal(t, int64(9), got.Value.Int64())
}

func TestScanByRunAcrossNamespaces(t *testing.T) {
	s := newStore(t)
	nsA, nsB, other := testNS("a", 6), testNS("b", 6), testNS("a", 7)
	keys := []core.Key{
		core.KVKey(nsB, "x"), core.EventKey(nsA, 2), core.KVKey(nsA, "y"),
		core.EventKey(nsA, 1), core.KVKey(other, "z"), core.RunMetadataKey(nsB),
	}
	for _, k := range keys {
		_, err := s.Put(k, core.StringValue(k.String()), 0)
		require.NoError(t, err)
	}
	got, err := s.ScanByRun(nsA.RunID, core.Latest)
	require.NoError(t, err)
	want := []core.Key{core.KVKey(nsA, "y"), core.EventKey(nsA, 1), core.EventKey(nsA, 2), core.KVKey(nsB, "x"), core.RunMetadataKey(nsB)}
	require.Len(t, got, len(want))
	for i := range want {
		require.True(t, got[i].Key.Equal(want[i]), "[%d] %s, want %s", i, got[i].Key, want[i])
	}
	// Deleting a namespace's last key drops it from the run index.
	_, err = s.Delete(core.KVKey(other, "z"))
	require.NoError(t, err)
	resp, err := testCli.Get(context.Background(), s.l.runPrefix(other.RunID), clientv3.WithPrefix(), clientv3.WithCountOnly())
	require.NoError(t, err)
	require.Zero(t, resp.Count)
	// The run as of version 2 held only the first two keys.
	got, err = s.ScanByRun(nsA.RunID, 2)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.True(t, got[0].Key.Equal(core.EventKey(nsA, 2)))
}

func TestSnapshot(t *testing.T) {
	clock := core.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(t, WithClock(clock))
	ns := testNS("agent", 8)
	k, ttlKey := core.KVKey(ns, "k"), core.KVKey(ns, "ttl")
	_, err := s.Put(k, core.Int64Value(1), 0)
	require.NoError(t, err)
	_, err = s.Put(ttlKey, core.Int64Value(1), time.Second)
	require.NoError(t, err)
	sn := s.Snapshot()
	require.NoError(t, sn.Err())
	require.Equal(t, uint64(2), sn.Version())
	var _ core.SnapshotView = sn

	_, err = s.Put(k, core.Int64Value(2), 0)
	require.NoError(t, err)
	clock.Advance(time.Hour)
	got, err := sn.Get(k)
	require.NoError(t, err)
	require.Equal(t, int64(1), got.Value.Int64())
	_, err = sn.Get(ttlKey)
	require.NoError(t, err, "the snapshot judges expiry when it was taken")
	es, err := sn.ScanPrefix(core.NewKey(ns, core.TypeKV, nil))
	require.NoError(t, err)
	require.Len(t, es, 2)
	es, err = sn.ScanByRun(ns.RunID)
	require.NoError(t, err)
	require.Len(t, es, 2)
	_, err = s.Get(ttlKey)
	require.ErrorIs(t, err, core.ErrNotFound)
}

func TestClosed(t *testing.T) {
	s := newStore(t)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	k := core.KVKey(testNS("agent", 9), "k")
	_, err := s.Put(k, core.Int64Value(1), 0)
	require.ErrorIs(t, err, core.ErrClosed)
	_, err = s.Get(k)
	require.ErrorIs(t, err, core.ErrClosed)
	_, err = s.ScanByRun(k.Namespace.RunID, core.Latest)
	require.ErrorIs(t, err, core.ErrClosed)
	_, err = s.Begin().Get(k)
	require.ErrorIs(t, err, core.ErrClosed)
}

func TestCorruptDataIsAnError(t *testing.T) {
	s := newStore(t)
	k := core.KVKey(testNS("agent", 10), "k")
	_, err := s.Put(k, core.StringValue("ok"), 0)
	require.NoError(t, err)
	for _, junk := range []string{"", "\x01", "\x01" + strings.Repeat("\xff", 40), "\x02garbage"} {
		_, err = testCli.Put(context.Background(), s.l.dataKey(k), junk)
		require.NoError(t, err)
		_, err = s.Get(k)
		require.ErrorIs(t, err, ErrCorrupt, "%q", junk)
		require.ErrorIs(t, err, core.ErrCorrupt, "%q", junk)
		_, err = s.ScanPrefix(core.NewKey(k.Namespace, core.TypeKV, nil), core.Latest)
		require.ErrorIs(t, err, ErrCorrupt)
	}
	_, err = testCli.Put(context.Background(), s.l.version, "short")
	require.NoError(t, err)
	_, err = New(context.Background(), testCli, s.Prefix())
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = s.Put(k, core.Int64Value(1), 0)
	require.ErrorIs(t, err, ErrCorrupt)
	require.False(t, errors.Is(err, core.ErrNotFound))
}
