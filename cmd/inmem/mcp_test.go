package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpSession starts `inmem mcp dir` as a child process and connects the
// SDK's client to it over stdio. The session is closed (and the child
// waited for) at the end of the test.
func mcpSession(t *testing.T, dir string, flags ...string) (*mcp.ClientSession, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	bin, err := exec.LookPath("inmem") // set up by testscript.Main in TestMain
	if err != nil {
		t.Fatalf("the inmem command is not on PATH: %v", err)
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "inmem-test", Version: "v0"}, nil)
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: exec.Command(bin, append(append([]string{"mcp"}, flags...), dir)...)}, nil)
	if err != nil {
		t.Fatalf("connect to inmem mcp: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs, ctx
}

// call calls a tool and decodes its structured result into out (when out
// is not nil). It fails the test on a protocol error; a tool error is
// returned as the text of the result.
func call(t *testing.T, ctx context.Context, cs *mcp.ClientSession, name string, args map[string]any, out any) string {
	t.Helper()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error: %v", name, err)
	}
	if res.IsError {
		var texts []string
		for _, c := range res.Content {
			if tc, ok := c.(*mcp.TextContent); ok {
				texts = append(texts, tc.Text)
			}
		}
		return strings.Join(texts, "\n")
	}
	if out != nil {
		// The text content holds the result's JSON as the server wrote it
		// (the client decodes StructuredContent into float64 numbers).
		if len(res.Content) != 1 {
			t.Fatalf("%s: %d contents, want 1", name, len(res.Content))
		}
		b := []byte(res.Content[0].(*mcp.TextContent).Text)
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: result %s: %v", name, b, err)
		}
	}
	return ""
}

func mustCall(t *testing.T, ctx context.Context, cs *mcp.ClientSession, name string, args map[string]any, out any) {
	t.Helper()
	if msg := call(t, ctx, cs, name, args, out); msg != "" {
		t.Fatalf("%s(%v): tool error: %s", name, args, msg)
	}
}

const testRun = "0b8f3c52-7d1e-4a8b-9c3f-1e2d3c4b5a69"

