package mvcc

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// The crash test runs its own test binary as a child process that writes to
// a durable store and reports each write before it starts ("T") and once it
// is acknowledged ("A"); the parent kills it with SIGKILL and checks what
// Open recovers against what was acknowledged.
//
// Line formats (fields separated by one space, no field holds a space):
//
//	T <g> <n> put <name> <value>          goroutine g's n-th operation: a Put
//	T <g> <n> del <name>                  a delete (DeletePrefix of the key)
//	T <g> <n> txn <name>=<value|->,...    a transaction (- deletes)
//	T <g> <n> app <value>                 an Append to g's namespace
//	A <g> <n> <version> [<event seq>]     operation n acknowledged
//	C s | C d                             a checkpoint starts | is done
const (
	crashEnv      = "INMEM_CRASH_CHILD_DIR"
	crashSeedEnv  = "INMEM_CRASH_CHILD_SEED"
	crashWriters  = 4
	crashKeys     = 12
	crashMaxOps   = 20000
	crashDeadline = 20 * time.Second
)

// crashNS is the namespace goroutine g of the child owns: no other goroutine
// writes its keys.
func crashNS(g int) core.Namespace { return fxNS("crash", fmt.Sprintf("g%d", g), byte(g+1)) }

// TestCrashChild is the child process of TestCrash; run on its own it
// returns at once.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		return
	}
	seed, _ := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
	s, err := Open(dir, WithCheckpointBytes(48<<10))
	if err != nil {
		fmt.Fprintf(os.Stdout, "E open %v\n", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	say := func(format string, args ...any) {
		line := fmt.Sprintf(format+"\n", args...)
		mu.Lock()
		defer mu.Unlock()
		if _, err := os.Stdout.WriteString(line); err != nil {
			os.Exit(3)
		}
	}
	var acked atomic.Int64
	ckpt := make(chan struct{}, 1)
	stop := make(chan struct{})
	go func() { // explicit checkpoints every so often, besides the automatic ones
		for {
			select {
			case <-ckpt:
			case <-stop:
				return
			}
			say("C s")
			if err := s.Checkpoint(); err != nil {
				say("E checkpoint %v", err)
				os.Exit(2)
			}
			say("C d")
		}
	}()
	var wg sync.WaitGroup
	for g := range crashWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			crashWriter(s, g, seed, say, func() {
				if acked.Add(1)%150 == 0 {
					select {
					case ckpt <- struct{}{}:
					default:
					}
				}
			})
		}()
	}
	wg.Wait()
	close(stop)
	s.Close()
}

