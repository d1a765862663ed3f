package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/inmemdb/inmem/mvcc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// No argument crashes the server: every tool, called with arguments of
// every wrong shape, answers (a tool error or a result), and the server
// answers the next call.
func TestMCPArgumentsNeverCrash(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	store := mvcc.New()
	st, ct := mcp.NewInMemoryTransports()
	srv := newMCPServer(&memory{store: store})
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "v0"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()

	junk := []any{nil, true, -1, 1e308, "x", "", []any{1, "a"}, map[string]any{"a": map[string]any{}}, 9007199254740993,
		"00000000-0000-0000-0000-000000000000", "NaN", "-5s", "999999h"}
	fields := []string{"tenant", "app", "agent", "run", "key", "type", "note", "value", "vector", "ttl", "limit", "newest", "cursor", "all", "k", "metric", "min_score", "exact", "branch", "from", "to", "prefer", "drop"}
	tools := []string{"remember", "recall", "append_event", "history", "forget", "list_namespaces", "search", "fork", "diff", "merge"}
	calls, toolErrors := 0, 0
	for _, tool := range tools {
		for _, f := range fields {
			for _, j := range junk {
				args := map[string]any{"tenant": "t", "app": "a", "agent": "g", "key": "k", f: j}
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
				if err != nil {
					t.Fatalf("%s(%v): protocol error: %v", tool, args, err)
				}
				calls++
				if res.IsError {
					toolErrors++
				} else if len(res.Content) != 1 || !json.Valid([]byte(res.Content[0].(*mcp.TextContent).Text)) {
					t.Fatalf("%s(%v): a result that is not one JSON text: %+v", tool, args, res.Content)
				}
			}
		}
		// Arguments that are not an object at all.
		for _, raw := range []any{[]any{1}, "x", 3} {
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: raw})
			if err == nil && !res.IsError {
				t.Errorf("%s(%v): accepted", tool, raw)
			}
		}
	}
	if err := cs.Ping(ctx, nil); err != nil {
		t.Fatalf("the server stopped answering: %v", err)
	}
	t.Logf("%d calls, %d tool errors, the store at version %d", calls, toolErrors, store.CurrentVersion())
}
