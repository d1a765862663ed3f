package mvcc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// fxBackupStore returns a store holding n keys, some with TTLs, some of
// those expired but not removed.
func fxBackupStore(t testing.TB, n int) (*Store, *core.ManualClock) {
	t.Helper()
	s, clk := fxStore()
	ns := fxNS("backup", "a", 3)
	for i := range n {
		ttl := time.Duration(0)
		if i%3 == 0 {
			ttl = time.Duration(1+i%5) * time.Minute
		}
		_, err := s.Put(fxKV(ns, "k%06d", i), core.StringValue(fmt.Sprintf("value %d of the backup", i)), ttl)
		require.NoError(t, err)
		if i%100 == 0 {
			clk.Advance(time.Second)
		}
	}
	clk.Advance(3 * time.Minute) // some TTLs have passed; nothing removed them
	return s, clk
}

// A backup taken while writers run is exactly its snapshot: entries,
// versions, timestamps, TTLs, expired values not yet removed.
func TestBackupWhileWriting(t *testing.T) {
	s, clk := fxBackupStore(t, 5000)
	snap := s.Snapshot()
	want := fxRawOf(snap.state())
	ns := fxNS("backup", "a", 3)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := fxKV(ns, "k%06d", (i*7+w)%5000)
				var err error
				if i%4 == 3 {
					_, err = s.Delete(k)
				} else {
					_, err = s.Put(k, core.Int64Value(int64(i)), time.Duration(w)*time.Hour)
				}
				if err != nil && !errors.Is(err, core.ErrNotFound) {
					errs <- err
					return
				}
			}
		}()
	}
	// The backup's writer takes each block only once the writers have
	// committed more: the backup and the writes interleave.
	var buf bytes.Buffer
	n, err := snap.WriteTo(&progressWriter{w: &buf, s: s, t: t})
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, err)
	require.Equal(t, int64(buf.Len()), n)
	require.Greater(t, s.CurrentVersion(), snap.Version(), "the writers ran")

	r, err := Restore(bytes.NewReader(buf.Bytes()), WithClock(clk))
	require.NoError(t, err)
	fxRequireRaw(t, want, fxRaw(r))
	require.Equal(t, snap.Version(), r.CurrentVersion())
	require.Equal(t, len(s.FindExpired(snap.Time(), 0)) > 0, len(r.FindExpired(clk.Now(), 0)) > 0)
	require.Equal(t, fxCollect(snap.All()), fxCollect(r.Snapshot().All()), "the same live entries at the same time")
	v, err := r.Put(fxKV(ns, "new"), core.Int64Value(1), 0)
	require.NoError(t, err)
	require.Equal(t, snap.Version()+1, v)
	res, err := r.Expire(0)
	require.NoError(t, err)
	require.Positive(t, res.Removed, "expired values came back and are removed")

	// A backup of a durable store restores the same way, and a backup
	// restores into a store that backs up to the same bytes.
	var again bytes.Buffer
	rs := r.Snapshot()
	_, err = rs.WriteTo(&again)
	require.NoError(t, err)
	r2, err := Restore(&again, WithClock(clk))
	require.NoError(t, err)
	fxRequireRaw(t, fxRawOf(rs.state()), fxRaw(r2))
}

// Restore refuses every truncation of a backup and every changed byte, with
// ErrCorrupt, and returns no store.
func TestRestoreRefusesDamage(t *testing.T) {
	for _, size := range []struct {
		keys, stride int
	}{{40, 1}, {1800, 0}} { // one block, every offset; several blocks, a spread
		t.Run(fmt.Sprint(size.keys), func(t *testing.T) {
			s, _ := fxBackupStore(t, size.keys)
			var buf bytes.Buffer
			_, err := s.Snapshot().WriteTo(&buf)
			require.NoError(t, err)
			b := buf.Bytes()
			if size.keys > 1000 {
				require.Greater(t, len(b), 2*64<<10, "several blocks")
			}
			stride := size.stride
			if stride == 0 {
				stride = len(b)/60 + 1
			}
			offsets := []int{}
			for i := 0; i < len(b); i += stride {
				offsets = append(offsets, i)
			}
			for i := max(len(b)-20, 0); i < len(b); i++ {
				offsets = append(offsets, i)
			}
			for _, off := range offsets {
				r, err := Restore(bytes.NewReader(b[:off]))
				require.ErrorIs(t, err, core.ErrCorrupt, "cut at %d of %d", off, len(b))
				require.Nil(t, r)
				d := slices.Clone(b)
				d[off] ^= 0x01
				r, err = Restore(bytes.NewReader(d))
				require.ErrorIs(t, err, core.ErrCorrupt, "byte %d of %d changed", off, len(b))
				require.Nil(t, r)
			}
			r, err := Restore(bytes.NewReader(b))
			require.NoError(t, err)
			require.Equal(t, size.keys, r.Snapshot().Len())
		})
	}
}

