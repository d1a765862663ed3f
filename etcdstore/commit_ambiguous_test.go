package etcdstore

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// flakyKV fails the next write transaction ambiguously: after running it
// (the answer was lost) or without running it (the request was lost).
type flakyKV struct {
	clientv3.KV
	mu   sync.Mutex
	next string // "answer", "request" or ""
	hits int
}

func (f *flakyKV) arm(mode string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = mode
}

func (f *flakyKV) Txn(ctx context.Context) clientv3.Txn {
	return &flakyTxn{Txn: f.KV.Txn(ctx), f: f}
}

type flakyTxn struct {
	clientv3.Txn
	f     *flakyKV
	write bool
}

func (t *flakyTxn) If(cs ...clientv3.Cmp) clientv3.Txn { t.Txn = t.Txn.If(cs...); return t }
func (t *flakyTxn) Else(ops ...clientv3.Op) clientv3.Txn {
	t.Txn = t.Txn.Else(ops...)
	return t
}
func (t *flakyTxn) Then(ops ...clientv3.Op) clientv3.Txn {
	for _, op := range ops {
		t.write = t.write || op.IsPut()
	}
	t.Txn = t.Txn.Then(ops...)
	return t
}

func (t *flakyTxn) Commit() (*clientv3.TxnResponse, error) {
	if !t.write {
		return t.Txn.Commit()
	}
	t.f.mu.Lock()
	mode := t.f.next
	t.f.next = ""
	if mode != "" {
		t.f.hits++
	}
	t.f.mu.Unlock()
	switch mode {
	case "answer":
		if _, err := t.Txn.Commit(); err != nil {
			return nil, err
		}
		return nil, status.Error(codes.Unavailable, "injected: the answer was lost")
	case "request":
		return nil, status.Error(codes.Unavailable, "injected: the request was lost")
	}
	return t.Txn.Commit()
}

// TestAmbiguousWriteAppliedOnce: a write whose etcd transaction fails
// ambiguously is sent again unchanged; whether the first send landed or
// not, it is applied exactly once and answers its version.
func TestAmbiguousWriteAppliedOnce(t *testing.T) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: testEndpoints, DialTimeout: 10 * time.Second, Logger: zap.NewNop()})
	require.NoError(t, err)
	defer cli.Close()
	flaky := &flakyKV{KV: cli.KV}
	cli.KV = flaky
	s := newStoreOn(t, cli, newPrefix(t))
	ns := testNS("flaky", 26)
	w := s.Watch(0)
	defer w.Close()

	_, err = s.Put(core.KVKey(ns, "warm"), core.Int64Value(0), 0) // the store now knows its keys
	require.NoError(t, err)
	for i, mode := range []string{"answer", "request", "answer", "request"} {
		flaky.arm(mode)
		key := core.KVKey(ns, mode)
		var v uint64
		if i < 2 {
			v, err = s.Put(key, core.Int64Value(int64(i)), 0)
		} else {
			_, v, err = s.Append(ns, core.Int64Value(int64(i)), 0)
		}
		require.NoError(t, err, mode)
		require.Equal(t, uint64(i+2), v, "%s: the next version, once", mode)
		require.Equal(t, v, s.CurrentVersion(), "%s: applied once", mode)
	}
	require.Equal(t, 4, flaky.hits)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for v := uint64(1); v <= 5; v++ {
		c, err := w.Next(ctx)
		require.NoError(t, err)
		require.Equal(t, v, c.Version)
		require.Len(t, c.Changes, 1)
	}
	es, err := s.ScanByType(core.TypeEvent, core.Latest)
	require.NoError(t, err)
	require.Len(t, es, 2, "two appends, two events: 1 and 2")
	require.Equal(t, []byte{0, 0, 0, 0, 0, 0, 0, 2}, es[1].Key.UserKey)
}
