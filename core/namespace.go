package core

import (
	"bytes"
	"strings"
)

// Namespace scopes agent memory: tenant / app / agent / run. Empty strings are
// legal in every field, and strings may hold any bytes, 0x00 included. A
// Namespace is a value; it is safe for concurrent use.
type Namespace struct {
	Tenant, App, Agent string
	RunID              RunID
}

// String returns "tenant/app/agent/<run id>".
func (n Namespace) String() string {
	var b strings.Builder
	b.Grow(len(n.Tenant) + len(n.App) + len(n.Agent) + 3 + 36)
	b.WriteString(n.Tenant)
	b.WriteByte('/')
	b.WriteString(n.App)
	b.WriteByte('/')
	b.WriteString(n.Agent)
	b.WriteByte('/')
	b.WriteString(n.RunID.String())
	return b.String()
}

// Compare orders namespaces by tenant, then app, then agent (each bytewise),
// then run id (by its bytes). It returns -1, 0 or +1.
func (n Namespace) Compare(o Namespace) int {
	if c := strings.Compare(n.Tenant, o.Tenant); c != 0 {
		return c
	}
	if c := strings.Compare(n.App, o.App); c != 0 {
		return c
	}
	if c := strings.Compare(n.Agent, o.Agent); c != 0 {
		return c
	}
	return bytes.Compare(n.RunID[:], o.RunID[:])
}
