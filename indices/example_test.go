package indices_test

import (
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/indices"
)

// A History keeps the values of the most recent versions; pushing returns a
// new History and leaves the old one as it was.
func ExampleHistory() {
	var h indices.History[string]
	for v, s := range []string{"a", "b", "c", "d"} {
		h = h.Push(uint64(v+1), s, 3) // keep 3 versions
	}
	oldest, _ := h.Oldest()
	fmt.Println("versions:", h.Len(), "oldest:", oldest)
	for v := uint64(1); v <= 4; v++ {
		s, ok := h.Get(v)
		fmt.Printf("%d: %q %v\n", v, s, ok)
	}
	// Output:
	// versions: 3 oldest: 2
	// 1: "" false
	// 2: "b" true
	// 3: "c" true
	// 4: "d" true
}

// A TTL index yields what has expired by a given moment, in expiry order,
// and nothing later.
func ExampleTTL() {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var x indices.TTL[int]
	x = x.Add(t0.Add(3*time.Second), "late", 3)
	x = x.Add(t0.Add(time.Second), "early", 1)
	x = x.Add(t0.Add(2*time.Second), "middle", 2)
	for key, v := range x.Expired(t0.Add(2 * time.Second)) { // at or before
		fmt.Println(key, v)
	}
	x = x.Remove(t0.Add(time.Second), "early")
	fmt.Println("left:", x.Len())
	// Output:
	// early 1
	// middle 2
	// left: 2
}

// Groups record which namespaces hold keys of a run: one member per (run,
// namespace), looked up by the run's group prefix.
func ExampleGroups() {
	run := core.RunID{7}
	a := core.Namespace{Tenant: "acme", App: "support", Agent: "a", RunID: run}
	b := core.Namespace{Tenant: "acme", App: "support", Agent: "b", RunID: run}
	var e indices.GroupsEdit // a batch of changes, published at once
	e.Add(indices.RunMember(nil, run, string(b.AppendEncode(nil))))
	e.Add(indices.RunMember(nil, run, string(a.AppendEncode(nil))))
	g := e.Groups()
	for encNS := range g.Namespaces(indices.RunGroup(run)) {
		k, _ := core.DecodeKey(append([]byte(encNS), byte(core.TypeKV)))
		fmt.Println(k.Namespace.Agent)
	}
	fmt.Println("other runs:", countOf(g, core.RunID{8}))
	// Output:
	// a
	// b
	// other runs: 0
}

func countOf(g indices.Groups, run core.RunID) int {
	n := 0
	for range g.Namespaces(indices.RunGroup(run)) {
		n++
	}
	return n
}
