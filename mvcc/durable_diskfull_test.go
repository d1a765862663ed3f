//go:build linux

package mvcc

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

const diskFullEnv = "INMEM_DISKFULL_CHILD_DIR"

// TestDiskFullChild is the child process of TestDiskFull: it limits the size
// of the files it may write (RLIMIT_FSIZE), so that a log write fails in
// the middle (a short write, then EFBIG), and reports what happens. Run on
// its own it returns at once.
func TestDiskFullChild(t *testing.T) {
	dir := os.Getenv(diskFullEnv)
	if dir == "" {
		return
	}
	s, err := Open(dir, WithCheckpointBytes(0))
	if err != nil {
		fmt.Printf("E open %v\n", err)
		os.Exit(2)
	}
	signal.Ignore(syscall.SIGXFSZ) // a write past the limit fails with EFBIG instead
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 64 << 10, Max: 64 << 10}); err != nil {
		fmt.Printf("E setrlimit %v\n", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf(format+"\n", args...)
	}
	ns := fxNS("full", "a", 1)
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100000; i++ {
				k := fmt.Sprintf("g%d-%06d", g, i)
				v, err := s.Put(core.KVKey(ns, k), core.StringValue(strings.Repeat("v", 200)), 0)
				if err != nil {
					say("F %d %v", g, err)
					return
				}
				say("A %d %s", v, k)
			}
		}()
	}
	wg.Wait()
	// The store refuses writes from now on; reads still work.
	_, err = s.Put(core.KVKey(ns, "after"), core.Int64Value(1), 0)
	say("W %v", err)
	_, err = s.Get(core.KVKey(ns, "g0-000000"))
	say("R %v", err)
	say("C %v", s.Close())
}

// A log write that fails in the middle (the file size limit reached: a
// short write, then EFBIG) fails its group, leaves the store refusing
// writes, and the next Open recovers exactly the acknowledged writes: the
// part of the failed group that reached the file was taken back.
func TestDiskFull(t *testing.T) {
	if os.Getenv(diskFullEnv) != "" {
		t.Skip("the child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDiskFullChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), diskFullEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	acked := map[string]uint64{}
	var fails, after []string
	deadline := time.After(crashDeadline)
	for done := false; !done; {
		select {
		case line, ok := <-lines:
			if !ok {
				done = true
				break
			}
			f := strings.Fields(line)
			switch f[0] {
			case "A":
				v, _ := strconv.ParseUint(f[1], 10, 64)
				acked[f[2]] = v
			case "F":
				fails = append(fails, line)
			case "W", "R", "C":
				after = append(after, line)
			case "E":
				require.Fail(t, "child failed", line)
			}
		case <-deadline:
			cmd.Process.Kill()
			require.Fail(t, "deadline", "waiting for the disk-full child to finish (%d writes acknowledged)", len(acked))
		}
	}
	require.NoError(t, cmd.Wait(), "the child ends normally")
	require.Len(t, fails, 3, "every writer saw the failure: %v", fails)
	require.Len(t, after, 3)
	require.Contains(t, after[0], "file too large", "a write after the failure is refused with the log's error")
	require.Equal(t, "R <nil>", after[1], "reads go on")
	require.NotEqual(t, "C <nil>", after[2], "Close reports the log's failure")
	require.NotEmpty(t, acked)

	s := fxOpen(t, dir)
	rep := s.Recovery()
	n := s.CurrentVersion()
	require.Zero(t, rep.TornBytes, "the half-written group was taken back: %+v", rep)
	ns := fxNS("full", "a", 1)
	seen := map[uint64]bool{}
	var maxAcked uint64
	for k, v := range acked {
		vv, err := s.Get(core.KVKey(ns, k))
		require.NoError(t, err, "acknowledged %s at %d", k, v)
		require.Equal(t, v, vv.Version, k)
		seen[v] = true
		maxAcked = max(maxAcked, v)
	}
	require.Equal(t, maxAcked, n, "the failed group's writes are not recovered: their writers were told they failed")
	require.Len(t, seen, int(n), "versions 1..%d are the acknowledged ones", n)
	require.Equal(t, int(n), s.Snapshot().Len(), "every recovered version is one put of a new key")
	v, err := s.Put(core.KVKey(ns, "next"), core.Int64Value(1), 0)
	require.NoError(t, err)
	require.Equal(t, n+1, v)
	require.False(t, errors.Is(err, core.ErrClosed))
	t.Logf("%d acknowledged, %d recovered, torn %d bytes at %s (%s)", len(acked), n, rep.TornBytes, rep.TornAt, rep.TornReason)
}
