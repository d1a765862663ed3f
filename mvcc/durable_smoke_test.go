package mvcc

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

func TestOpenReopenSmoke(t *testing.T) {
	dir := t.TempDir()
	clk := core.NewManualClock(fxStart)
	s, err := Open(dir, WithClock(clk))
	require.NoError(t, err)
	ns := fxNS("t", "a", 1)
	for i := range 10 {
		fxPut(t, s, core.EventKey(ns, uint64(i)), int64(i), time.Duration(i)*time.Hour)
	}
	_, err = s.Delete(core.EventKey(ns, 3))
	require.NoError(t, err)
	_, err = Open(dir)
	require.Error(t, err, "a second Open of an open directory fails")
	require.NoError(t, s.Checkpoint())
	fxPut(t, s, core.KVKey(ns, "after"), 42, 0)
	want := fxCollect(s.Snapshot().All())
	require.NoError(t, s.Close())
	_, err = s.Get(core.KVKey(ns, "after"))
	require.True(t, errors.Is(err, core.ErrClosed))
	_, err = s.Put(core.KVKey(ns, "x"), core.Int64Value(1), 0)
	require.True(t, errors.Is(err, core.ErrClosed))

	s2, err := Open(dir, WithClock(clk))
	require.NoError(t, err)
	defer s2.Close()
	require.Equal(t, uint64(12), s2.CurrentVersion())
	fxRequireEntries(t, want, fxCollect(s2.Snapshot().All()))
	v, err := s2.Put(core.KVKey(ns, "next"), core.Int64Value(1), 0)
	require.NoError(t, err)
	require.Equal(t, uint64(13), v)

	var buf bytes.Buffer
	_, err = s2.Snapshot().WriteTo(&buf)
	require.NoError(t, err)
	r, err := Restore(bytes.NewReader(buf.Bytes()), WithClock(clk))
	require.NoError(t, err)
	require.Equal(t, uint64(13), r.CurrentVersion())
	fxRequireEntries(t, fxCollect(s2.Snapshot().All()), fxCollect(r.Snapshot().All()))
	_, err = Restore(bytes.NewReader(buf.Bytes()[:buf.Len()-1]))
	require.True(t, errors.Is(err, core.ErrCorrupt), "%v", err)
}
