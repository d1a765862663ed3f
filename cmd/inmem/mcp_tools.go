package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// memory is what the MCP tools work on: one open store, and the branches
// forked from it (mcp_branch.go).
type memory struct {
	store *mvcc.Store

	mu       sync.Mutex
	branches map[string]*mvcc.Store
}

// The tools' arguments. Every tool is a thin call of the library; bad
// arguments are tool errors (IsError results), never a failed server.

// scopeArgs names a namespace: tenant, app, agent, and a run.
type scopeArgs struct {
	Tenant string `json:"tenant" jsonschema:"the tenant (an organisation or user the memory belongs to)"`
	App    string `json:"app,omitempty" jsonschema:"the application"`
	Agent  string `json:"agent,omitempty" jsonschema:"the agent"`
	Run    string `json:"run,omitempty" jsonschema:"a run id (36-character UUID); omitted: the agent's long-term memory (kept under the zero run id) for a key, every run for a scope"`
	Branch string `json:"branch,omitempty" jsonschema:"work on this branch (made by fork) instead of the store"`
}

// namespace is the exact namespace of a key.
func (a scopeArgs) namespace() (core.Namespace, error) {
	run, err := parseRun(a.Run)
	if err != nil {
		return core.Namespace{}, err
	}
	return core.Namespace{Tenant: a.Tenant, App: a.App, Agent: a.Agent, RunID: run}, nil
}

// prefix is the widest scope the given fields name: tenant; tenant and app;
// ... (an empty field ends the scope).
func (a scopeArgs) prefix() (core.Prefix, error) {
	switch {
	case a.App == "":
		if a.Agent != "" || a.Run != "" {
			return core.Prefix{}, fmt.Errorf("%w: agent or run given without app", core.ErrInvalidArgument)
		}
		return core.TenantPrefix(a.Tenant), nil
	case a.Agent == "":
		if a.Run != "" {
			return core.Prefix{}, fmt.Errorf("%w: run given without agent", core.ErrInvalidArgument)
		}
		return core.AppPrefix(a.Tenant, a.App), nil
	case a.Run == "":
		return core.AgentPrefix(a.Tenant, a.App, a.Agent), nil
	}
	ns, err := a.namespace()
	if err != nil {
		return core.Prefix{}, err
	}
	return core.NamespacePrefix(ns), nil
}

type rememberArgs struct {
	scopeArgs
	Key    string          `json:"key" jsonschema:"the name to remember under"`
	Type   string          `json:"type,omitempty" jsonschema:"kv (default: a scratchpad entry), state (a state-machine record), run (the run's metadata; key ignored) or vector (an embedding)"`
	Note   string          `json:"note,omitempty" jsonschema:"a text note to store (give note, value or vector)"`
	Value  json.RawMessage `json:"value,omitempty" jsonschema:"any JSON value to store"`
	Vector []float32       `json:"vector,omitempty" jsonschema:"an embedding to store (type vector)"`
	TTL    string          `json:"ttl,omitempty" jsonschema:"forget it after this long: a Go duration such as 90s, 30m or 12h; omitted: never"`
}

type writeResult struct {
	Key     string `json:"key" jsonschema:"the key written, as inmem prints keys"`
	Version uint64 `json:"version" jsonschema:"the store version of the write"`
	Seq     uint64 `json:"seq,omitempty" jsonschema:"append_event: the event's sequence number"`
}

type recallArgs struct {
	scopeArgs
	Key    string `json:"key,omitempty" jsonschema:"one key to get; omitted: the entries under the scope"`
	Type   string `json:"type,omitempty" jsonschema:"kv (default for key), event, state, trace, run or vector; for a scope: only entries of this type"`
	Limit  int    `json:"limit,omitempty" jsonschema:"at most this many entries (default 20, at most 1000)"`
	Newest bool   `json:"newest,omitempty" jsonschema:"the most recently written entries under the scope, newest first (no cursor)"`
	Cursor string `json:"cursor,omitempty" jsonschema:"continue after a previous page: its cursor"`
}