// crashWriter runs goroutine g's operations on s until crashMaxOps.
func crashWriter(s *Store, g int, seed uint64, say func(string, ...any), acked func()) {
	rng := rand.New(rand.NewPCG(seed, uint64(g)))
	ns := crashNS(g)
	present := map[string]bool{}
	for k := range s.Snapshot().Prefix(core.KVKey(ns, "")) {
		present[string(k.UserKey)] = true
	}
	name := func() string { return fmt.Sprintf("k%02d", rng.IntN(crashKeys)) }
	presentKey := func() (string, bool) {
		for k := range present { // map order is random enough
			return k, true
		}
		return "", false
	}
	fail := func(n int, err error) {
		say("E %d %d %v", g, n, err)
		os.Exit(2)
	}
	for n := range crashMaxOps {
		val := fmt.Sprintf("s%d.g%d.n%d", seed, g, n)
		switch op := rng.IntN(10); {
		case op < 4:
			k := name()
			say("T %d %d put %s %s", g, n, k, val)
			v, err := s.Put(core.KVKey(ns, k), core.StringValue(val), 0)
			if err != nil {
				fail(n, err)
			}
			present[k] = true
			say("A %d %d %d", g, n, v)
		case op < 5:
			k, ok := presentKey()
			if !ok {
				continue
			}
			say("T %d %d del %s", g, n, k)
			cnt, v, err := s.DeletePrefix(core.KeyPrefix(core.KVKey(ns, k)))
			if err != nil || cnt != 1 {
				fail(n, fmt.Errorf("delete removed %d: %v", cnt, err))
			}
			delete(present, k)
			say("A %d %d %d", g, n, v)
		case op < 8:
			writes := map[string]string{}
			for i := range 3 {
				writes[name()] = fmt.Sprintf("%s.%d", val, i)
			}
			if k, ok := presentKey(); ok && rng.IntN(2) == 0 {
				writes[k] = "-"
			}
			var parts []string
			for k, w := range writes {
				parts = append(parts, k+"="+w)
			}
			say("T %d %d txn %s", g, n, strings.Join(parts, ","))
			v, err := s.Update(func(tx *Txn) error {
				for k, w := range writes {
					var err error
					if w == "-" {
						err = tx.Delete(core.KVKey(ns, k))
					} else {
						err = tx.Put(core.KVKey(ns, k), core.StringValue(w), 0)
					}
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				fail(n, err)
			}
			for k, w := range writes {
				if w == "-" {
					delete(present, k)
				} else {
					present[k] = true
				}
			}
			say("A %d %d %d", g, n, v)
		default:
			say("T %d %d app %s", g, n, val)
			k, v, err := s.Append(ns, core.StringValue(val), 0)
			if err != nil {
				fail(n, err)
			}
			say("A %d %d %d %d", g, n, v, seqOfKey(k))
		}
		acked()
	}
}

func seqOfKey(k core.Key) uint64 {
	var seq uint64
	for _, b := range k.UserKey {
		seq = seq<<8 | uint64(b)
	}
	return seq
}

// crashOp is one operation the child reported.
type crashOp struct {
	kind   string            // put, del, txn, app
	writes map[string]string // name -> value, "-" for a delete; app: "" -> value
	acked  bool
	ver    uint64
	seq    uint64 // app: the event sequence acknowledged
}

// crashModel is what the parent expects of one writer's namespace.
type crashModel struct {
	kv     map[string]core.VersionedValue // present keys, by name
	events map[uint64]core.VersionedValue
}

func TestCrash(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("the child process")
	}
	start := time.Now()
	dir := t.TempDir()
	models := make([]crashModel, crashWriters)
	for g := range models {
		models[g] = crashModel{kv: map[string]core.VersionedValue{}, events: map[uint64]core.VersionedValue{}}
	}
	// A bulk of keys nobody changes afterwards, so that checkpoints take a
	// while: the kills at a checkpoint's start land inside it.
	bulk := fxNS("crash", "bulk", 77)
	s, err := Open(dir)
	require.NoError(t, err)
	pad := strings.Repeat("x", 100)
	for b := range 5 {
		_, err := s.Update(func(tx *Txn) error {
			for i := range 1000 {
				if err := tx.Put(fxKV(bulk, "b%05d", b*1000+i), core.StringValue(pad), 0); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, err)
	}
	bulkState := fxCollect(s.Snapshot().Scan(core.NamespacePrefix(bulk)))
	prevN := s.CurrentVersion()
	require.NoError(t, s.Close())
	kills := []struct {
		lines      int
		checkpoint bool // kill at the first checkpoint start after lines
	}{{40, false}, {300, false}, {120, true}, {500, false}, {10, false}, {350, true}, {220, false}, {60, true}}
	for round, kill := range kills {
		ops := crashRound(t, dir, round, kill.lines, kill.checkpoint)
		prevN = crashVerify(t, dir, round, ops, models, prevN, func(s *Store) {
			fxRequireEntries(t, bulkState, fxCollect(s.Snapshot().Scan(core.NamespacePrefix(bulk))), "round %d: the bulk keys", round)
		})
	}
	t.Logf("%d rounds, final version %d, in %v", len(kills), prevN, time.Since(start).Round(time.Millisecond))
}

// crashRound runs the child on dir until it has reported lines lines (and,
// with atCheckpoint, started a checkpoint), kills it, and returns the
// operations it reported, by writer and number.
func crashRound(t *testing.T, dir string, round, lines int, atCheckpoint bool) []map[int]*crashOp {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir, fmt.Sprintf("%s=%d", crashSeedEnv, round+1))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	ch := make(chan string, 1024)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	deadline := time.NewTimer(crashDeadline)
	defer deadline.Stop()
	var got []string
	killed := false
	for !killed {
		select {
		case line, ok := <-ch:
			if !ok {
				require.Failf(t, "child exited", "round %d: the child exited before it was killed, after %d lines: %v", round, len(got), got[max(len(got)-5, 0):])
			}
			got = append(got, line)
			if strings.HasPrefix(line, "E ") {
				require.Failf(t, "child failed", "round %d: %s", round, line)
			}
			if len(got) >= lines && (!atCheckpoint || line == "C s") {
				if atCheckpoint {
					got = crashAwaitCheckpointFile(t, dir, ch, got)
				}
				require.NoError(t, cmd.Process.Kill()) // SIGKILL
				killed = true
			}
		case <-deadline.C:
			cmd.Process.Kill()
			require.Failf(t, "deadline", "round %d: waiting for %d lines of the child (checkpoint %v), got %d", round, lines, atCheckpoint, len(got))
		}
	}
	for line := range ch { // what the child wrote before it died
		got = append(got, line)
	}
	err = cmd.Wait()
	require.Error(t, err, "round %d: the child was killed", round)

	ops := make([]map[int]*crashOp, crashWriters)
	for g := range ops {
		ops[g] = map[int]*crashOp{}
	}
	for _, line := range got {
		f := strings.Fields(line)
		if len(f) < 4 || (f[0] != "T" && f[0] != "A") {
			continue
		}
		g, _ := strconv.Atoi(f[1])
		n, _ := strconv.Atoi(f[2])
		if f[0] == "A" {
			op := ops[g][n]
			require.NotNil(t, op, "round %d: %q acknowledges an operation never started", round, line)
			op.acked = true
			op.ver, _ = strconv.ParseUint(f[3], 10, 64)
			if len(f) > 4 {
				op.seq, _ = strconv.ParseUint(f[4], 10, 64)
			}
			continue
		}
		op := &crashOp{kind: f[3], writes: map[string]string{}}
		switch op.kind {
		case "put":
			op.writes[f[4]] = f[5]
		case "del":
			op.writes[f[4]] = "-"
		case "txn":
			for _, kv := range strings.Split(f[4], ",") {
				k, v, _ := strings.Cut(kv, "=")
				op.writes[k] = v
			}
		case "app":
			op.writes[""] = f[4]
		}
		ops[g][n] = op
	}
	return ops
}

// crashAwaitCheckpointFile returns once the checkpoint the child started
// has its temporary file in dir, or has ended (its "C d" line), so that the
// kill lands inside it. It adds the lines read meanwhile to got.
func crashAwaitCheckpointFile(t *testing.T, dir string, ch <-chan string, got []string) []string {
	deadline := time.Now().Add(crashDeadline)
	for time.Now().Before(deadline) {
		if tmp, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(tmp) > 0 {
			return got
		}
		select {
		case line, ok := <-ch:
			if !ok {
				return got
			}
			got = append(got, line)
			if line == "C d" {
				return got
			}
		default:
			runtime.Gosched()
		}
	}
	require.Fail(t, "deadline", "waiting for the child's checkpoint file in %s", dir)
	return got
}

// crashVerify opens dir and checks it against the models and the round's
// operations: every acknowledged write is there, an operation in flight is
// all there or not at all, versions run prevN+1..n with no gap, and the next
// write gets n+1. It updates the models to the recovered state and returns
// the version after the probe write.
func crashVerify(t *testing.T, dir string, round int, ops []map[int]*crashOp, models []crashModel, prevN uint64, more func(*Store)) uint64 {
	t.Helper()
	tmp, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	s, err := Open(dir)
	require.NoError(t, err, "round %d: recovery", round)
	defer s.Close()
	n := s.CurrentVersion()
	rep := s.Recovery()
	more(s)
	require.Equal(t, n, rep.LastVersion, "round %d", round)

	versions := map[uint64]string{}
	var maxAcked uint64
	inflight := 0
	for g := range crashWriters {
		var pending *crashOp
		for i := 0; i < len(ops[g]); i++ {
			op := ops[g][i]
			require.NotNil(t, op, "round %d: writer %d operation %d missing", round, g, i)
			if !op.acked {
				require.Equal(t, len(ops[g])-1, i, "round %d: writer %d: only its last operation may be unacknowledged", round, g)
				pending = op
				inflight++
				break
			}
			require.NotContains(t, versions, op.ver, "round %d: version %d acknowledged twice", round, op.ver)
			versions[op.ver] = fmt.Sprintf("writer %d op %d", g, i)
			maxAcked = max(maxAcked, op.ver)
			require.Greater(t, op.ver, prevN, "round %d: writer %d op %d acknowledged an old version", round, g, i)
			crashApply(&models[g], op, op.ver)
		}
		// The recovered namespace: exactly the model, or the model with the
		// operation in flight applied as a whole.
		got := crashModel{kv: map[string]core.VersionedValue{}, events: map[uint64]core.VersionedValue{}}
		for k, vv := range s.Snapshot().Scan(core.NamespacePrefix(crashNS(g))) {
			if k.Type == core.TypeEvent {
				got.events[seqOfKey(k)] = vv
			} else {
				got.kv[string(k.UserKey)] = vv
			}
		}
		want := models[g]
		if pending != nil && !crashEqual(want, got) {
			// The version the operation in flight got, read off what it wrote
			// (0 for an operation that only deleted).
			var ver uint64
			for k, w := range pending.writes {
				switch {
				case pending.kind == "app":
					for seq, vv := range got.events {
						if _, ok := want.events[seq]; !ok {
							ver = vv.Version
						}
					}
				case w != "-":
					ver = max(ver, got.kv[k].Version)
				}
			}
			next := cloneModel(want)
			crashApply(&next, pending, ver)
			require.Truef(t, crashEqual(next, got), "round %d: writer %d: recovered %v\nwant %v\nor, with %v in flight, %v",
				round, g, dump(got), dump(want), pending.writes, dump(next))
			if ver != 0 {
				require.Greater(t, ver, prevN, "round %d: writer %d: the write in flight", round, g)
				require.NotContains(t, versions, ver, "round %d: the in-flight write's version %d was acknowledged", round, ver)
				versions[ver] = fmt.Sprintf("writer %d in flight", g)
			}
			want = next
		}
		require.Truef(t, crashEqual(want, got), "round %d: writer %d: recovered %v, want %v", round, g, dump(got), dump(want))
		models[g] = want
	}
	require.GreaterOrEqual(t, n, maxAcked, "round %d: every acknowledged version is recovered", round)
	missing := 0
	for v := prevN + 1; v <= n; v++ {
		if _, ok := versions[v]; !ok {
			missing++
		}
	}
	require.LessOrEqual(t, missing, inflight, "round %d: versions %d..%d recovered, %d of them from no operation the child reported", round, prevN+1, n, missing)
	t.Logf("round %d: %d versions recovered (%d..%d), %d acknowledged, %d in flight, checkpoint %d, torn %d bytes, killed in a checkpoint: %v",
		round, n-prevN, prevN+1, n, len(versions), inflight, rep.CheckpointVersion, rep.TornBytes, len(tmp) > 0)

	probe, err := s.Put(core.KVKey(fxNS("crash", "probe", 99), "p"), core.Int64Value(int64(round)), 0)
	require.NoError(t, err)
	require.Equal(t, n+1, probe, "round %d: the next write gets n+1", round)
	return probe
}

// crashApply applies op, committed at ver, to m.
func crashApply(m *crashModel, op *crashOp, ver uint64) {
	for k, w := range op.writes {
		switch {
		case op.kind == "app":
			seq := op.seq
			if !op.acked {
				seq = 1
				for s := range m.events {
					seq = max(seq, s+1)
				}
			}
			m.events[seq] = core.VersionedValue{Value: core.StringValue(w), Version: ver}
		case w == "-":
			delete(m.kv, k)
		default:
			m.kv[k] = core.VersionedValue{Value: core.StringValue(w), Version: ver}
		}
	}
}

func cloneModel(m crashModel) crashModel {
	out := crashModel{kv: map[string]core.VersionedValue{}, events: map[uint64]core.VersionedValue{}}
	for k, v := range m.kv {
		out.kv[k] = v
	}
	for k, v := range m.events {
		out.events[k] = v
	}
	return out
}

// crashEqual compares values and versions.
func crashEqual(a, b crashModel) bool {
	if len(a.kv) != len(b.kv) || len(a.events) != len(b.events) {
		return false
	}
	for k, v := range a.kv {
		w, ok := b.kv[k]
		if !ok || !v.Value.Equal(w.Value) || v.Version != w.Version {
			return false
		}
	}
	for k, v := range a.events {
		w, ok := b.events[k]
		if !ok || !v.Value.Equal(w.Value) || v.Version != w.Version {
			return false
		}
	}
	return true
}

func keysOf(m map[string]core.VersionedValue) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func dump(m crashModel) string {
	var b strings.Builder
	for _, k := range keysOf(m.kv) {
		fmt.Fprintf(&b, "%s=%s@%d ", k, m.kv[k].Value, m.kv[k].Version)
	}
	fmt.Fprintf(&b, "events:%d", len(m.events))
	return b.String()
}
