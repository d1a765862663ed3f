package main

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// namespacesByWalk is the plain answer: every key walked, consecutive
// namespaces kept once.
func namespacesByWalk(snap *mvcc.Snapshot, p core.Prefix) []core.Namespace {
	var out []core.Namespace
	for k := range snap.Scan(p) {
		if len(out) == 0 || out[len(out)-1] != k.Namespace {
			out = append(out, k.Namespace)
		}
	}
	return out
}

// namespaces seeks from namespace to namespace and finds exactly what a
// walk over every key finds, at every scope, with the keys that sit right at
// a namespace's start (an empty kv user key), run ids at both ends, and
// agent names one zero byte apart.
func TestNamespacesSeekMatchesWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	maxRun := core.RunID{}
	for i := range maxRun {
		maxRun[i] = 0xff
	}
	runs := []core.RunID{{}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, {7}, maxRun}
	names := []string{"", "a", "a\x00", "a\x00\x00", "b"}
	for trial := range 40 {
		s := mvcc.New()
		for range rng.IntN(60) + 1 {
			ns := core.Namespace{Tenant: names[rng.IntN(3)], App: names[rng.IntN(5)], Agent: names[rng.IntN(5)], RunID: runs[rng.IntN(len(runs))]}
			var k core.Key
			switch rng.IntN(3) {
			case 0:
				k = core.NewKey(ns, core.TypeKV, nil)
			case 1:
				k = core.KVKey(ns, "x")
			default:
				k = core.NewKey(ns, core.TypeVector, []byte{0xff, 0xff})
			}
			if _, err := s.Put(k, core.Int64Value(1), 0); err != nil {
				t.Fatal(err)
			}
		}
		snap := s.Snapshot()
		scopes := []core.Prefix{core.AllKeys()}
		for _, tn := range names[:3] {
			scopes = append(scopes, core.TenantPrefix(tn), core.AppPrefix(tn, "a"), core.AgentPrefix(tn, "a", "a"), core.AgentPrefix(tn, "", "a\x00"))
		}
		for _, p := range scopes {
			got := slices.Collect(namespaces(snap, p))
			want := namespacesByWalk(snap, p)
			if !slices.Equal(got, want) {
				t.Fatalf("trial %d, scope %s:\n got %v\nwant %v", trial, p, got, want)
			}
		}
	}
}