// progressWriter passes each Write on once the store's version has moved
// since the last one.
type progressWriter struct {
	w    io.Writer
	s    *Store
	t    testing.TB
	last uint64
}

func (p *progressWriter) Write(b []byte) (int, error) {
	deadline := time.Now().Add(10 * time.Second)
	for p.s.CurrentVersion() <= p.last+5 {
		if time.Now().After(deadline) {
			p.t.Errorf("deadline: waiting for the writers to commit past version %d", p.last+5)
			break
		}
		runtime.Gosched()
	}
	p.last = p.s.CurrentVersion()
	return p.w.Write(b)
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after < len(p) {
		n := max(w.after, 0)
		w.after = 0
		return n, errors.New("disk full")
	}
	w.after -= len(p)
	return len(p), nil
}

type failingReader struct {
	r io.Reader
	n int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	p = p[:min(len(p), f.n)]
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

// Bad writers and readers give errors, never a store.
func TestBackupBadIO(t *testing.T) {
	s, _ := fxBackupStore(t, 50)
	sn := s.Snapshot()
	_, err := sn.WriteTo(nil)
	require.ErrorIs(t, err, core.ErrInvalidArgument)
	r, err := Restore(nil)
	require.ErrorIs(t, err, core.ErrInvalidArgument)
	require.Nil(t, r)

	var buf bytes.Buffer
	_, err = sn.WriteTo(&buf)
	require.NoError(t, err)
	for _, after := range []int{0, 10, buf.Len() / 2, buf.Len() - 1} {
		n, err := sn.WriteTo(&failingWriter{after: after})
		require.Error(t, err, "writer failing after %d bytes", after)
		require.LessOrEqual(t, n, int64(after))
		r, err := Restore(&failingReader{r: bytes.NewReader(buf.Bytes()), n: after})
		require.Error(t, err, "reader failing after %d bytes", after)
		require.Nil(t, r)
	}

	// A nil or zero snapshot backs up an empty store at version 0.
	var zero *Snapshot
	buf.Reset()
	_, err = zero.WriteTo(&buf)
	require.NoError(t, err)
	r, err = Restore(&buf)
	require.NoError(t, err)
	require.Equal(t, uint64(0), r.CurrentVersion())
	require.Equal(t, 0, r.Snapshot().Len())
}

// Eight writers under SyncAlways share fsyncs (fewer groups than commits),
// and every acknowledged write is recovered.
func TestDurableGroupCommit(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	const writers, each = 8, 60
	acked := make([][]uint64, writers)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ns := fxNS("group", fmt.Sprintf("w%d", w), byte(w+1))
			for i := range each {
				v, err := s.Put(fxKV(ns, "k%03d", i), core.Int64Value(int64(i)), 0)
				if err != nil {
					errs <- err
					return
				}
				acked[w] = append(acked[w], v)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	st := s.Stats()
	require.Equal(t, uint64(writers*each), st.Commits)
	require.Less(t, st.Groups, st.Commits, "concurrent commits share a log write and fsync")
	t.Logf("%d commits in %d groups", st.Commits, st.Groups)
	want := fxRaw(s)
	require.NoError(t, s.Close())

	s2 := fxOpen(t, dir)
	fxRequireRaw(t, want, fxRaw(s2))
	for w := range writers {
		ns := fxNS("group", fmt.Sprintf("w%d", w), byte(w+1))
		for i, v := range acked[w] {
			vv, err := s2.Get(fxKV(ns, "k%03d", i))
			require.NoError(t, err)
			require.Equal(t, v, vv.Version)
		}
	}
}

// Under SyncAlways, with every writer waiting on the fsync, a group should
// hold about as many commits as there are writers. It does not: a writer
// whose commit is done learns so only after taking the commit lock, which
// the next leader holds across its own log write and fsync, so the leader
// that just returned (or any writer that barges in) leads a small group while
// the finished writers wait a whole second fsync to return. Measured: 8
// writers, about 3 commits per group.
func TestDurableGroupSize(t *testing.T) {
	t.Skip("commit.go (not in this change): finished writers wait for the commit lock, held across the next fsync; see the report")
	s := fxOpen(t, t.TempDir())
	const writers, each = 8, 60
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ns := fxNS("size", fmt.Sprintf("w%d", w), byte(w+1))
			for i := range each {
				_, err := s.Put(fxKV(ns, "k%03d", i), core.Int64Value(int64(i)), 0)
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	st := s.Stats()
	require.GreaterOrEqual(t, float64(st.Commits)/float64(st.Groups), 0.6*writers, "%d commits in %d groups", st.Commits, st.Groups)
}