type entryOut struct {
	Key       string          `json:"key"`
	Type      string          `json:"type"`
	Name      string          `json:"name" jsonschema:"the user key: a name, or an event's sequence number"`
	Version   uint64          `json:"version"`
	Timestamp time.Time       `json:"timestamp"`
	Expires   *time.Time      `json:"expires,omitempty"`
	Value     json.RawMessage `json:"value"`
}

type recallResult struct {
	Entries []entryOut `json:"entries"`
	Version uint64     `json:"version" jsonschema:"the store version the entries are read at"`
	Cursor  string     `json:"cursor,omitempty" jsonschema:"pass it back to get the next page; absent on the last page"`
}

type appendArgs struct {
	scopeArgs
	Note  string          `json:"note,omitempty" jsonschema:"a text event (give note or value)"`
	Value json.RawMessage `json:"value,omitempty" jsonschema:"any JSON value as the event"`
	TTL   string          `json:"ttl,omitempty" jsonschema:"forget it after this long (a Go duration); omitted: never"`
}

type keyArgs struct {
	scopeArgs
	Key   string `json:"key" jsonschema:"the key's name (an event's sequence number for type event or trace)"`
	Type  string `json:"type,omitempty" jsonschema:"kv (default), event, state, trace, run or vector"`
	Limit int    `json:"limit,omitempty" jsonschema:"history: at most this many versions (default 20, at most 1000)"`
}

type historyOut struct {
	Version   uint64          `json:"version"`
	Absent    bool            `json:"absent,omitempty" jsonschema:"true: from this version on the key had no value (deleted or expired)"`
	Timestamp *time.Time      `json:"timestamp,omitempty"`
	Expires   *time.Time      `json:"expires,omitempty"`
	Value     json.RawMessage `json:"value,omitempty"`
}

type historyResult struct {
	Key      string       `json:"key"`
	Versions []historyOut `json:"versions" jsonschema:"newest first"`
}

type forgetArgs struct {
	scopeArgs
	Key  string `json:"key,omitempty" jsonschema:"the key's name to delete"`
	Type string `json:"type,omitempty" jsonschema:"kv (default), event, state, trace, run or vector"`
	All  bool   `json:"all,omitempty" jsonschema:"delete every key under the scope instead (no key)"`
}

type forgetResult struct {
	Deleted int    `json:"deleted" jsonschema:"keys deleted"`
	Version uint64 `json:"version,omitempty" jsonschema:"the store version of the delete; absent when nothing was deleted"`
}

type listArgs struct {
	Branch string `json:"branch,omitempty" jsonschema:"list this branch's namespaces (made by fork) instead of the store's"`
	Tenant string `json:"tenant,omitempty" jsonschema:"only this tenant's namespaces"`
	App    string `json:"app,omitempty" jsonschema:"only this app's (with tenant)"`
	Agent  string `json:"agent,omitempty" jsonschema:"only this agent's (with tenant and app)"`
	Limit  int    `json:"limit,omitempty" jsonschema:"at most this many (default 100, at most 1000)"`
}

type namespaceOut struct {
	Tenant string `json:"tenant"`
	App    string `json:"app"`
	Agent  string `json:"agent"`
	Run    string `json:"run"`
}

type listResult struct {
	Namespaces []namespaceOut `json:"namespaces"`
}

const (
	defaultLimit = 20
	maxLimit     = 1000
)

