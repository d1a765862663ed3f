package core

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNamespaceString(t *testing.T) {
	r := RunID{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10}
	ns := Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: r}
	assert.Equal(t, "acme/support/triage/01234567-89ab-cdef-fedc-ba9876543210", ns.String())

	assert.Equal(t, "///00000000-0000-0000-0000-000000000000", Namespace{}.String())
	assert.Equal(t, "t/\x00/ü/00000000-0000-0000-0000-000000000000",
		Namespace{Tenant: "t", App: "\x00", Agent: "ü"}.String())
}

func TestNamespaceCompare(t *testing.T) {
	r1 := RunID{1}
	r2 := RunID{2}
	rLast := RunID{15: 1}
	base := Namespace{Tenant: "b", App: "b", Agent: "b", RunID: r1}

	with := func(f func(*Namespace)) Namespace {
		n := base
		f(&n)
		return n
	}
	tests := []struct {
		name string
		a, b Namespace
		want int
	}{
		{"equal", base, base, 0},
		{"zero equal", Namespace{}, Namespace{}, 0},
		{"tenant less", with(func(n *Namespace) { n.Tenant = "a" }), base, -1},
		{"tenant greater", with(func(n *Namespace) { n.Tenant = "c" }), base, 1},
		{"tenant shorter first", with(func(n *Namespace) { n.Tenant = "" }), base, -1},
		{"tenant prefix first", base, with(func(n *Namespace) { n.Tenant = "b\x00" }), -1},
		{"tenant dominates app", with(func(n *Namespace) { n.Tenant = "a"; n.App = "z" }), base, -1},
		{"app less", with(func(n *Namespace) { n.App = "a" }), base, -1},
		{"app greater", with(func(n *Namespace) { n.App = "bb" }), base, 1},
		{"app dominates agent", with(func(n *Namespace) { n.App = "c"; n.Agent = "" }), base, 1},
		{"agent less", with(func(n *Namespace) { n.Agent = "\x00" }), base, -1},
		{"agent greater", with(func(n *Namespace) { n.Agent = "\xff" }), base, 1},
		{"agent dominates run", with(func(n *Namespace) { n.Agent = "a"; n.RunID = r2 }), base, -1},
		{"run less", with(func(n *Namespace) { n.RunID = RunID{} }), base, -1},
		{"run greater", with(func(n *Namespace) { n.RunID = r2 }), base, 1},
		{"run last byte", with(func(n *Namespace) { n.RunID = RunID{} }), with(func(n *Namespace) { n.RunID = rLast }), -1},
		{"bytewise not utf8", with(func(n *Namespace) { n.Tenant = "\xff" }), with(func(n *Namespace) { n.Tenant = "ü" }), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.a.Compare(tc.b))
			assert.Equal(t, -tc.want, tc.b.Compare(tc.a))
		})
	}
}

func TestTypeTag(t *testing.T) {
	names := map[TypeTag]string{
		TypeKV:           "kv",
		TypeEvent:        "event",
		TypeStateMachine: "state",
		TypeTrace:        "trace",
		TypeRunMetadata:  "run",
		TypeVector:       "vector",
	}
	assert.Equal(t, TypeTag(0), TypeKV)
	assert.Equal(t, TypeTag(1), TypeEvent)
	assert.Equal(t, TypeTag(2), TypeStateMachine)
	assert.Equal(t, TypeTag(3), TypeTrace)
	assert.Equal(t, TypeTag(4), TypeRunMetadata)
	assert.Equal(t, TypeTag(5), TypeVector)
	for tag, name := range names {
		assert.True(t, tag.Valid(), "%d", tag)
		assert.Equal(t, name, tag.String())
	}
	for i := 6; i < 256; i++ {
		tag := TypeTag(i)
		assert.False(t, tag.Valid(), "%d", i)
	}
	assert.Equal(t, "type(6)", TypeTag(6).String())
	assert.Equal(t, "type(255)", TypeTag(255).String())
}
