package main

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/inmemdb/inmem/core"
)

// parseKey reads back what Key.String prints, for every type and for user
// keys that print as they are, as a sequence number or quoted.
func TestParseKeyReadsKeyString(t *testing.T) {
	ns := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: core.RunID{0xab, 1}}
	zero := core.Namespace{Tenant: "t", App: "", Agent: "a"}
	keys := []core.Key{
		core.KVKey(ns, "hypothesis"),
		core.KVKey(ns, "with/slash"),
		core.KVKey(ns, ""),
		core.KVKey(ns, "two words"),
		core.KVKey(ns, `"quoted"`),
		core.KVKey(ns, "42"),
		core.NewKey(ns, core.TypeKV, []byte{0, 1, 0xff}),
		core.EventKey(ns, 0),
		core.EventKey(ns, 42),
		core.EventKey(ns, 1<<63),
		core.NewKey(ns, core.TypeEvent, []byte("abc")),
		core.StateKey(ns, "ticket"),
		core.TraceKey(ns, 7),
		core.RunMetadataKey(ns),
		core.VectorKey(ns, "embedding"),
		core.KVKey(zero, "x"),
	}
	for _, k := range keys {
		got, err := parseKey(k.String())
		if err != nil {
			t.Errorf("parseKey(%q): %v", k.String(), err)
			continue
		}
		if !got.Equal(k) {
			t.Errorf("parseKey(%q) = %v (user key %q), want user key %q", k.String(), got, got.UserKey, k.UserKey)
		}
	}
	// A user key "12" of an event (not 8 bytes) prints as 12, which reads back as the
	// sequence number 12: quote it to mean the bytes.
	got, err := parseKey(`acme/support/triage/` + ns.RunID.String() + `/event/"12"`)
	if err != nil || string(got.UserKey) != "12" {
		t.Errorf("quoted event user key: %v, %v", got, err)
	}
	got, err = parseKey(`acme/support/triage/` + ns.RunID.String() + `/event/12`)
	if err != nil || binary.BigEndian.Uint64(got.UserKey) != 12 {
		t.Errorf("event sequence: %v, %v", got, err)
	}
}

func TestParseKeyRefuses(t *testing.T) {
	run := core.RunID{1}.String()
	for _, s := range []string{
		"",
		"acme",
		"acme/support/triage",
		"acme/support/triage/" + run,
		"acme/support/triage/" + run + "/kv",
		"acme/support/triage/not-a-run/kv/x",
		"acme/support/triage/" + run + "/KV/x",
		"acme/support/triage/" + run + `/kv/"unterminated`,
	} {
		if _, err := parseKey(s); !errors.Is(err, core.ErrInvalidKey) {
			t.Errorf("parseKey(%q): %v, want ErrInvalidKey", s, err)
		}
	}
}

// parseWithin reads every level of scope, and what Prefix.String prints.
func TestParseWithin(t *testing.T) {
	ns := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: core.RunID{2}}
	cases := map[string]core.Prefix{
		"":                      core.AllKeys(),
		"*":                     core.AllKeys(),
		"acme":                  core.TenantPrefix("acme"),
		"acme/*":                core.TenantPrefix("acme"),
		"acme/support":          core.AppPrefix("acme", "support"),
		"acme/support/":         core.AppPrefix("acme", "support"),
		"acme/support/triage/*": core.AgentPrefix("acme", "support", "triage"),
		ns.String():             core.NamespacePrefix(ns),
		ns.String() + "/event":  core.KeyPrefix(core.NewKey(ns, core.TypeEvent, nil)),
		ns.String() + "/kv/hyp": core.KeyPrefix(core.KVKey(ns, "hyp")),
	}
	for s, want := range cases {
		got, err := parseWithin(s)
		if err != nil {
			t.Errorf("parseWithin(%q): %v", s, err)
			continue
		}
		if got.String() != want.String() {
			t.Errorf("parseWithin(%q) = %s, want %s", s, got, want)
		}
	}
	for _, p := range []core.Prefix{core.TenantPrefix("acme"), core.AppPrefix("a", "b"), core.AgentPrefix("a", "b", "c"), core.NamespacePrefix(ns)} {
		got, err := parseWithin(p.String())
		if err != nil || got.String() != p.String() {
			t.Errorf("parseWithin(%q) = %s, %v", p.String(), got, err)
		}
	}
	for _, s := range []string{"a/b/c/nope", "a/b/c/" + ns.RunID.String() + "/blob"} {
		if _, err := parseWithin(s); err == nil {
			t.Errorf("parseWithin(%q): no error", s)
		}
	}
}