func scope(extra map[string]any) map[string]any {
	m := map[string]any{"tenant": "acme", "app": "support", "agent": "triage", "run": testRun}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// An MCP client session with a real `inmem mcp` child process: it lists the
// tools, and remembers, recalls, appends, lists, shows history and forgets
// through them; what it wrote is in the directory afterwards.
func TestMCPEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "memory")
	cs, ctx := mcpSession(t, dir)

	var names []string
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	want := []string{"append_event", "diff", "forget", "fork", "history", "list_namespaces", "merge", "recall", "remember", "search"}
	if !slices.Equal(names, want) {
		t.Fatalf("tools %v, want %v", names, want)
	}

	var w writeResult
	mustCall(t, ctx, cs, "remember", scope(map[string]any{"key": "hypothesis", "note": "dns"}), &w)
	if w.Version != 1 || w.Key != "acme/support/triage/"+testRun+"/kv/hypothesis" {
		t.Fatalf("remember: %+v", w)
	}
	mustCall(t, ctx, cs, "remember", scope(map[string]any{"key": "hypothesis", "value": map[string]any{"cause": "billing sync", "confidence": 9007199254740993}}), &w)
	mustCall(t, ctx, cs, "remember", scope(map[string]any{"key": "scratch", "note": "short-lived", "ttl": "1h"}), &w)
	mustCall(t, ctx, cs, "remember", map[string]any{"tenant": "acme", "app": "support", "agent": "triage", "key": "preference", "note": "terse replies"}, &w)
	if w.Key != "acme/support/triage/00000000-0000-0000-0000-000000000000/kv/preference" {
		t.Fatalf("long-term memory under the zero run: %+v", w)
	}

	var ev writeResult
	for i, note := range []string{"ticket received", "reply sent"} {
		mustCall(t, ctx, cs, "append_event", scope(map[string]any{"note": note}), &ev)
		if ev.Seq != uint64(i+1) {
			t.Fatalf("append_event %d: %+v", i, ev)
		}
	}

	var r recallResult
	mustCall(t, ctx, cs, "recall", scope(map[string]any{"key": "hypothesis"}), &r)
	if len(r.Entries) != 1 || r.Entries[0].Version != 2 || string(r.Entries[0].Value) != `{"cause":"billing sync","confidence":9007199254740993}` {
		t.Fatalf("recall key: %+v", r)
	}
	mustCall(t, ctx, cs, "recall", scope(map[string]any{"key": "2", "type": "event"}), &r)
	if len(r.Entries) != 1 || string(r.Entries[0].Value) != `"reply sent"` || r.Entries[0].Name != "2" {
		t.Fatalf("recall event: %+v", r)
	}
	mustCall(t, ctx, cs, "recall", scope(map[string]any{"key": "never"}), &r)
	if len(r.Entries) != 0 {
		t.Fatalf("recall of an absent key: %+v", r)
	}

	// The agent's scope, all runs, a page at a time.
	agent := map[string]any{"tenant": "acme", "app": "support", "agent": "triage", "limit": 2}
	var keys []string
	cursor := ""
	for page := 0; ; page++ {
		args := cloneArgs(agent)
		if cursor != "" {
			args["cursor"] = cursor
		}
		r = recallResult{}
		mustCall(t, ctx, cs, "recall", args, &r)
		for _, e := range r.Entries {
			keys = append(keys, e.Key)
		}
		if r.Cursor == "" {
			break
		}
		cursor = r.Cursor
		if page > 10 {
			t.Fatalf("recall pages never end: %v", keys)
		}
	}
	wantKeys := []string{
		"acme/support/triage/00000000-0000-0000-0000-000000000000/kv/preference",
		"acme/support/triage/" + testRun + "/kv/hypothesis",
		"acme/support/triage/" + testRun + "/kv/scratch",
		"acme/support/triage/" + testRun + "/event/1",
		"acme/support/triage/" + testRun + "/event/2",
	}
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("recall pages: %v, want %v", keys, wantKeys)
	}
	mustCall(t, ctx, cs, "recall", scope(map[string]any{"newest": true, "limit": 2}), &r)
	if len(r.Entries) != 2 || r.Entries[0].Name != "2" || r.Entries[1].Name != "1" {
		t.Fatalf("recall newest: %+v", r)
	}
	mustCall(t, ctx, cs, "recall", scope(map[string]any{"type": "event"}), &r)
	if len(r.Entries) != 2 {
		t.Fatalf("recall of a type: %+v", r)
	}

	var h historyResult
	mustCall(t, ctx, cs, "history", scope(map[string]any{"key": "hypothesis"}), &h)
	if len(h.Versions) != 2 || h.Versions[0].Version != 2 || string(h.Versions[1].Value) != `"dns"` {
		t.Fatalf("history: %+v", h)
	}

	mustCall(t, ctx, cs, "remember", map[string]any{"tenant": "globex", "app": "ops", "agent": "pager", "key": "oncall", "note": "ana"}, &w)
	var l listResult
	mustCall(t, ctx, cs, "list_namespaces", map[string]any{}, &l)
	if len(l.Namespaces) != 3 || l.Namespaces[0].Run != "00000000-0000-0000-0000-000000000000" || l.Namespaces[2].Tenant != "globex" {
		t.Fatalf("list_namespaces: %+v", l)
	}
	mustCall(t, ctx, cs, "list_namespaces", map[string]any{"tenant": "acme"}, &l)
	if len(l.Namespaces) != 2 {
		t.Fatalf("list_namespaces of a tenant: %+v", l)
	}

	var f forgetResult
	mustCall(t, ctx, cs, "forget", scope(map[string]any{"key": "hypothesis"}), &f)
	if f.Deleted != 1 {
		t.Fatalf("forget: %+v", f)
	}
	mustCall(t, ctx, cs, "history", scope(map[string]any{"key": "hypothesis"}), &h)
	if len(h.Versions) != 3 || !h.Versions[0].Absent {
		t.Fatalf("history after forget: %+v", h)
	}
	mustCall(t, ctx, cs, "forget", map[string]any{"tenant": "globex", "all": true}, &f)
	if f.Deleted != 1 {
		t.Fatalf("forget all: %+v", f)
	}

	// What the session wrote is in the directory once the server exits.
	if err := cs.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	out, err := exec.Command("inmem", "dump", dir).Output()
	if err != nil {
		t.Fatalf("inmem dump: %v", err)
	}
	if got := strings.Count(string(out), "\n"); got != 4 {
		t.Fatalf("dump after the session: %d entries, want 4:\n%s", got, out)
	}
}

