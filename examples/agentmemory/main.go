// Command agentmemory plays one agent run against an inmem store and prints
// what happens: a TTL scratchpad, a numbered event log, a state machine moved
// by compare-and-swap, a snapshot taken mid-run and read after more writes, an
// exact read of a past version, an atomic transaction, the run replayed with
// ScanByRun, scoped reads (the last events, pages at one version, an agent's
// memory across its runs), expired scratchpad entries removed by the cleaner
// once the clock moves, and the finished run dropped in one commit. The store
// runs on a manual clock so the output is the same on every run.
//
//	go run ./examples/agentmemory
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/inmemdb/inmem/cleaner"
	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "agentmemory:", err)
		os.Exit(1)
	}
}

// agent bundles what one run writes with.
type agent struct {
	w     io.Writer
	store *mvcc.Store
	clock *core.ManualClock
	ns    core.Namespace
}

func run(w io.Writer, opts ...mvcc.Option) error {
	clock := core.NewManualClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	// A fixed run id (core.NewRunID makes random ones) keeps the output stable.
	run := core.RunID{0x6f, 0x1c, 0x2a, 0x4e, 0x8b, 0x3d, 0x4e, 0x5f, 0x9a, 0x7b, 0x1c, 0x2d, 0x3e, 0x4f, 0x5a, 0x6b}
	a := &agent{
		w:     w,
		store: mvcc.New(append([]mvcc.Option{mvcc.WithClock(clock)}, opts...)...),
		clock: clock,
		ns:    core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: run},
	}
	fmt.Fprintf(w, "run %s\n\n", a.ns)
	steps := []func() error{a.start, a.scratchpad, a.machine, a.midRun, a.replay, a.scoped, a.expire, a.forget}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// event appends to the run's event log: the store picks the next sequence
// number inside the commit, so concurrent appenders never collide.
func (a *agent) event(text string) error {
	key, v, err := a.store.Append(a.ns, core.StringValue(text), 0)
	if err == nil {
		fmt.Fprintf(a.w, "  v%-2d event %s: %s\n", v, userKey(key), text)
	}
	return err
}

// start records the run's metadata and its first events.
func (a *agent) start() error {
	fmt.Fprintln(a.w, "1. the run starts")
	meta := core.MapValue(map[string]core.Value{
		"model": core.StringValue("planner-7b"),
		"goal":  core.StringValue("triage ticket #4521"),
	})
	v, err := a.store.Put(core.RunMetadataKey(a.ns), meta, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.w, "  v%-2d run metadata %s\n", v, meta)
	for _, e := range []string{"ticket received", "customer history loaded"} {
		if err := a.event(e); err != nil {
			return err
		}
	}
	return nil
}

// scratchpad writes working notes that expire on their own.
func (a *agent) scratchpad() error {
	fmt.Fprintln(a.w, "\n2. scratchpad entries with a TTL")
	notes := []struct {
		name, text string
		ttl        time.Duration
	}{
		{"draft-reply", "Hello, we are looking into it", 10 * time.Second},
		{"hypothesis", "billing sync failed", 30 * time.Second},
		{"sentiment", "frustrated", 0},
	}
	for _, n := range notes {
		v, err := a.store.Put(core.KVKey(a.ns, n.name), core.StringValue(n.text), n.ttl)
		if err != nil {
			return err
		}
		ttl := "no TTL"
		if n.ttl > 0 {
			ttl = "TTL " + n.ttl.String()
		}
		fmt.Fprintf(a.w, "  v%-2d kv %s = %q (%s)\n", v, n.name, n.text, ttl)
	}
	return nil
}

// transition moves the state machine from the version it read to next.
func (a *agent) transition(expected uint64, next string) (uint64, error) {
	v, err := a.store.CompareAndSwap(core.StateKey(a.ns, "ticket"), expected, core.StringValue(next), 0)
	if err == nil {
		fmt.Fprintf(a.w, "  v%-2d state ticket -> %s (expected version %d)\n", v, next, expected)
	}
	return v, err
}

