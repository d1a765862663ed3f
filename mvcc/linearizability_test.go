package mvcc

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

// Linearizability of Get, Put, Delete and CompareAndSwap, checked with
// porcupine on histories recorded from concurrent goroutines.

type linOp uint8

const (
	linGet linOp = iota
	linPut
	linDelete
	linCAS
)

func (o linOp) String() string { return [...]string{"get", "put", "delete", "cas"}[o] }

// linInput is one call: the op, the key's index, the value written, and
// the version a compare-and-swap expects.
type linInput struct {
	op       linOp
	key      int
	value    int64
	expected uint64
}

// linOutput is one answer: ok is false for ErrNotFound (get, delete) and
// ErrVersionMismatch (cas); value and version are what a get read or a
// delete removed, or the version a put or cas was assigned.
type linOutput struct {
	ok      bool
	value   int64
	version uint64
}

// linRegister is the state of one key: present with a value at a version,
// or absent; version is then the last version the key had (a lower bound
// for its next one).
type linRegister struct {
	present bool
	value   int64
	version uint64
}

// linModel is a single-key register with versions; histories are
// partitioned by key.
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
		default: // linCAS
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

// linRecord runs clients goroutines doing opsEach random operations on keys
// keys of s, and returns the history and the number of changes committed.
func linRecord(t *testing.T, s *Store, seed uint64, clients, opsEach, keys int) ([]porcupine.Operation, int) {
	ns := fxNS("lin", "a", 1)
	key := func(i int) core.Key { return core.KVKey(ns, fmt.Sprint("k", i)) }
	var clock atomic.Int64
	var mu sync.Mutex
	var history []porcupine.Operation
	var changes atomic.Int64
	err := fxParallel(clients, func(c int) error {
		rng := rand.New(rand.NewPCG(seed, uint64(c)))
		seen := make([]uint64, keys) // the last version this client saw per key
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
				switch rng.IntN(3) {
				case 0:
					in.expected = seen[in.key]
				case 1:
					in.expected = 0
				default:
					in.expected = seen[in.key] + 1
				}
			}
			k := key(in.key)
			var out linOutput
			var err error
			call := clock.Add(1)
			switch in.op {
			case linGet:
				var vv core.VersionedValue
				vv, err = s.Get(k)
				if err == nil {
					out = linOutput{ok: true, value: vv.Value.Int64(), version: vv.Version}
				}
			case linPut:
				out.version, err = s.Put(k, core.Int64Value(in.value), 0)
				out.ok = err == nil
			case linDelete:
				var vv core.VersionedValue
				vv, err = s.Delete(k)
				if err == nil {
					out = linOutput{ok: true, value: vv.Value.Int64(), version: vv.Version}
				}
			case linCAS:
				out.version, err = s.CompareAndSwap(k, in.expected, core.Int64Value(in.value), 0)
				out.ok = err == nil
			}
			ret := clock.Add(1)
			switch {
			case err == nil:
				if in.op != linGet {
					changes.Add(1)
				}
				if in.op == linDelete {
					seen[in.key] = 0
				} else {
					seen[in.key] = out.version
				}
			case in.op == linCAS && errors.Is(err, core.ErrVersionMismatch):
			case (in.op == linGet || in.op == linDelete) && errors.Is(err, core.ErrNotFound):
			default:
				return fmt.Errorf("%s: %w", in.op, err)
			}
			local = append(local, porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret})
		}
		mu.Lock()
		history = append(history, local...)
		mu.Unlock()
		return nil
	})
	require.NoError(t, err)
	return history, int(changes.Load())
}

func TestLinearizable(t *testing.T) {
	seeds, opsEach := 3, 1000
	if testing.Short() {
		seeds, opsEach = 1, 300
	}
	const clients, keys = 4, 3
	for _, mode := range fxWriterModes {
		t.Run(mode.name, func(t *testing.T) {
			for seed := range uint64(seeds) {
				s, _ := fxStore(mode.opts...)
				history, changes := linRecord(t, s, seed, clients, opsEach, keys)
				require.Len(t, history, clients*opsEach)
				res := porcupine.CheckOperationsTimeout(linModel, history, 30*time.Second)
				require.Equal(t, porcupine.Ok, res, "seed %d: %s history (Unknown means the check timed out)", seed, res)

				// Across keys: every change got its own version, gapless.
				require.Equal(t, uint64(changes), s.CurrentVersion())
				versions := map[uint64]bool{}
				for _, op := range history {
					in, out := op.Input.(linInput), op.Output.(linOutput)
					if out.ok && (in.op == linPut || in.op == linCAS) {
						require.False(t, versions[out.version], "version %d assigned twice", out.version)
						versions[out.version] = true
					}
				}
			}
		})
	}
}

// TestLinearizabilityCheckerCatchesViolations makes sure the model rejects
// what it must: a stale read after a write completed.
func TestLinearizabilityCheckerCatchesViolations(t *testing.T) {
	op := func(call, ret int64, in linInput, out linOutput) porcupine.Operation {
		return porcupine.Operation{Input: in, Call: call, Output: out, Return: ret}
	}
	bad := []porcupine.Operation{
		op(0, 1, linInput{op: linPut, value: 5}, linOutput{ok: true, version: 1}),
		op(2, 3, linInput{op: linPut, value: 6}, linOutput{ok: true, version: 2}),
		op(4, 5, linInput{op: linGet}, linOutput{ok: true, value: 5, version: 1}),
	}
	require.False(t, porcupine.CheckOperations(linModel, bad))
	backwards := []porcupine.Operation{
		op(0, 1, linInput{op: linPut, value: 5}, linOutput{ok: true, version: 2}),
		op(2, 3, linInput{op: linPut, value: 6}, linOutput{ok: true, version: 1}),
	}
	require.False(t, porcupine.CheckOperations(linModel, backwards))
	casOnAbsent := []porcupine.Operation{
		op(0, 1, linInput{op: linCAS, expected: 0, value: 1}, linOutput{}),
	}
	require.False(t, porcupine.CheckOperations(linModel, casOnAbsent))
	concurrent := []porcupine.Operation{
		op(0, 10, linInput{op: linPut, value: 5}, linOutput{ok: true, version: 1}),
		op(1, 2, linInput{op: linGet}, linOutput{ok: true, value: 5, version: 1}),
		op(3, 4, linInput{op: linDelete}, linOutput{ok: true, value: 5, version: 1}),
		op(5, 6, linInput{op: linGet}, linOutput{}),
	}
	require.True(t, porcupine.CheckOperations(linModel, concurrent))
}