func cloneArgs(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// search finds the stored embeddings closest to a query, exactly without an
// index and through one with --vector-index; a vector of the wrong length
// under an index is refused.
func TestMCPSearch(t *testing.T) {
	for _, flags := range [][]string{nil, {"--vector-index", "acme=3:cosine"}} {
		t.Run(fmt.Sprint(len(flags) > 0), func(t *testing.T) {
			cs, ctx := mcpSession(t, filepath.Join(t.TempDir(), "memory"), flags...)
			vecs := map[string][]float32{"north": {0, 1, 0}, "east": {1, 0, 0}, "northeast": {0.7, 0.7, 0}, "up": {0, 0, 1}}
			for name, v := range vecs {
				mustCall(t, ctx, cs, "remember", scope(map[string]any{"key": name, "vector": v}), nil)
			}
			var r searchResult
			mustCall(t, ctx, cs, "search", map[string]any{"tenant": "acme", "vector": []float32{0.1, 1, 0}, "k": 2}, &r)
			if len(r.Hits) != 2 || r.Hits[0].Name != "north" || r.Hits[1].Name != "northeast" || r.Hits[0].Score < r.Hits[1].Score {
				t.Fatalf("search: %+v", r)
			}
			if r.Hits[0].Type != "vector" || string(r.Hits[0].Value) != "[0.0,1.0,0.0]" {
				t.Fatalf("search hit: %+v (value %s)", r.Hits[0], r.Hits[0].Value)
			}
			mustCall(t, ctx, cs, "search", scope(map[string]any{"vector": []float32{0.1, 1, 0}, "min_score": 0.9, "exact": true, "metric": "cosine"}), &r)
			if len(r.Hits) != 1 || r.Hits[0].Name != "north" {
				t.Fatalf("search with min_score: %+v", r)
			}
			msg := call(t, ctx, cs, "remember", scope(map[string]any{"key": "flat", "vector": []float32{1, 2}}), nil)
			if (len(flags) > 0) != strings.Contains(msg, "invalid value") {
				t.Fatalf("a 2-vector under a 3-dimension index: %q", msg)
			}
		})
	}
}

// Bad arguments are tool errors with a clear message; the server goes on.
func TestMCPBadArguments(t *testing.T) {
	cs, ctx := mcpSession(t, filepath.Join(t.TempDir(), "memory"))
	cases := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"remember", scope(map[string]any{"key": "k"}), "exactly one of note, value and vector"},
		{"remember", scope(map[string]any{"key": "k", "note": "a", "value": 1}), "exactly one of note, value and vector"},
		{"remember", scope(map[string]any{"note": "a"}), `argument "key" is required`},
		{"remember", scope(map[string]any{"key": "k", "note": "a", "colour": "red"}), `unknown field "colour"`},
		{"remember", scope(map[string]any{"key": "k", "note": "a", "ttl": "soon"}), "ttl \"soon\""},
		{"remember", scope(map[string]any{"key": "k", "note": "a", "ttl": "-1s"}), "ttl \"-1s\""},
		{"remember", scope(map[string]any{"key": "k", "note": "a", "type": "blob"}), "unknown type \"blob\""},
		{"remember", scope(map[string]any{"key": "1", "note": "a", "type": "event"}), "append_event"},
		{"remember", scope(map[string]any{"key": "k", "note": "a", "run": "not-a-uuid"}), "run id"},
		{"remember", map[string]any{"key": "k", "note": "a"}, "tenant"},
		{"remember", scope(map[string]any{"key": 7, "note": "a"}), `argument "key": want a string, not a JSON number`},
		{"append_event", scope(nil), "exactly one of note, value and vector"},
		{"recall", scope(map[string]any{"limit": -1}), "limit -1"},
		{"recall", scope(map[string]any{"limit": 5000}), "limit 5000"},
		{"recall", scope(map[string]any{"cursor": "garbage!"}), "cursor"},
		{"recall", scope(map[string]any{"cursor": "AQ"}), "cursor"},
		{"recall", scope(map[string]any{"key": "k", "newest": true}), "no cursor or newest"},
		{"recall", map[string]any{"tenant": "acme", "agent": "triage"}, "agent or run given without app"},
		{"history", scope(map[string]any{"key": "k", "type": "nope"}), "unknown type"},
		{"forget", scope(nil), "key is required"},
		{"forget", scope(map[string]any{"key": "k", "all": true}), "no key"},
		{"list_namespaces", map[string]any{"app": "support"}, "without tenant"},
		{"search", map[string]any{"tenant": "acme"}, `argument "vector" is required`},
		{"search", map[string]any{"tenant": "acme", "vector": []float32{}}, "invalid argument"},
		{"search", map[string]any{"tenant": "acme", "vector": []float32{1}, "k": -3}, "limit -3"},
		{"search", map[string]any{"tenant": "acme", "vector": []float32{1}, "metric": "manhattan"}, `unknown metric "manhattan"`},
		{"search", map[string]any{"tenant": "acme", "vector": []any{"a"}}, `argument "vector"`},
		{"nonexistent_tool", map[string]any{}, ""},
	}
	for _, c := range cases {
		if c.tool == "nonexistent_tool" {
			if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: c.tool, Arguments: c.args}); err == nil {
				t.Errorf("%s: no error", c.tool)
			}
			continue
		}
		msg := call(t, ctx, cs, c.tool, c.args, nil)
		if msg == "" || !strings.Contains(msg, c.want) {
			t.Errorf("%s(%v): tool error %q, want one containing %q", c.tool, c.args, msg, c.want)
		}
	}
	// The server is still serving.
	var w writeResult
	mustCall(t, ctx, cs, "remember", scope(map[string]any{"key": "k", "note": "still here"}), &w)
	if w.Version != 1 {
		t.Fatalf("after the bad calls: %+v (nothing they did may have written)", w)
	}
}