// machine drives a state machine with compare-and-swap and shows a stale
// writer losing.
func (a *agent) machine() error {
	fmt.Fprintln(a.w, "\n3. a state machine moved by compare-and-swap")
	v, err := a.transition(0, "open")
	if err != nil {
		return err
	}
	stale := v
	if _, err := a.transition(v, "investigating"); err != nil {
		return err
	}
	_, err = a.store.CompareAndSwap(core.StateKey(a.ns, "ticket"), stale, core.StringValue("closed"), 0)
	if !errors.Is(err, core.ErrVersionMismatch) {
		return fmt.Errorf("a stale compare-and-swap did not fail with a version mismatch: %w", err)
	}
	fmt.Fprintf(a.w, "  a second agent still holding version %d is refused: %v\n", stale, err)
	return nil
}

// midRun takes a snapshot, writes more, and compares the snapshot, the live
// store and an exact read of the past.
func (a *agent) midRun() error {
	fmt.Fprintln(a.w, "\n4. a snapshot mid-run, then more work")
	snap := a.store.Snapshot()
	fmt.Fprintf(a.w, "  snapshot taken at version %d\n", snap.Version())
	if err := a.event("root cause found: expired card"); err != nil {
		return err
	}
	// One transaction: the state change and its event land in one version.
	key := core.StateKey(a.ns, "ticket")
	v, err := a.store.Update(func(tx *mvcc.Txn) error {
		cur, err := tx.Get(key)
		if err == nil && cur.Value.String() != "investigating" {
			err = fmt.Errorf("unexpected state %s", cur.Value)
		}
		// An error discards the transaction: none of its writes land.
		_, aerr := tx.Append(a.ns, core.StringValue("reply sent"), 0)
		return errors.Join(err, tx.Put(key, core.StringValue("resolved"), 0), aerr)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.w, "  v%-2d transaction: state ticket -> resolved and the next event: reply sent\n", v)

	// Reads of valid keys fail only on a broken store: check them together.
	eventPrefix := core.NewKey(a.ns, core.TypeEvent, nil)
	old, err1 := snap.Get(key)
	now, err2 := a.store.Get(key)
	events, err3 := snap.ScanPrefix(eventPrefix)
	live, err4 := a.store.ScanPrefix(eventPrefix, core.Latest)
	past, err5 := a.store.GetVersioned(key, snap.Version())
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return err
	}
	fmt.Fprintf(a.w, "  snapshot: ticket = %s (v%d), %d events\n", old.Value, old.Version, len(events))
	fmt.Fprintf(a.w, "  live:     ticket = %s (v%d), %d events\n", now.Value, now.Version, len(live))
	fmt.Fprintf(a.w, "  GetVersioned(ticket, %d) = %s: the past, exactly\n", snap.Version(), past.Value)
	return nil
}

// replay reads the whole run back in key order.
func (a *agent) replay() error {
	fmt.Fprintln(a.w, "\n5. replay the run with ScanByRun")
	entries, err := a.store.ScanByRun(a.ns.RunID, core.Latest)
	if err != nil {
		return err
	}
	for _, e := range entries {
		fmt.Fprintf(a.w, "  v%-2d %-6s %-22s %s\n", e.Value.Version, e.Key.Type, userKey(e.Key), e.Value.Value)
	}
	return nil
}

func userKey(k core.Key) string {
	switch k.Type {
	case core.TypeEvent, core.TypeTrace:
		var n uint64
		for _, b := range k.UserKey {
			n = n<<8 | uint64(b)
		}
		return fmt.Sprintf("#%d", n)
	case core.TypeRunMetadata:
		return "(run)"
	}
	return string(k.UserKey)
}