// newMCPServer returns the MCP server of m's tools.
func newMCPServer(m *memory) *mcp.Server {
	srv := mcp.NewServer(&mcp.Implementation{Name: "inmem", Version: version()}, &mcp.ServerOptions{
		Instructions: "inmem is a versioned memory store for agents. Memory is scoped by tenant, app, agent and run. " +
			"remember stores a note or JSON value under a key (optionally with a TTL), recall reads a key or lists a scope, " +
			"append_event adds to the run's event log, history shows a key's past versions, forget deletes, " +
			"list_namespaces lists the scopes that hold memory, search finds the stored embeddings closest to a query vector. " +
			"fork makes a branch to try changes on (pass its name as branch to the other tools), diff shows what it changed, merge applies it.",
	})
	addTool(srv, "remember", "Store a note, a JSON value or an embedding under a key in a scope (tenant/app/agent/run), optionally forgotten after a TTL. Returns the key and the version of the write.", m.remember)
	addTool(srv, "recall", "Read memory: one key (key given), or the entries under a scope in key order, a page at a time (cursor), or the newest entries (newest). Returns the entries with their versions and timestamps.", m.recall)
	addTool(srv, "append_event", "Append a note or JSON value to the run's event log under the next sequence number (concurrent appenders never collide). Returns the event's key, sequence number and version.", m.appendEvent)
	addTool(srv, "history", "The versions of a key the store still holds, newest first, with where it had no value (deleted or expired).", m.history)
	addTool(srv, "forget", "Delete a key, or everything under a scope (all: true).", m.forget)
	addTool(srv, "search", "Find the stored embeddings (type vector) closest to a query vector under a scope, best first, with their scores.", m.search)
	addTool(srv, "fork", "Make a named branch of the memory: the tools given its name (branch) read and write it, never the store, until merge applies what it changed. Costs nothing whatever the store's size; lives as long as the server.", m.fork)
	addTool(srv, "diff", "What a branch changed (branch), or what changed between two store versions (from, to), key by key, optionally within a scope.", m.diff)
	addTool(srv, "merge", "Apply what a branch changed to the store in one commit. A key both changed differently is a conflict: the merge fails and changes nothing unless prefer says which side wins.", m.merge)
	addTool(srv, "list_namespaces", "The namespaces (tenant, app, agent, run) that hold memory, in order, optionally within a tenant, app or agent.", m.listNamespaces)
	return srv
}

// schemaOptions infer schemas from the argument types; a json.RawMessage
// is any JSON value.
var schemaOptions = &jsonschema.ForOptions{TypeSchemas: map[reflect.Type]*jsonschema.Schema{
	reflect.TypeFor[json.RawMessage](): {},
}}

// addTool adds a tool whose handler fn is protected: a panic becomes a tool
// error, as does every error fn returns, and arguments that do not decode.
//
// The arguments are decoded here, not by the SDK's typed handlers: those
// pass them through a map[string]any, which turns every number into a
// float64 and so changes integers above 2^53 that a caller stores.
func addTool[In, Out any](srv *mcp.Server, name, desc string, fn func(context.Context, In) (Out, error)) {
	in, err := jsonschema.For[In](schemaOptions)
	if err != nil {
		panic(fmt.Sprintf("tool %s: input schema: %v", name, err))
	}
	out, err := jsonschema.For[Out](schemaOptions)
	if err != nil {
		panic(fmt.Sprintf("tool %s: output schema: %v", name, err))
	}
	tool := &mcp.Tool{Name: name, Description: desc, InputSchema: in, OutputSchema: out}
	srv.AddTool(tool, func(ctx context.Context, req *mcp.CallToolRequest) (res *mcp.CallToolResult, err error) {
		defer func() {
			if r := recover(); r != nil {
				res, err = toolError(fmt.Errorf("%s: internal error: %v\n%s", name, r, debug.Stack())), nil
			}
		}()
		args, err := decodeArgs[In](in, req.Params.Arguments)
		if err != nil {
			return toolError(fmt.Errorf("%s: %w", name, err)), nil
		}
		o, err := fn(ctx, args)
		if err != nil {
			return toolError(fmt.Errorf("%s: %w", name, err)), nil
		}
		b, err := json.Marshal(o)
		if err != nil {
			return toolError(fmt.Errorf("%s: %w", name, err)), nil
		}
		return &mcp.CallToolResult{
			Content:           []mcp.Content{&mcp.TextContent{Text: string(b)}},
			StructuredContent: json.RawMessage(b),
		}, nil
	})
}

// decodeArgs decodes a tool's arguments: a JSON object with the properties
// the schema requires, no unknown ones, each of its type.
func decodeArgs[In any](schema *jsonschema.Schema, raw json.RawMessage) (In, error) {
	var args In
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage("{}")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return args, fmt.Errorf("%w: the arguments are not a JSON object", core.ErrInvalidArgument)
	}
	for _, name := range schema.Required {
		if _, ok := fields[name]; !ok {
			return args, fmt.Errorf("%w: argument %q is required", core.ErrInvalidArgument, name)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&args); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return args, fmt.Errorf("%w: argument %q: want a %s, not a JSON %s", core.ErrInvalidArgument, te.Field, te.Type, te.Value)
		}
		return args, fmt.Errorf("%w: %s", core.ErrInvalidArgument, strings.TrimPrefix(err.Error(), "json: "))
	}
	return args, nil
}

