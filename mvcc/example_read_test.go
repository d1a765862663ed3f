package mvcc_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// An agent's long-term memory is every key of every one of its runs: one
// AgentPrefix scan reads it, and no other agent's keys, not even those of an
// agent whose name starts the same.
func ExampleStore_Scan() {
	store, _ := exampleStore()
	run1 := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: core.RunID{1}}
	run2 := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: core.RunID{2}}
	other := core.Namespace{Tenant: "acme", App: "support", Agent: "triage-2", RunID: core.RunID{1}}
	store.Put(core.KVKey(run1, "customer"), core.StringValue("prefers email"), 0)
	store.Put(core.KVKey(run2, "customer"), core.StringValue("on the pro plan"), 0)
	store.Put(core.KVKey(other, "customer"), core.StringValue("not ours"), 0)

	memory := core.AgentPrefix("acme", "support", "triage")
	for k, v := range store.Scan(memory) {
		fmt.Println(k.Namespace.RunID[0], string(k.UserKey), v.Value)
	}
	// The newest entry first.
	for k := range store.Scan(memory, mvcc.Reverse(), mvcc.Limit(1)) {
		fmt.Println("last:", k.Namespace.RunID[0])
	}
	// Output:
	// 1 customer prefers email
	// 2 customer on the pro plan
	// last: 2
}

// A page token is a version and the last key served: every page is read at
// that version, so writes between pages neither repeat nor skip an entry.
func ExampleStore_SnapshotAt() {
	store, _ := exampleStore()
	for range 5 {
		store.Append(exampleNS, core.StringValue("step"), 0)
	}
	log := core.NamespacePrefix(exampleNS)

	type token struct {
		version uint64
		last    *core.Key
	}
	page := func(tok token) ([]uint64, token) {
		snap, err := store.SnapshotAt(tok.version)
		if err != nil {
			fmt.Println(err)
			return nil, tok
		}
		opts := []mvcc.ScanOption{mvcc.Limit(2)}
		if tok.last != nil {
			opts = append(opts, mvcc.After(*tok.last))
		}
		var seqs []uint64
		for k := range snap.Scan(log, opts...) {
			seqs = append(seqs, uint64(k.UserKey[7]))
			tok.last = &k
		}
		return seqs, tok
	}

	tok := token{version: store.CurrentVersion()}
	for {
		seqs, next := page(tok)
		if len(seqs) == 0 {
			break
		}
		fmt.Println("page", seqs)
		store.Append(exampleNS, core.StringValue("written while paging"), 0)
		tok = next
	}
	_, err := store.SnapshotAt(store.CurrentVersion() + 1)
	fmt.Println(errors.Is(err, core.ErrNotFound))
	// Output:
	// page [1 2]
	// page [3 4]
	// page [5]
	// true
}

// Append numbers events itself: concurrent appenders get 1, 2, 3, ... with
// no collision and no gap.
func ExampleStore_Append() {
	store, _ := exampleStore()
	for _, msg := range []string{"ticket received", "reply drafted", "reply sent"} {
		k, v, _ := store.Append(exampleNS, core.StringValue(msg), 0)
		fmt.Println(k, "version", v)
	}
	// Output:
	// acme/support/triage/01000000-0000-0000-0000-000000000000/event/1 version 1
	// acme/support/triage/01000000-0000-0000-0000-000000000000/event/2 version 2
	// acme/support/triage/01000000-0000-0000-0000-000000000000/event/3 version 3
}

// A finished run's keys go in one commit with one version; the rest of the
// agent's memory stays.
func ExampleStore_DeletePrefix() {
	store, _ := exampleStore()
	done := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: core.RunID{1}}
	next := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: core.RunID{2}}
	store.Put(core.KVKey(done, "draft"), core.StringValue("..."), 0)
	store.Append(done, core.StringValue("started"), 0)
	store.Append(done, core.StringValue("finished"), 0)
	store.Put(core.KVKey(next, "draft"), core.StringValue("..."), 0)

	n, v, _ := store.DeletePrefix(core.NamespacePrefix(done))
	fmt.Println("removed", n, "at version", v)
	fmt.Println("left", store.Snapshot().Len())
	n, v, _ = store.DeletePrefix(core.NamespacePrefix(done))
	fmt.Println("again:", n, v)
	// Output:
	// removed 3 at version 5
	// left 1
	// again: 0 0
}

// Touch keeps a scratch note alive while the agent uses it: same value, new
// version, a new deadline counted from now.
func ExampleStore_Touch() {
	store, clock := exampleStore()
	note := core.KVKey(exampleNS, "working-hypothesis")
	store.Put(note, core.StringValue("billing sync failed"), time.Minute)

	clock.Advance(50 * time.Second)
	v, _ := store.Touch(note, time.Minute)
	clock.Advance(50 * time.Second) // 100s after the put, 50s after the touch
	got, err := store.Get(note)
	fmt.Println(got.Value, got.Version == v, err)

	clock.Advance(time.Minute)
	_, err = store.Touch(note, time.Minute)
	fmt.Println(errors.Is(err, core.ErrNotFound))
	// Output:
	// billing sync failed true <nil>
	// true
}