// scoped reads memory the way agents read it: the newest events, pages at
// one pinned version, and everything the agent remembers across its runs.
func (a *agent) scoped() error {
	fmt.Fprintln(a.w, "\n6. scoped reads")
	events := core.KeyPrefix(core.NewKey(a.ns, core.TypeEvent, nil))
	fmt.Fprint(a.w, "  the last 2 events, newest first:")
	for k, vv := range a.store.Scan(events, mvcc.Reverse(), mvcc.Limit(2)) {
		fmt.Fprintf(a.w, " %s %q;", userKey(k), vv.Value.String())
	}
	fmt.Fprintln(a.w)

	// A page token is (version, last key): every page reads one version,
	// whatever is written in between.
	pinned := a.store.CurrentVersion()
	var last *core.Key
	for page := 1; ; page++ {
		snap, err := a.store.SnapshotAt(pinned)
		if err != nil {
			return err
		}
		opts := []mvcc.ScanOption{mvcc.Limit(4)}
		if last != nil {
			opts = append(opts, mvcc.After(*last))
		}
		var keys []string
		for k := range snap.Scan(core.NamespacePrefix(a.ns), opts...) {
			keys = append(keys, k.Type.String()+" "+userKey(k))
			last = &k
		}
		if len(keys) == 0 {
			break
		}
		fmt.Fprintf(a.w, "  page %d at v%d: %s\n", page, pinned, strings.Join(keys, ", "))
		if err := a.event(fmt.Sprintf("paged %d", page)); err != nil {
			return err
		}
	}

	// The agent's next run remembers what the last one learned.
	next := a.ns
	next.RunID = core.RunID{0x7a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x4a, 0x8b, 0x9c, 0xad, 0xbe, 0xcf, 0xd0, 0xe1, 0xf2, 0x03}
	v, err := a.store.Put(core.KVKey(next, "lesson"), core.StringValue("check card expiry first"), 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.w, "  v%-2d a later run of the agent writes kv lesson\n", v)
	memory := core.AgentPrefix(a.ns.Tenant, a.ns.App, a.ns.Agent)
	fmt.Fprintf(a.w, "  the agent's kv memory across its runs (%s):\n", memory)
	for k, vv := range a.store.Snapshot().ScanType(core.TypeKV, mvcc.Within(memory)) {
		fmt.Fprintf(a.w, "    run %.8s… kv %s = %q\n", k.Namespace.RunID, k.UserKey, vv.Value.String())
	}
	return nil
}

// forget drops the finished run: every key of its namespace, in one commit.
func (a *agent) forget() error {
	fmt.Fprintln(a.w, "\n8. the run is finished: drop it")
	n, v, err := a.store.DeletePrefix(core.NamespacePrefix(a.ns))
	if err != nil {
		return err
	}
	fmt.Fprintf(a.w, "  v%-2d DeletePrefix(%s) removed %d keys in one commit\n", v, core.NamespacePrefix(a.ns), n)
	st := a.store.Stats()
	fmt.Fprintf(a.w, "store: version %d, %d keys\n", st.Version, st.Keys)
	return nil
}

// expire moves the clock and lets the cleaner remove what expired.
func (a *agent) expire() error {
	fmt.Fprintln(a.w, "\n7. the clock moves 15s; the cleaner removes what expired")
	a.clock.Advance(15 * time.Second)
	if _, err := a.store.Get(core.KVKey(a.ns, "draft-reply")); errors.Is(err, core.ErrNotFound) {
		fmt.Fprintln(a.w, "  kv draft-reply is already invisible to reads (expired)")
	}
	c := cleaner.New(a.store, cleaner.WithBatchSize(100))
	rep, err := c.RunOnce(context.Background())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.w, "  cleaner pass: removed %d, skipped %d; store now at version %d\n",
		rep.Removed, rep.Skipped, a.store.CurrentVersion())
	kv, err := a.store.ScanByType(core.TypeKV, core.Latest)
	if err != nil {
		return err
	}
	for _, e := range kv {
		fmt.Fprintf(a.w, "  kv %s = %q remains\n", e.Key.UserKey, e.Value.Value)
	}
	st := a.store.Stats()
	fmt.Fprintf(a.w, "\nstore: version %d, %d keys, %d with a TTL\n", st.Version, st.Keys, st.TTLKeys)
	return nil
}
