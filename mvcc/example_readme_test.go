package mvcc_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/inmemdb/inmem/cleaner"
	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// Example_readme is the README's first example, run: every line of the
// README's first Go block appears here, in order (TestReadmeExample checks).
func Example_readme() {
	store := mvcc.New()
	ns := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: core.NewRunID()}

	// A scratchpad note that expires after 30 seconds.
	v, _ := store.Put(core.KVKey(ns, "hypothesis"), core.StringValue("billing sync failed"), 30*time.Second)

	// An event log: Append picks the next sequence number inside the commit,
	// so concurrent agents never collide.
	store.Append(ns, core.StringValue("ticket received"), 0)
	store.Append(ns, core.StringValue("customer history loaded"), 0)

	// A state machine moved by compare-and-swap.
	sv, _ := store.CompareAndSwap(core.StateKey(ns, "ticket"), 0, core.StringValue("open"), 0)

	// A consistent snapshot: O(1), unaffected by later writes.
	snap := store.Snapshot()
	store.CompareAndSwap(core.StateKey(ns, "ticket"), sv, core.StringValue("resolved"), 0)
	old, _ := snap.Get(core.StateKey(ns, "ticket"))
	past, _ := store.GetVersioned(core.KVKey(ns, "hypothesis"), v)
	fmt.Println(old.Value, past.Value)

	// Scoped reads, lazily: the newest event of the run, and everything the
	// agent remembers across its runs.
	events := core.KeyPrefix(core.NewKey(ns, core.TypeEvent, nil))
	for key, val := range store.Scan(events, mvcc.Reverse(), mvcc.Limit(1)) {
		fmt.Println(key.Type, val.Value)
	}
	memory := 0
	for range store.Scan(core.AgentPrefix("acme", "support", "triage")) {
		memory++
	}
	fmt.Println(memory, "keys remembered")

	// React to changes instead of polling.
	w := store.Watch(store.CurrentVersion(), mvcc.WatchPrefix(core.NamespacePrefix(ns)))
	defer w.Close()

	// Several writes, one version, or ErrConflict if what it read changed.
	store.Update(func(tx *mvcc.Txn) error {
		tx.Append(ns, core.StringValue("reply sent"), 0)
		return tx.Put(core.StateKey(ns, "ticket"), core.StringValue("closed"), 0)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // never wait forever
	defer cancel()
	commit, _ := w.Next(ctx)
	fmt.Println(len(commit.Changes), "changes in version", commit.Version)

	// Remove expired entries in the background.
	c := cleaner.New(store, cleaner.WithInterval(time.Second))
	c.Start(context.Background())
	defer c.Stop()
	// Output:
	// open billing sync failed
	// event customer history loaded
	// 4 keys remembered
	// 2 changes in version 6
}

// TestReadmeExample keeps the README's first Go block in sync with
// Example_readme: each of its lines must appear in the example, in order.
func TestReadmeExample(t *testing.T) {
	block := goBlock(t, "../README.md")
	src, err := os.ReadFile("example_readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	body := string(src)
	at := 0
	for _, line := range block {
		i := strings.Index(body[at:], line)
		if i < 0 {
			t.Fatalf("README line %q is not in Example_readme (in order)", line)
		}
		at += i + len(line)
	}
}

// goBlock returns the trimmed, non-empty lines of the first ```go block of
// the file.
func goBlock(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case !in && line == "```go":
			in = true
		case in && line == "```":
			return lines
		case in && line != "":
			lines = append(lines, line)
		}
	}
	t.Fatalf("%s has no ```go block", path)
	return nil
}
