package proptest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/inmemdb/inmem/core"
)

// Linearizability: concurrent clients call Get, Put, Delete and, when the
// store offers it, CompareAndSwap on a few keys; the history of calls and
// answers must have a sequential explanation (porcupine) in which each key is
// a register with versions.

// LinearizableOptions configures CheckLinearizable. The zero value is 4
// clients of 300 operations each over 3 keys, seed 0, a 30-second budget for
// the check and 3 minutes for the clients.
type LinearizableOptions struct {
	Clients   int            // goroutines calling the stores at once
	Ops       int            // operations per client
	Keys      int            // keys the clients share (KV keys "k0", "k1", ... of Namespace)
	Seed      uint64         // the seed of each client's random choices
	Timeout   time.Duration  // porcupine's budget: an unfinished check is an error
	Namespace core.Namespace // where the keys live; the zero Namespace is fine
	// Patience bounds how long the clients may take (default 3 minutes): a
	// store that hangs fails the check by name instead of hanging the test.
	Patience time.Duration
}

func (o *LinearizableOptions) defaults() {
	if o.Clients <= 0 {
		o.Clients = 4
	}
	if o.Ops <= 0 {
		o.Ops = 300
	}
	if o.Keys <= 0 {
		o.Keys = 3
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Patience <= 0 {
		o.Patience = 3 * time.Minute
	}
}

// CheckLinearizable runs o.Clients goroutines, client c calling
// stores[c%len(stores)] (several stores may be one store seen from several
// processes), each doing o.Ops random operations on o.Keys keys of
// o.Namespace, which must be absent when it starts: Get, Put, Delete and, on
// a core.CompareAndSwapper, CompareAndSwap expecting the version it last saw,
// 0 or a wrong one. It records every call and answer and returns an error
// unless the history is linearizable for a register per key whose versions
// rise with every change, and unless every change got its own version with
// no gap (CurrentVersion of stores[0] rose by exactly the number of changes:
// nothing else may write to the store meanwhile). An answer other than a
// success, ErrNotFound (Get, Delete) or ErrVersionMismatch
// (CompareAndSwap) is returned as an error. Safe for concurrent use with
// other checks on other stores.
func CheckLinearizable(o LinearizableOptions, stores ...core.Storage) error {
	o.defaults()
	if len(stores) == 0 {
		return fmt.Errorf("%w: CheckLinearizable needs a store", core.ErrInvalidArgument)
	}
	for i := range o.Keys {
		if _, err := stores[0].Get(linKey(o, i)); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("CheckLinearizable needs keys nobody wrote: Get(%s) = %v (use another namespace)", linKey(o, i), err)
		}
	}
	before := stores[0].CurrentVersion()
	history, changes, err := linRecord(o, stores)
	if err != nil {
		return err
	}
	switch res := porcupine.CheckOperationsTimeout(linModel, history, o.Timeout); res {
	case porcupine.Ok:
	case porcupine.Unknown:
		return fmt.Errorf("seed %d: the linearizability check did not finish within %v", o.Seed, o.Timeout)
	default:
		return fmt.Errorf("seed %d: the history of %d operations is not linearizable", o.Seed, len(history))
	}
	versions := map[uint64]bool{}
	for _, op := range history {
		in, out := op.Input.(linInput), op.Output.(linOutput)
		if out.ok && (in.op == linPut || in.op == linCAS) {
			if versions[out.version] {
				return fmt.Errorf("seed %d: version %d assigned to two writes", o.Seed, out.version)
			}
			versions[out.version] = true
		}
	}
	if got, want := stores[0].CurrentVersion(), before+uint64(changes); got != want {
		return fmt.Errorf("seed %d: %d changes took the version from %d to %d: not gapless", o.Seed, changes, before, got)
	}
	return nil
}

// linKey returns the i-th key the clients share.
func linKey(o LinearizableOptions, i int) core.Key {
	return core.KVKey(o.Namespace, fmt.Sprint("k", i))
}

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

// linRecord runs the clients and returns the history and the number of
// changes committed.
func linRecord(o LinearizableOptions, stores []core.Storage) ([]porcupine.Operation, int, error) {
	key := func(i int) core.Key { return linKey(o, i) }
	var clock atomic.Int64 // a logical clock: its order is the real-time order of calls and returns
	var mu sync.Mutex
	var history []porcupine.Operation
	var changes atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, o.Clients)
	for c := range o.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[c%len(stores)]
			cas, _ := s.(core.CompareAndSwapper)
			rng := rand.New(rand.NewPCG(o.Seed, uint64(c)))
			seen := make([]uint64, o.Keys) // the last version this client saw per key
			local := make([]porcupine.Operation, 0, o.Ops)
			for i := range o.Ops {
				in := linInput{key: rng.IntN(o.Keys), value: int64(c*1_000_000 + i)}
				switch r := rng.IntN(20); {
				case r < 8:
					in.op = linGet
				case r < 13 || (cas == nil && r >= 16):
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
				call := clock.Add(1)
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
					out.version, err = cas.CompareAndSwap(k, in.expected, core.Int64Value(in.value), 0)
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
					errs[c] = fmt.Errorf("client %d: %s %s: %w", c, in.op, k, err)
					return
				}
				local = append(local, porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret})
			}
			mu.Lock()
			history = append(history, local...)
			mu.Unlock()
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(o.Patience)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		return nil, 0, fmt.Errorf("seed %d: waited %v for the %d clients to finish their operations", o.Seed, o.Patience, o.Clients)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, 0, err
	}
	return history, int(changes.Load()), nil
}
