package etcdstore

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// Linearizability of Get, Put, Delete and CompareAndSwap with porcupine, on
// histories of 4 clients spread over two Stores sharing one prefix (two
// "processes" whose commits race in etcd).

type linOp uint8

const (
	linGet linOp = iota
	linPut
	linDelete
	linCAS
)

func (o linOp) String() string { return [...]string{"get", "put", "delete", "cas"}[o] }

type linInput struct {
	op       linOp
	key      int
	value    int64
	expected uint64
}

// linOutput: ok is false for ErrNotFound (get, delete) and
// ErrVersionMismatch (cas); value and version are what was read or removed,
// or the version a write was assigned.
type linOutput struct {
	ok      bool
	value   int64
	version uint64
}

// linRegister is one key: present with a value at a version, or absent
// (version: the last version it had, a lower bound for its next).
type linRegister struct {
	present bool
	value   int64
	version uint64
}

var linModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[int][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(linInput).key
			byKey[k] = append(byKey[k], op)
		}
		var out [][]porcupine.Operation
		for _, ops := range byKey {
			out = append(out, ops)
		}
		return out
	},
	Init: func() any { return linRegister{} },
	Step: func(state, input, output any) (bool, any) {
		st, in, out := state.(linRegister), input.(linInput), output.(linOutput)
		switch in.op {
		case linGet:
			if !st.present {
				return out == linOutput{}, st
			}
			return out == linOutput{ok: true, value: st.value, version: st.version}, st
		case linPut:
			return out.ok && out.version > st.version, linRegister{present: true, value: in.value, version: out.version}
		case linDelete:
			if !st.present {
				return !out.ok, st
			}
			return out == linOutput{ok: true, value: st.value, version: st.version}, linRegister{version: st.version}
		default:
			cur := uint64(0)
			if st.present {
				cur = st.version
			}
			if in.expected != cur {
				return !out.ok, st
			}
			return out.ok && out.version > st.version, linRegister{present: true, value: in.value, version: out.version}
		}
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(linInput), output.(linOutput)
		return fmt.Sprintf("%s(k%d, %d, exp %d) -> ok=%v %d@%d", in.op, in.key, in.value, in.expected, out.ok, out.value, out.version)
	},
}

func TestLinearizable(t *testing.T) {
	opsEach := 300
	if testing.Short() {
		opsEach = 50
	}
	const clients, keys = 4, 3
	a := newStore(t)
	stores := []*Store{a, newStoreOn(t, testCli, a.Prefix())}
	ns := testNS("lin", 50)
	key := func(i int) core.Key { return core.KVKey(ns, fmt.Sprint("k", i)) }

	start := time.Now()
	var mu sync.Mutex
	var history []porcupine.Operation
	var changes atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		s := stores[c%len(stores)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(1, uint64(c)))
			seen := make([]uint64, keys)
			local := make([]porcupine.Operation, 0, opsEach)
			for i := range opsEach {
				in := linInput{key: rng.IntN(keys), value: int64(c*1_000_000 + i)}
				switch r := rng.IntN(20); {
				case r < 8:
					in.op = linGet
				case r < 13:
					in.op = linPut
				case r < 16:
					in.op = linDelete
				default:
					in.op = linCAS
					in.expected = [...]uint64{seen[in.key], 0, seen[in.key] + 1}[rng.IntN(3)]
				}
				k := key(in.key)
				var out linOutput
				var err error
				call := time.Since(start).Nanoseconds()
				switch in.op {
				case linGet:
					var vv core.VersionedValue
					if vv, err = s.Get(k); err == nil {
						out = linOutput{ok: true, value: vv.Value.Int64(), version: vv.Version}
					}
				case linPut:
					out.version, err = s.Put(k, core.Int64Value(in.value), 0)
					out.ok = err == nil
				case linDelete:
					var vv core.VersionedValue
					if vv, err = s.Delete(k); err == nil {
						out = linOutput{ok: true, value: vv.Value.Int64(), version: vv.Version}
					}
				case linCAS:
					out.version, err = s.CompareAndSwap(k, in.expected, core.Int64Value(in.value), 0)
					out.ok = err == nil
				}
				ret := time.Since(start).Nanoseconds()
				switch {
				case err == nil:
					if in.op != linGet {
						changes.Add(1)
					}
					seen[in.key] = out.version
					if in.op == linDelete {
						seen[in.key] = 0
					}
				case in.op == linCAS && errors.Is(err, core.ErrVersionMismatch):
				case (in.op == linGet || in.op == linDelete) && errors.Is(err, core.ErrNotFound):
				default:
					errs <- fmt.Errorf("client %d: %s: %w", c, in.op, err)
					return
				}
				local = append(local, porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret})
			}
			mu.Lock()
			history = append(history, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, history, clients*opsEach)
	res := porcupine.CheckOperationsTimeout(linModel, history, 30*time.Second)
	require.Equal(t, porcupine.Ok, res, "history is %s (Unknown: the check timed out)", res)

	require.Equal(t, uint64(changes.Load()), a.CurrentVersion(), "one version per change, gapless across both Stores")
	versions := map[uint64]bool{}
	for _, op := range history {
		in, out := op.Input.(linInput), op.Output.(linOutput)
		if out.ok && (in.op == linPut || in.op == linCAS) {
			require.False(t, versions[out.version], "version %d assigned twice", out.version)
			versions[out.version] = true
		}
	}
}

// TestLinearizabilityCheckerCatchesViolations: the model rejects a stale
// read and versions going backwards.
func TestLinearizabilityCheckerCatchesViolations(t *testing.T) {
	op := func(call, ret int64, in linInput, out linOutput) porcupine.Operation {
		return porcupine.Operation{Input: in, Call: call, Output: out, Return: ret}
	}
	stale := []porcupine.Operation{
		op(0, 1, linInput{op: linPut, value: 5}, linOutput{ok: true, version: 1}),
		op(2, 3, linInput{op: linPut, value: 6}, linOutput{ok: true, version: 2}),
		op(4, 5, linInput{op: linGet}, linOutput{ok: true, value: 5, version: 1}),
	}
	require.False(t, porcupine.CheckOperations(linModel, stale))
	backwards := []porcupine.Operation{
		op(0, 1, linInput{op: linPut, value: 5}, linOutput{ok: true, version: 2}),
		op(2, 3, linInput{op: linPut, value: 6}, linOutput{ok: true, version: 1}),
	}
	require.False(t, porcupine.CheckOperations(linModel, backwards))
}
