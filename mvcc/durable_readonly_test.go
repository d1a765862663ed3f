package mvcc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// The read-only tests run their own test binary as a child process that
// holds a store's directory (TestReadOnlyHolderChild): it reads commands on
// stdin, one a line, and answers each on stdout:
//
//	put <n>    n puts, one version each: key k<v> = v, v its version   -> A <version>
//	ckpt       a checkpoint                                           -> A <version>
//	exit       Close, then exit                                       -> A <version>
//
// and "E <error>" when something fails.
const holderEnv = "INMEM_READONLY_HOLDER_DIR"

var roNS = fxNS("ro", "holder", 5)

func roKey(v uint64) core.Key { return core.KVKey(roNS, fmt.Sprintf("k%06d", v)) }

// TestReadOnlyHolderChild is the child process of the read-only tests; run on
// its own it returns at once.
func TestReadOnlyHolderChild(t *testing.T) {
	dir := os.Getenv(holderEnv)
	if dir == "" {
		return
	}
	fail := func(err error) {
		fmt.Printf("E %v\n", err)
		os.Exit(2)
	}
	// Small segments and automatic checkpoints: the log rotates and
	// checkpoints while the parent reads it.
	s, err := Open(dir, WithSync(SyncNone), WithCheckpointBytes(8<<10))
	if err != nil {
		fail(err)
	}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch f[0] {
		case "put":
			n, _ := strconv.Atoi(f[1])
			for range n {
				v := s.CurrentVersion() + 1
				got, err := s.Put(roKey(v), core.Int64Value(int64(v)), 0)
				if err != nil || got != v {
					fail(fmt.Errorf("put at %d: %d, %v", v, got, err))
				}
			}
		case "ckpt":
			if err := s.Checkpoint(); err != nil {
				fail(err)
			}
		case "exit":
			if err := s.Close(); err != nil {
				fail(err)
			}
			fmt.Printf("A %d\n", s.CurrentVersion())
			os.Exit(0)
		}
		fmt.Printf("A %d\n", s.CurrentVersion())
	}
	os.Exit(0)
}

// roHolder is a running child holding a directory.
type roHolder struct {
	t     testing.TB
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines chan string
}