func toolError(err error) *mcp.CallToolResult {
	res := &mcp.CallToolResult{}
	res.SetError(err)
	return res
}

// valueOf reads the value of a remember or append_event call: exactly one
// of note, value and vector.
func valueOf(note string, raw json.RawMessage, vec []float32) (core.Value, error) {
	n := 0
	for _, given := range []bool{note != "", len(raw) > 0, vec != nil} {
		if given {
			n++
		}
	}
	if n != 1 {
		return core.Value{}, fmt.Errorf("%w: give exactly one of note, value and vector", core.ErrInvalidArgument)
	}
	switch {
	case note != "":
		return core.StringValue(note), nil
	case vec != nil:
		return core.VectorValue(vec), nil
	}
	var v core.Value
	if err := v.UnmarshalJSON(raw); err != nil {
		return core.Value{}, err
	}
	return v, nil
}

func parseTTL(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%w: ttl %q: want a Go duration such as 90s, 30m or 12h", core.ErrInvalidTTL, s)
	}
	return d, nil
}

// keyOf is the key of name in ns with type t ("" is def).
func keyOf(ns core.Namespace, t, def, name string) (core.Key, error) {
	if t == "" {
		t = def
	}
	tag, ok := typeByName(t)
	if !ok {
		return core.Key{}, fmt.Errorf("%w: unknown type %q (one of %s)", core.ErrInvalidArgument, t, typeNames())
	}
	if tag == core.TypeRunMetadata {
		return core.RunMetadataKey(ns), nil
	}
	uk, err := userKey(tag, name)
	if err != nil {
		return core.Key{}, err
	}
	return core.NewKey(ns, tag, uk), nil
}

func (m *memory) remember(_ context.Context, a rememberArgs) (writeResult, error) {
	ns, err := a.namespace()
	if err != nil {
		return writeResult{}, err
	}
	def := "kv"
	if a.Vector != nil {
		def = "vector"
	}
	if a.Key == "" && a.Type != "run" {
		return writeResult{}, fmt.Errorf("%w: key is required", core.ErrInvalidArgument)
	}
	k, err := keyOf(ns, a.Type, def, a.Key)
	if err != nil {
		return writeResult{}, err
	}
	if k.Type == core.TypeEvent {
		return writeResult{}, fmt.Errorf("%w: events are written with append_event", core.ErrInvalidArgument)
	}
	v, err := valueOf(a.Note, a.Value, a.Vector)
	if err != nil {
		return writeResult{}, err
	}
	ttl, err := parseTTL(a.TTL)
	if err != nil {
		return writeResult{}, err
	}
	st, err := m.target(a.Branch)
	if err != nil {
		return writeResult{}, err
	}
	ver, err := st.Put(k, v, ttl)
	if err != nil {
		return writeResult{}, err
	}
	return writeResult{Key: k.String(), Version: ver}, nil
}

func (m *memory) appendEvent(_ context.Context, a appendArgs) (writeResult, error) {
	ns, err := a.namespace()
	if err != nil {
		return writeResult{}, err
	}
	v, err := valueOf(a.Note, a.Value, nil)
	if err != nil {
		return writeResult{}, err
	}
	ttl, err := parseTTL(a.TTL)
	if err != nil {
		return writeResult{}, err
	}
	st, err := m.target(a.Branch)
	if err != nil {
		return writeResult{}, err
	}
	k, ver, err := st.Append(ns, v, ttl)
	if err != nil {
		return writeResult{}, err
	}
	return writeResult{Key: k.String(), Version: ver, Seq: binary.BigEndian.Uint64(k.UserKey)}, nil
}

func limitOf(n, def int) (int, error) {
	switch {
	case n == 0:
		return def, nil
	case n < 0 || n > maxLimit:
		return 0, fmt.Errorf("%w: limit %d: want 1 to %d", core.ErrInvalidArgument, n, maxLimit)
	}
	return n, nil
}

