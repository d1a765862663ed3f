package proptest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/inmemdb/inmem/core"
)

// TestLinearizableModel: the Model, one mutex around everything, is
// linearizable, seen as one store or as two.
func TestLinearizableModel(t *testing.T) {
	m := NewModel(nil)
	if err := CheckLinearizable(LinearizableOptions{Seed: 1}, m); err != nil {
		t.Fatal(err)
	}
	o := LinearizableOptions{Seed: 2, Clients: 3, Keys: 2, Namespace: core.Namespace{Tenant: "two"}}
	if err := CheckLinearizable(o, m, plainStorage{m}); err != nil {
		t.Fatal(err)
	}
	if err := CheckLinearizable(o, m); err == nil || !strings.Contains(err.Error(), "nobody wrote") {
		t.Fatalf("keys written before: %v, want a refusal", err)
	}
}

// staleGets answers a Get of a key it has answered before from its cache.
type staleGets struct {
	*Model
	mu    sync.Mutex
	cache map[string]core.VersionedValue
}

func (s *staleGets) Get(k core.Key) (core.VersionedValue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if vv, ok := s.cache[k.String()]; ok {
		return vv, nil
	}
	vv, err := s.Model.Get(k)
	if err == nil {
		s.cache[k.String()] = vv
	}
	return vv, err
}

// skipsVersions assigns every put two versions.
type skipsVersions struct{ *Model }

func (s skipsVersions) Put(k core.Key, v core.Value, ttl time.Duration) (uint64, error) {
	_, _ = s.Model.Put(core.KVKey(core.Namespace{Tenant: "hidden"}, "x"), core.NullValue(), 0)
	return s.Model.Put(k, v, ttl)
}

func TestLinearizableCatchesViolations(t *testing.T) {
	err := CheckLinearizable(LinearizableOptions{Clients: 2, Ops: 200}, &staleGets{Model: NewModel(nil), cache: map[string]core.VersionedValue{}})
	if err == nil || !strings.Contains(err.Error(), "not linearizable") {
		t.Fatalf("stale reads: %v, want a history that is not linearizable", err)
	}
	err = CheckLinearizable(LinearizableOptions{Clients: 2, Ops: 50}, skipsVersions{NewModel(nil)})
	if err == nil || !strings.Contains(err.Error(), "not gapless") {
		t.Fatalf("two versions a put: %v, want a gap", err)
	}
	if err := CheckLinearizable(LinearizableOptions{}); err == nil {
		t.Fatal("no store: want an error")
	}
}

// TestLinearizabilityModelRejects makes sure the register model rejects what
// it must and accepts a concurrent history.
func TestLinearizabilityModelRejects(t *testing.T) {
	op := func(call, ret int64, in linInput, out linOutput) porcupine.Operation {
		return porcupine.Operation{Input: in, Call: call, Output: out, Return: ret}
	}
	staleRead := []porcupine.Operation{
		op(0, 1, linInput{op: linPut, value: 5}, linOutput{ok: true, version: 1}),
		op(2, 3, linInput{op: linPut, value: 6}, linOutput{ok: true, version: 2}),
		op(4, 5, linInput{op: linGet}, linOutput{ok: true, value: 5, version: 1}),
	}
	backwards := []porcupine.Operation{
		op(0, 1, linInput{op: linPut, value: 5}, linOutput{ok: true, version: 2}),
		op(2, 3, linInput{op: linPut, value: 6}, linOutput{ok: true, version: 1}),
	}
	casOnAbsent := []porcupine.Operation{
		op(0, 1, linInput{op: linCAS, expected: 0, value: 1}, linOutput{}),
	}
	for name, h := range map[string][]porcupine.Operation{"stale read": staleRead, "versions backwards": backwards, "refused cas on an absent key": casOnAbsent} {
		if porcupine.CheckOperations(linModel, h) {
			t.Errorf("%s: accepted", name)
		}
	}
	concurrent := []porcupine.Operation{
		op(0, 10, linInput{op: linPut, value: 5}, linOutput{ok: true, version: 1}),
		op(1, 2, linInput{op: linGet}, linOutput{ok: true, value: 5, version: 1}),
		op(3, 4, linInput{op: linDelete}, linOutput{ok: true, value: 5, version: 1}),
		op(5, 6, linInput{op: linGet}, linOutput{}),
	}
	if !porcupine.CheckOperations(linModel, concurrent) {
		t.Error("a concurrent history with an explanation: rejected")
	}
}
