package indices

import (
	"maps"
	"slices"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func encNS(ns core.Namespace) string { return string(ns.AppendEncode(nil)) }

func TestRunAndTypeMembers(t *testing.T) {
	run := core.RunID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	ns := core.Namespace{Tenant: "t", App: "a", Agent: "g", RunID: run}
	enc := encNS(ns)

	m := RunMember([]byte("junk"), run, enc)
	require.Equal(t, "junk"+string(run[:])+enc, string(m))
	require.Equal(t, string(run[:]), RunGroup(run))

	m = TypeMember(nil, core.TypeEvent, enc)
	require.Equal(t, string([]byte{byte(core.TypeEvent)})+enc, string(m))
	require.Equal(t, "\x01", TypeGroup(core.TypeEvent))
	require.Equal(t, "\x00", TypeGroup(core.TypeKV))
}

func TestGroupsZeroIsEmpty(t *testing.T) {
	var g Groups
	require.Equal(t, 0, g.Len())
	require.False(t, g.Has(nil))
	require.Empty(t, collect(g.Namespaces(RunGroup(core.RunID{}))))
	require.Empty(t, collect(g.set.All()))
	require.Equal(t, 0, g.remove([]byte("x")).Len())
}

// TestGroupsNamespacesInOrder adds the namespaces of two runs in scrambled
// order and reads back exactly one run's, in namespace order.
func TestGroupsNamespacesInOrder(t *testing.T) {
	runA := core.RunID{0xaa}
	runB := core.RunID{0xaa, 1} // shares runA's first byte
	nss := []core.Namespace{
		{Tenant: "t", App: "b", Agent: "x", RunID: runA},
		{Tenant: "t", App: "a", Agent: "y", RunID: runA},
		{Tenant: "", App: "", Agent: "", RunID: runA},
		{Tenant: "t\x00", App: "a", Agent: "y", RunID: runA},
		{Tenant: "t", App: "a", Agent: "x", RunID: runA},
		{Tenant: "t", App: "a", Agent: "x", RunID: runB},
		{Tenant: "a", App: "a", Agent: "x", RunID: runB},
	}
	var g Groups
	for _, ns := range nss {
		g = g.add(RunMember(nil, ns.RunID, encNS(ns)))
	}
	require.Equal(t, len(nss), g.Len())

	var want []core.Namespace
	for _, ns := range nss {
		if ns.RunID == runA {
			want = append(want, ns)
		}
	}
	slices.SortFunc(want, core.Namespace.Compare)
	var wantEnc []string
	for _, ns := range want {
		wantEnc = append(wantEnc, encNS(ns))
	}
	require.Equal(t, wantEnc, collect(g.Namespaces(RunGroup(runA))))
	require.Len(t, collect(g.Namespaces(RunGroup(runB))), 2)
	require.Empty(t, collect(g.Namespaces(RunGroup(core.RunID{0xab}))))
}

func TestGroupsByType(t *testing.T) {
	ns1 := encNS(core.Namespace{Tenant: "a"})
	ns2 := encNS(core.Namespace{Tenant: "b"})
	var g Groups
	g = g.add(TypeMember(nil, core.TypeEvent, ns2))
	g = g.add(TypeMember(nil, core.TypeKV, ns1))
	g = g.add(TypeMember(nil, core.TypeEvent, ns1))
	g = g.add(TypeMember(nil, core.TypeEvent, ns1)) // again: no change
	require.Equal(t, 3, g.Len())
	require.Equal(t, []string{ns1, ns2}, collect(g.Namespaces(TypeGroup(core.TypeEvent))))
	require.Equal(t, []string{ns1}, collect(g.Namespaces(TypeGroup(core.TypeKV))))
	require.Empty(t, collect(g.Namespaces(TypeGroup(core.TypeTrace))))

	g = g.remove(TypeMember(nil, core.TypeEvent, ns1))
	require.Equal(t, []string{ns2}, collect(g.Namespaces(TypeGroup(core.TypeEvent))))
	require.False(t, g.Has(TypeMember(nil, core.TypeEvent, ns1)))
	require.True(t, g.Has(TypeMember(nil, core.TypeKV, ns1)))
}

func TestGroupsNamespacesStopsEarly(t *testing.T) {
	var g Groups
	for _, tenant := range []string{"a", "b", "c"} {
		g = g.add(TypeMember(nil, core.TypeKV, encNS(core.Namespace{Tenant: tenant})))
	}
	n := 0
	for range g.Namespaces(TypeGroup(core.TypeKV)) {
		n++
		break
	}
	require.Equal(t, 1, n)
}

// TestGroupsAddCopiesMember checks that GroupsEdit.Add does not keep the
// caller's bytes.
func TestGroupsAddCopiesMember(t *testing.T) {
	b := TypeMember(nil, core.TypeKV, "ns")
	g := Groups{}.add(b)
	b[0] = byte(core.TypeTrace)
	require.True(t, g.Has(TypeMember(nil, core.TypeKV, "ns")))
	require.False(t, g.Has(b))
}

func TestGroupsArePersistent(t *testing.T) {
	m1 := TypeMember(nil, core.TypeKV, "n1")
	m2 := TypeMember(nil, core.TypeKV, "n2")
	g0 := Groups{}
	g1 := g0.add(m1)
	g2 := g1.add(m2)
	g3 := g2.remove(m1)
	g4 := g3.remove(m1) // absent: unchanged
	require.Equal(t, 0, g0.Len())
	require.Equal(t, []string{"n1"}, collect(g1.Namespaces(TypeGroup(core.TypeKV))))
	require.Equal(t, []string{"n1", "n2"}, collect(g2.Namespaces(TypeGroup(core.TypeKV))))
	require.Equal(t, []string{"n2"}, collect(g3.Namespaces(TypeGroup(core.TypeKV))))
	require.Equal(t, collect(g3.set.All()), collect(g4.set.All()))
}

// add and remove are a one-change GroupsEdit: the persistent operations the
// tests below state their expectations with.
func (g Groups) add(member []byte) Groups {
	var e GroupsEdit
	e.Reset(g)
	e.Add(member)
	return e.Groups()
}

func (g Groups) remove(member []byte) Groups {
	var e GroupsEdit
	e.Reset(g)
	e.Remove(member)
	return e.Groups()
}

// TestGroupsEditMatchesModel runs random batches of adds and removes through
// one GroupsEdit, publishing now and then, against a map: every published
// Groups keeps exactly the members it had when published, however the edit
// went on (no change reaches a published part of the index), and the edit
// reads its own changes.
func TestGroupsEditMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		member := rapid.StringOfN(rapid.RuneFrom([]rune("ab/")), 1, 6, -1)
		var e GroupsEdit
		model := map[string]bool{}
		type published struct {
			g    Groups
			want []string
		}
		var pubs []published
		for range rapid.IntRange(0, 200).Draw(t, "steps") {
			m := member.Draw(t, "member")
			switch rapid.IntRange(0, 4).Draw(t, "op") {
			case 0, 1:
				e.Add([]byte(m))
				model[m] = true
			case 2:
				e.Remove([]byte(m))
				delete(model, m)
			case 3:
				if e.Has([]byte(m)) != model[m] {
					t.Fatalf("edit: Has(%q) = %v, want %v", m, !model[m], model[m])
				}
			case 4:
				want := slices.Sorted(maps.Keys(model))
				pubs = append(pubs, published{e.Groups(), want})
			}
		}
		pubs = append(pubs, published{e.Groups(), slices.Sorted(maps.Keys(model))})
		for i, p := range pubs {
			got := collect(p.g.set.All())
			if !slices.Equal(got, p.want) && !(len(got) == 0 && len(p.want) == 0) {
				t.Fatalf("published Groups %d: %q, want %q", i, got, p.want)
			}
			if p.g.Len() != len(p.want) {
				t.Fatalf("published Groups %d: Len %d, want %d", i, p.g.Len(), len(p.want))
			}
		}
	})
}