func outOf(k core.Key, vv core.VersionedValue) entryOut {
	e := entryOf(k, vv)
	name := string(k.UserKey)
	if s := k.String(); strings.HasPrefix(s, k.Namespace.String()+"/") {
		name = strings.TrimPrefix(s, k.Namespace.String()+"/"+k.Type.String()+"/")
	}
	if e.Text != "" {
		e.Value, _ = json.Marshal(e.Text)
	}
	return entryOut{Key: e.Key, Type: k.Type.String(), Name: name, Version: e.Version, Timestamp: e.Timestamp, Expires: e.Expires, Value: e.Value}
}

func (m *memory) recall(_ context.Context, a recallArgs) (recallResult, error) {
	limit, err := limitOf(a.Limit, defaultLimit)
	if err != nil {
		return recallResult{}, err
	}
	store, err := m.target(a.Branch)
	if err != nil {
		return recallResult{}, err
	}
	if a.Key != "" {
		if a.Cursor != "" || a.Newest {
			return recallResult{}, fmt.Errorf("%w: key reads one entry: no cursor or newest", core.ErrInvalidArgument)
		}
		ns, err := a.namespace()
		if err != nil {
			return recallResult{}, err
		}
		k, err := keyOf(ns, a.Type, "kv", a.Key)
		if err != nil {
			return recallResult{}, err
		}
		snap := store.Snapshot()
		vv, err := snap.Get(k)
		if errors.Is(err, core.ErrNotFound) {
			return recallResult{Entries: []entryOut{}, Version: snap.Version()}, nil
		}
		if err != nil {
			return recallResult{}, err
		}
		return recallResult{Entries: []entryOut{outOf(k, vv)}, Version: snap.Version()}, nil
	}
	p, err := a.prefix()
	if err != nil {
		return recallResult{}, err
	}
	var tag core.TypeTag
	typed := a.Type != ""
	if typed {
		var ok bool
		if tag, ok = typeByName(a.Type); !ok {
			return recallResult{}, fmt.Errorf("%w: unknown type %q (one of %s)", core.ErrInvalidArgument, a.Type, typeNames())
		}
	}
	snap := store.Snapshot()
	var opts []mvcc.ScanOption
	if a.Cursor != "" {
		if a.Newest {
			return recallResult{}, fmt.Errorf("%w: newest takes no cursor", core.ErrInvalidArgument)
		}
		v, after, err := parseCursor(a.Cursor)
		if err != nil {
			return recallResult{}, err
		}
		if snap, err = store.SnapshotAt(v); err != nil {
			if errors.Is(err, core.ErrCompacted) {
				return recallResult{}, fmt.Errorf("the cursor's version %d is no longer held: recall again without a cursor: %w", v, err)
			}
			return recallResult{}, err
		}
		opts = append(opts, mvcc.After(after))
	}
	scan := func(opts ...mvcc.ScanOption) func(func(core.Key, core.VersionedValue) bool) {
		if typed {
			return snap.ScanType(tag, append(opts, mvcc.Within(p))...)
		}
		return snap.Scan(p, opts...)
	}
	res := recallResult{Entries: []entryOut{}, Version: snap.Version()}
	if a.Newest {
		// The limit newest by version: one pass over the scope.
		var top []entryOut
		for k, vv := range scan() {
			if len(top) == limit && vv.Version <= top[len(top)-1].Version {
				continue
			}
			e := outOf(k, vv)
			i, _ := slices.BinarySearchFunc(top, e.Version, func(x entryOut, v uint64) int { return cmp.Compare(v, x.Version) })
			top = slices.Insert(top, i, e)
			if len(top) > limit {
				top = top[:limit]
			}
		}
		res.Entries = append(res.Entries, top...)
		return res, nil
	}
	var last core.Key
	for k, vv := range scan(append(opts, mvcc.Limit(limit+1))...) {
		if len(res.Entries) == limit {
			res.Cursor = cursorOf(snap.Version(), last)
			break
		}
		res.Entries = append(res.Entries, outOf(k, vv))
		last = k
	}
	return res, nil
}