func startHolder(t testing.TB, dir string) *roHolder {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestReadOnlyHolderChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), holderEnv+"="+dir)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	h := &roHolder{t: t, cmd: cmd, in: in, lines: make(chan string, 16)}
	go func() {
		defer close(h.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return h
}

// do sends a command and returns the version the child answers with.
func (h *roHolder) do(cmd string) uint64 {
	h.t.Helper()
	_, err := fmt.Fprintln(h.in, cmd)
	require.NoError(h.t, err)
	select {
	case line, ok := <-h.lines:
		require.True(h.t, ok, "the holder exited at %q", cmd)
		require.True(h.t, strings.HasPrefix(line, "A "), "the holder at %q: %s", cmd, line)
		v, err := strconv.ParseUint(line[2:], 10, 64)
		require.NoError(h.t, err)
		return v
	case <-time.After(30 * time.Second):
		require.Failf(h.t, "deadline", "waiting for the holder to answer %q", cmd)
		return 0
	}
}

// requireHolderState fails unless s holds exactly the state the holder wrote
// up to its version: k<v> = v for each v.
func requireHolderState(t testing.TB, s *Store, what string) {
	t.Helper()
	v := s.CurrentVersion()
	require.Equal(t, int(v), s.Snapshot().Len(), "%s: keys at version %d", what, v)
	for i := uint64(1); i <= v; i++ {
		got, err := s.Get(roKey(i))
		require.NoError(t, err, "%s: key of version %d", what, i)
		require.Equal(t, i, got.Version, what)
	}
}

// TestReadOnlyWhileHeld: a read-only Open of a directory another process
// holds reads what the holder wrote, writes nothing, refuses every write with
// core.ErrReadOnly; a writable Open meanwhile fails with ErrLocked.
func TestReadOnlyWhileHeld(t *testing.T) {
	dir := t.TempDir()
	h := startHolder(t, dir)
	v := h.do("put 40")
	before := fxDirContents(t, dir)

	s, err := Open(dir, WithReadOnly())
	require.NoError(t, err)
	require.Equal(t, v, s.CurrentVersion())
	requireHolderState(t, s, "read-only open")
	sn, err := s.SnapshotAt(v - 5) // the history window is read from the log too
	require.NoError(t, err)
	require.Equal(t, int(v-5), sn.Len())

	k := roKey(1)
	ns := roNS
	refused := map[string]error{}
	_, refused["Put"] = s.Put(k, core.Int64Value(0), 0)
	_, refused["CompareAndSwap"] = s.CompareAndSwap(k, 1, core.Int64Value(0), 0)
	_, refused["Delete"] = s.Delete(k)
	refused["CompareAndDelete"] = s.CompareAndDelete(k, 1)
	_, _, refused["Append"] = s.Append(ns, core.Int64Value(0), 0)
	_, _, refused["DeletePrefix"] = s.DeletePrefix(core.NamespacePrefix(ns))
	_, refused["Touch"] = s.Touch(k, time.Hour)
	_, refused["Expire"] = s.Expire(0)
	_, refused["RemoveExpired"] = s.RemoveExpired([]core.Entry{{Key: k, Value: core.VersionedValue{Version: 1}}})
	_, refused["Update"] = s.Update(func(tx *Txn) error { return tx.Put(k, core.Int64Value(0), 0) })
	refused["Checkpoint"] = s.Checkpoint()
	tx := s.Begin()
	require.NoError(t, tx.Put(k, core.Int64Value(0), 0))
	_, refused["Txn.Commit"] = tx.Commit()
	for name, err := range refused {
		require.ErrorIs(t, err, core.ErrReadOnly, name)
	}
	require.Equal(t, v, s.CurrentVersion(), "nothing was written")
	require.NoError(t, s.Close())
	require.Equal(t, before, fxDirContents(t, dir), "a read-only store changed the directory")

	_, err = Open(dir)
	require.ErrorIs(t, err, ErrLocked, "a writable Open of a held directory")

	// The holder goes on; a new read-only open sees what it wrote since.
	h.do("ckpt")
	v = h.do("put 30")
	s, err = Open(dir, WithReadOnly())
	require.NoError(t, err)
	require.Equal(t, v, s.CurrentVersion())
	requireHolderState(t, s, "second read-only open")
	require.NoError(t, s.Close())

	// Closed by the holder: read-only opens see the clean close.
	v = h.do("exit")
	s, err = Open(dir, WithReadOnly())
	require.NoError(t, err)
	require.Equal(t, v, s.CurrentVersion())
	require.True(t, s.Recovery().ClosedCleanly)
	require.NoError(t, s.Close())
}

// TestReadOnlyWhileWriting: read-only opens in a loop while the holder writes,
// rotates its log and checkpoints in the background: each open succeeds and
// holds exactly the state of one version.
func TestReadOnlyWhileWriting(t *testing.T) {
	dir := t.TempDir()
	h := startHolder(t, dir)
	h.do("put 10")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var opens int
	var openErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		prev := uint64(0)
		for ctx.Err() == nil {
			s, err := Open(dir, WithReadOnly())
			if err != nil {
				openErr = err
				return
			}
			v := s.CurrentVersion()
			if v < prev {
				openErr = fmt.Errorf("a later read-only open went back from version %d to %d", prev, v)
			}
			if int(v) != s.Snapshot().Len() {
				openErr = fmt.Errorf("version %d holds %d keys", v, s.Snapshot().Len())
			}
			prev = v
			s.Close()
			opens++
			if openErr != nil {
				return
			}
		}
	}()
	for range 8 {
		h.do("put 40")
	}
	cancel()
	wg.Wait()
	require.NoError(t, openErr, "after %d read-only opens", opens)
	require.Positive(t, opens)
	t.Logf("%d read-only opens while the holder wrote", opens)
}

// fxDirContents returns the names and contents of dir's files.
func fxDirContents(t testing.TB, dir string) map[string]string {
	t.Helper()
	des, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string]string{}
	for _, de := range des {
		b, err := os.ReadFile(dir + "/" + de.Name())
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		require.NoError(t, err)
		out[de.Name()] = string(b)
	}
	return out
}
