package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// Branches: fork makes a named in-memory branch of the store; the other
// tools work on it when given its name (branch); diff shows what it changed;
// merge applies that to the store in one commit. Branches live as long as
// the server.

type forkArgs struct {
	Branch string `json:"branch" jsonschema:"a name for the new branch"`
}

type forkResult struct {
	Branch  string `json:"branch"`
	Version uint64 `json:"version" jsonschema:"the store version the branch starts from"`
}

type diffArgs struct {
	Branch string `json:"branch,omitempty" jsonschema:"what this branch changed since it was forked (or last merged); omitted: between two versions of the store (from, to)"`
	Tenant string `json:"tenant,omitempty" jsonschema:"only changes within this tenant (and app, agent, run)"`
	App    string `json:"app,omitempty"`
	Agent  string `json:"agent,omitempty"`
	Run    string `json:"run,omitempty"`
	From   uint64 `json:"from,omitempty" jsonschema:"without branch: the older store version"`
	To     uint64 `json:"to,omitempty" jsonschema:"without branch: the newer store version (default: the newest)"`
	Limit  int    `json:"limit,omitempty" jsonschema:"at most this many changes (default 100, at most 1000)"`
}

type changeOut struct {
	Op string `json:"op" jsonschema:"put: the key's new value; delete: the key has no value any more (the value shown is the one it had)"`
	entryOut
}

type diffResult struct {
	Changes []changeOut `json:"changes" jsonschema:"in key order"`
	More    bool        `json:"more,omitempty" jsonschema:"true: more changes than limit"`
}

type mergeArgs struct {
	Branch string `json:"branch" jsonschema:"the branch to merge into the store"`
	Prefer string `json:"prefer,omitempty" jsonschema:"how a conflict (a key both changed differently) is decided: branch or store; omitted: a conflict fails the merge and changes nothing"`
	Drop   bool   `json:"drop,omitempty" jsonschema:"forget the branch once merged"`
}

type mergeResult struct {
	Version uint64 `json:"version" jsonschema:"the store version of the merge commit (the current version when there was nothing to merge)"`
}

// target is the store a tool works on: the server's store, or a branch.
func (m *memory) target(branch string) (*mvcc.Store, error) {
	if branch == "" {
		return m.store, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.branches[branch]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("%w: no branch %q (fork makes one)", core.ErrInvalidArgument, branch)
}

func (m *memory) fork(_ context.Context, a forkArgs) (forkResult, error) {
	if a.Branch == "" {
		return forkResult{}, fmt.Errorf("%w: a branch needs a name", core.ErrInvalidArgument)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.branches[a.Branch]; ok {
		return forkResult{}, fmt.Errorf("%w: branch %q exists", core.ErrInvalidArgument, a.Branch)
	}
	b, err := m.store.Fork()
	if err != nil {
		return forkResult{}, err
	}
	if m.branches == nil {
		m.branches = map[string]*mvcc.Store{}
	}
	m.branches[a.Branch] = b
	return forkResult{Branch: a.Branch, Version: b.Base().Version()}, nil
}

func (m *memory) diff(_ context.Context, a diffArgs) (diffResult, error) {
	limit, err := limitOf(a.Limit, 100)
	if err != nil {
		return diffResult{}, err
	}
	p := core.AllKeys()
	if a.Tenant != "" || a.App != "" || a.Agent != "" || a.Run != "" {
		if a.Tenant == "" {
			return diffResult{}, fmt.Errorf("%w: app, agent or run given without tenant", core.ErrInvalidArgument)
		}
		sc := scopeArgs{Tenant: a.Tenant, App: a.App, Agent: a.Agent, Run: a.Run}
		if p, err = sc.prefix(); err != nil {
			return diffResult{}, err
		}
	}
	var from, to *mvcc.Snapshot
	if a.Branch != "" {
		if a.From != 0 || a.To != 0 {
			return diffResult{}, fmt.Errorf("%w: a branch's diff takes no versions", core.ErrInvalidArgument)
		}
		b, err := m.target(a.Branch)
		if err != nil {
			return diffResult{}, err
		}
		from, to = b.Base(), b.Snapshot()
	} else {
		if a.From == 0 {
			return diffResult{}, fmt.Errorf("%w: give a branch, or the versions from (and to)", core.ErrInvalidArgument)
		}
		if from, err = m.store.SnapshotAt(a.From); err != nil {
			return diffResult{}, err
		}
		to = m.store.Snapshot()
		if a.To != 0 {
			if to, err = m.store.SnapshotAt(a.To); err != nil {
				return diffResult{}, err
			}
		}
	}
	res := diffResult{Changes: []changeOut{}}
	for c := range mvcc.Diff(from, to, mvcc.Within(p), mvcc.Limit(limit+1)) {
		if len(res.Changes) == limit {
			res.More = true
			break
		}
		res.Changes = append(res.Changes, changeOut{Op: opName(c.Op), entryOut: outOf(c.Key, c.Value)})
	}
	return res, nil
}

func (m *memory) merge(_ context.Context, a mergeArgs) (mergeResult, error) {
	b, err := m.target(a.Branch)
	if err != nil {
		return mergeResult{}, err
	}
	if a.Branch == "" {
		return mergeResult{}, fmt.Errorf("%w: which branch?", core.ErrInvalidArgument)
	}
	var opts []mvcc.MergeOption
	switch a.Prefer {
	case "":
	case "branch":
		opts = append(opts, mvcc.PreferFork())
	case "store":
		opts = append(opts, mvcc.PreferStore())
	default:
		return mergeResult{}, fmt.Errorf("%w: prefer %q: want branch or store", core.ErrInvalidArgument, a.Prefer)
	}
	v, err := m.store.Merge(b, opts...)
	var mc *mvcc.MergeConflict
	if errors.As(err, &mc) {
		keys := make([]string, 0, min(len(mc.Keys), 20))
		for _, k := range mc.Keys[:min(len(mc.Keys), 20)] {
			keys = append(keys, k.String())
		}
		return mergeResult{}, fmt.Errorf("%w: %d keys changed differently on both sides (nothing merged; merge again with prefer branch or store): %v", core.ErrConflict, len(mc.Keys), keys)
	}
	if err != nil {
		return mergeResult{}, err
	}
	if v == 0 {
		v = m.store.CurrentVersion()
	}
	if a.Drop {
		m.mu.Lock()
		delete(m.branches, a.Branch)
		m.mu.Unlock()
	}
	return mergeResult{Version: v}, nil
}
