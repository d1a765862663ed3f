package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// fork, diff and merge through a real server: a branch's writes stay on the
// branch until merge applies them in one commit; a conflict fails the merge
// unless prefer decides it.
func TestMCPBranches(t *testing.T) {
	cs, ctx := mcpSession(t, filepath.Join(t.TempDir(), "memory"))
	mustCall(t, ctx, cs, "remember", scope(map[string]any{"key": "plan", "note": "ask billing"}), nil)

	var f forkResult
	mustCall(t, ctx, cs, "fork", map[string]any{"branch": "try"}, &f)
	if f.Branch != "try" || f.Version != 1 {
		t.Fatalf("fork: %+v", f)
	}
	if msg := call(t, ctx, cs, "fork", map[string]any{"branch": "try"}, nil); !strings.Contains(msg, `branch "try" exists`) {
		t.Fatalf("fork twice: %q", msg)
	}
	mustCall(t, ctx, cs, "remember", scope(map[string]any{"key": "plan", "note": "refund", "branch": "try"}), nil)
	mustCall(t, ctx, cs, "append_event", scope(map[string]any{"note": "tried a refund", "branch": "try"}), nil)

	var r recallResult
	mustCall(t, ctx, cs, "recall", scope(map[string]any{"key": "plan"}), &r)
	if string(r.Entries[0].Value) != `"ask billing"` {
		t.Fatalf("the store sees the branch's write: %+v", r)
	}
	mustCall(t, ctx, cs, "recall", scope(map[string]any{"key": "plan", "branch": "try"}), &r)
	if string(r.Entries[0].Value) != `"refund"` {
		t.Fatalf("the branch does not see its write: %+v", r)
	}

	var d diffResult
	mustCall(t, ctx, cs, "diff", map[string]any{"branch": "try"}, &d)
	if len(d.Changes) != 2 || d.Changes[0].Op != "put" || d.Changes[0].Name != "plan" || d.Changes[1].Type != "event" {
		t.Fatalf("diff: %+v", d)
	}
	mustCall(t, ctx, cs, "diff", map[string]any{"branch": "try", "tenant": "globex"}, &d)
	if len(d.Changes) != 0 {
		t.Fatalf("diff within another tenant: %+v", d)
	}

	var m mergeResult
	mustCall(t, ctx, cs, "merge", map[string]any{"branch": "try"}, &m)
	if m.Version != 2 {
		t.Fatalf("merge: %+v (one commit after version 1)", m)
	}
	mustCall(t, ctx, cs, "recall", scope(map[string]any{"key": "plan"}), &r)
	if string(r.Entries[0].Value) != `"refund"` {
		t.Fatalf("after merge: %+v", r)
	}
	mustCall(t, ctx, cs, "diff", map[string]any{"from": 1, "to": 2}, &d)
	if len(d.Changes) != 2 {
		t.Fatalf("diff of store versions: %+v", d)
	}

	// A conflict: both sides change plan.
	mustCall(t, ctx, cs, "remember", scope(map[string]any{"key": "plan", "note": "escalate", "branch": "try"}), nil)
	mustCall(t, ctx, cs, "remember", scope(map[string]any{"key": "plan", "note": "close"}), nil)
	msg := call(t, ctx, cs, "merge", map[string]any{"branch": "try"}, nil)
	if !strings.Contains(msg, "conflict") || !strings.Contains(msg, "/kv/plan") {
		t.Fatalf("conflicting merge: %q", msg)
	}
	mustCall(t, ctx, cs, "recall", scope(map[string]any{"key": "plan"}), &r)
	if string(r.Entries[0].Value) != `"close"` {
		t.Fatalf("a refused merge changed the store: %+v", r)
	}
	mustCall(t, ctx, cs, "merge", map[string]any{"branch": "try", "prefer": "branch", "drop": true}, &m)
	mustCall(t, ctx, cs, "recall", scope(map[string]any{"key": "plan"}), &r)
	if string(r.Entries[0].Value) != `"escalate"` {
		t.Fatalf("prefer branch: %+v", r)
	}
	if msg := call(t, ctx, cs, "recall", scope(map[string]any{"key": "plan", "branch": "try"}), nil); !strings.Contains(msg, `no branch "try"`) {
		t.Fatalf("a dropped branch: %q", msg)
	}

	for _, c := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"fork", map[string]any{"branch": ""}, "needs a name"},
		{"merge", map[string]any{"branch": "nope"}, `no branch "nope"`},
		{"merge", map[string]any{"branch": ""}, "which branch"},
		{"diff", map[string]any{}, "give a branch, or the versions"},
		{"diff", map[string]any{"from": 999}, "not found"},
		{"diff", map[string]any{"app": "x", "from": 1}, "without tenant"},
	} {
		if msg := call(t, ctx, cs, c.tool, c.args, nil); !strings.Contains(msg, c.want) {
			t.Errorf("%s(%v): %q, want one containing %q", c.tool, c.args, msg, c.want)
		}
	}
}
