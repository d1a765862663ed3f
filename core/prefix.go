package core

import (
	"fmt"
	"strings"
)

// Prefix selects keys by a leading part of their identity, at one level of the
// hierarchy tenant / app / agent / run / type / user key. The keys a Prefix
// matches are one contiguous range of the key order: exactly the keys whose
// encoding starts with the bytes AppendEncode appends, so a store serves a
// Prefix with a seek and a bounded scan, never a filter over everything.
//
// The zero Prefix matches every key, as AllKeys does, wherever a Prefix
// selects keys to read or watch; it is not AllKeys (IsZero tells them
// apart), so that an operation that destroys what it selects
// (mvcc.Store.DeletePrefix) can refuse a Prefix nobody set. A Prefix is an
// immutable value; it is safe for concurrent use.
type Prefix struct {
	level prefixLevel
	key   Key // the fields the level names; the rest are zero
}

// prefixLevel is how much of a key's identity a Prefix fixes.
type prefixLevel uint8

const (
	levelZero      prefixLevel = iota // the zero Prefix: every key, as levelAll
	levelAll                          // nothing: every key
	levelTenant                       // tenant
	levelApp                          // tenant, app
	levelAgent                        // tenant, app, agent
	levelNamespace                    // the whole namespace
	levelKey                          // namespace, type and a user key prefix
)

// AllKeys returns the Prefix that matches every key. It matches what the
// zero Prefix matches, but it is not the zero Prefix: it says "every key" on
// purpose.
func AllKeys() Prefix { return Prefix{level: levelAll} }

// IsZero reports whether p is the zero Prefix, which no constructor returns:
// a Prefix left unset. It matches every key; a store refuses it where
// matching every key by mistake would destroy data (mvcc's DeletePrefix).
func (p Prefix) IsZero() bool { return p.level == levelZero }

// TenantPrefix returns the Prefix of every key of tenant: all its apps,
// agents and runs.
func TenantPrefix(tenant string) Prefix {
	return Prefix{level: levelTenant, key: Key{Namespace: Namespace{Tenant: tenant}}}
}

// AppPrefix returns the Prefix of every key of one app of tenant.
func AppPrefix(tenant, app string) Prefix {
	return Prefix{level: levelApp, key: Key{Namespace: Namespace{Tenant: tenant, App: app}}}
}

// AgentPrefix returns the Prefix of every key of one agent, across all of its
// runs: the agent's long-term memory.
func AgentPrefix(tenant, app, agent string) Prefix {
	return Prefix{level: levelAgent, key: Key{Namespace: Namespace{Tenant: tenant, App: app, Agent: agent}}}
}

// NamespacePrefix returns the Prefix of every key of one run (the namespace
// ns), of every type.
func NamespacePrefix(ns Namespace) Prefix {
	return Prefix{level: levelNamespace, key: Key{Namespace: ns}}
}

// KeyPrefix returns the Prefix of the keys x with x.HasPrefix(k): the keys of
// k's namespace and type whose user key starts with k's. It is what a
// ScanPrefix(k) returns. KeyPrefix copies k.UserKey, so the caller may reuse
// it. When k's TypeTag is not valid the Prefix is invalid: it matches no key,
// Err reports ErrInvalidKey and a store refuses it.
func KeyPrefix(k Key) Prefix {
	if len(k.UserKey) > 0 {
		k.UserKey = append([]byte(nil), k.UserKey...)
	} else {
		k.UserKey = nil
	}
	return Prefix{level: levelKey, key: k}
}

// Valid reports whether p can select keys: every Prefix is valid except a
// KeyPrefix of a key with an invalid TypeTag.
func (p Prefix) Valid() bool {
	return p.level != levelKey || p.key.Type.Valid()
}

// Err returns nil for a valid Prefix, and for an invalid one an error
// wrapping ErrInvalidKey that names the bad type tag.
func (p Prefix) Err() error {
	if p.Valid() {
		return nil
	}
	return fmt.Errorf("%w: prefix %s has an unknown type tag %d", ErrInvalidKey, p, uint8(p.key.Type))
}

// Match reports whether p matches k. For a valid p it agrees exactly with
// bytes.HasPrefix(k.Encode(), p.AppendEncode(nil)), for every k; an invalid p
// matches nothing. Match compares fields and allocates nothing.
func (p Prefix) Match(k Key) bool {
	n, q := &k.Namespace, &p.key.Namespace
	switch p.level {
	case levelZero, levelAll:
		return true
	case levelTenant:
		return n.Tenant == q.Tenant
	case levelApp:
		return n.Tenant == q.Tenant && n.App == q.App
	case levelAgent:
		return n.Tenant == q.Tenant && n.App == q.App && n.Agent == q.Agent
	case levelNamespace:
		return *n == *q
	default: // levelKey
		return p.key.Type.Valid() && k.HasPrefix(p.key)
	}
}

// AppendEncode appends to b the byte prefix that every matching key's
// encoding (Key.Encode) starts with, and no other key's does, and returns the
// extended slice: nothing for AllKeys, the escaped and terminated tenant (app,
// agent) for the levels above a run, the namespace's encoding for
// NamespacePrefix, the key's encoding for KeyPrefix. A store scans from this
// prefix to the first encoding that does not start with it. For an invalid p
// it appends the key's encoding with its invalid type tag, a prefix no valid
// key has. It allocates nothing when b has room.
func (p Prefix) AppendEncode(b []byte) []byte {
	n := &p.key.Namespace
	switch p.level {
	case levelZero, levelAll:
		return b
	case levelTenant:
		return appendEscaped(b, n.Tenant)
	case levelApp:
		return appendEscaped(appendEscaped(b, n.Tenant), n.App)
	case levelAgent:
		return appendEscaped(appendEscaped(appendEscaped(b, n.Tenant), n.App), n.Agent)
	case levelNamespace:
		return n.AppendEncode(b)
	default: // levelKey
		return p.key.AppendEncode(b)
	}
}

// String returns "*" for AllKeys, "tenant/*", "tenant/app/*",
// "tenant/app/agent/*" and "tenant/app/agent/<run id>/*" for the levels
// above, and the key's String followed by "*" for a KeyPrefix.
func (p Prefix) String() string {
	n := &p.key.Namespace
	var b strings.Builder
	switch p.level {
	case levelZero, levelAll:
	case levelTenant:
		b.WriteString(n.Tenant)
		b.WriteByte('/')
	case levelApp:
		b.WriteString(n.Tenant)
		b.WriteByte('/')
		b.WriteString(n.App)
		b.WriteByte('/')
	case levelAgent:
		b.WriteString(n.Tenant)
		b.WriteByte('/')
		b.WriteString(n.App)
		b.WriteByte('/')
		b.WriteString(n.Agent)
		b.WriteByte('/')
	case levelNamespace:
		b.WriteString(n.String())
		b.WriteByte('/')
	default: // levelKey
		b.WriteString(p.key.String())
	}
	b.WriteByte('*')
	return b.String()
}