// A cursor is the version a listing reads at and the last key it returned
// (docs/cli.md): base64url(uvarint version, key encoding).
func cursorOf(v uint64, k core.Key) string {
	b := binary.AppendUvarint(nil, v)
	return base64.RawURLEncoding.EncodeToString(append(b, k.Encode()...))
}

func parseCursor(s string) (uint64, core.Key, error) {
	bad := fmt.Errorf("%w: cursor %q is not one recall returned", core.ErrInvalidArgument, s)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, core.Key{}, bad
	}
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, core.Key{}, bad
	}
	k, err := core.DecodeKey(b[n:])
	if err != nil {
		return 0, core.Key{}, bad
	}
	return v, k, nil
}

func (m *memory) history(_ context.Context, a keyArgs) (historyResult, error) {
	limit, err := limitOf(a.Limit, defaultLimit)
	if err != nil {
		return historyResult{}, err
	}
	ns, err := a.namespace()
	if err != nil {
		return historyResult{}, err
	}
	k, err := keyOf(ns, a.Type, "kv", a.Key)
	if err != nil {
		return historyResult{}, err
	}
	st, err := m.target(a.Branch)
	if err != nil {
		return historyResult{}, err
	}
	res := historyResult{Key: k.String(), Versions: []historyOut{}}
	for h, err := range keyHistory(st, k) {
		if err != nil {
			return historyResult{}, err
		}
		if h.absent {
			res.Versions = append(res.Versions, historyOut{Version: h.version, Absent: true})
		} else {
			e := outOf(k, h.value)
			res.Versions = append(res.Versions, historyOut{Version: e.Version, Timestamp: &e.Timestamp, Expires: e.Expires, Value: e.Value})
		}
		if len(res.Versions) == limit {
			break
		}
	}
	return res, nil
}

func (m *memory) forget(_ context.Context, a forgetArgs) (forgetResult, error) {
	st, err := m.target(a.Branch)
	if err != nil {
		return forgetResult{}, err
	}
	if a.All {
		if a.Key != "" {
			return forgetResult{}, fmt.Errorf("%w: all deletes a whole scope: no key", core.ErrInvalidArgument)
		}
		p, err := a.prefix()
		if err != nil {
			return forgetResult{}, err
		}
		n, v, err := st.DeletePrefix(p)
		if err != nil {
			return forgetResult{}, err
		}
		return forgetResult{Deleted: n, Version: v}, nil
	}
	if a.Key == "" && a.Type != "run" {
		return forgetResult{}, fmt.Errorf("%w: key is required (or all: true for the whole scope)", core.ErrInvalidArgument)
	}
	ns, err := a.namespace()
	if err != nil {
		return forgetResult{}, err
	}
	k, err := keyOf(ns, a.Type, "kv", a.Key)
	if err != nil {
		return forgetResult{}, err
	}
	if _, err := st.Delete(k); err != nil {
		if errors.Is(err, core.ErrNotFound) {
			return forgetResult{}, nil
		}
		return forgetResult{}, err
	}
	return forgetResult{Deleted: 1, Version: st.CurrentVersion()}, nil
}

func (m *memory) listNamespaces(_ context.Context, a listArgs) (listResult, error) {
	limit, err := limitOf(a.Limit, 100)
	if err != nil {
		return listResult{}, err
	}
	var p core.Prefix
	switch {
	case a.Tenant == "" && a.App == "" && a.Agent == "":
		p = core.AllKeys()
	case a.Tenant == "":
		return listResult{}, fmt.Errorf("%w: app or agent given without tenant", core.ErrInvalidArgument)
	default:
		if p, err = (scopeArgs{Tenant: a.Tenant, App: a.App, Agent: a.Agent}).prefix(); err != nil {
			return listResult{}, err
		}
	}
	st, err := m.target(a.Branch)
	if err != nil {
		return listResult{}, err
	}
	res := listResult{Namespaces: []namespaceOut{}}
	for ns := range st.Namespaces(p) {
		res.Namespaces = append(res.Namespaces, namespaceOut{Tenant: ns.Tenant, App: ns.App, Agent: ns.Agent, Run: ns.RunID.String()})
		if len(res.Namespaces) == limit {
			break
		}
	}
	return res, nil
}
