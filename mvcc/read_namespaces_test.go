package mvcc

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// nsCollect gathers the namespaces an iterator yields.
func nsCollect(seq func(func(core.Namespace) bool)) []core.Namespace {
	var out []core.Namespace
	for ns := range seq {
		out = append(out, ns)
	}
	return out
}

// nsNaive lists the namespaces of the live entries p matches, from a full
// scan of the snapshot.
func nsNaive(sn *Snapshot, p core.Prefix) []core.Namespace {
	var out []core.Namespace
	for k := range sn.All() {
		if p.Match(k) && (len(out) == 0 || out[len(out)-1] != k.Namespace) {
			out = append(out, k.Namespace)
		}
	}
	return out
}

func TestNamespaces(t *testing.T) {
	s, clk := fxStore()
	a1 := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: fxRun(1)}
	a2 := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: fxRun(2)}
	b1 := core.Namespace{Tenant: "acme", App: "support", Agent: "billing", RunID: fxRun(1)}
	c1 := core.Namespace{Tenant: "acme", App: "sales", Agent: "triage", RunID: fxRun(3)}
	z := core.Namespace{Tenant: "zeta\x00", App: "a\x00b", Agent: "", RunID: fxRun(0xff)}
	gone := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: fxRun(9)}
	fxPut(t, s, core.KVKey(a1, "k"), 1, 0)
	fxPut(t, s, core.StateKey(a1, "s"), 1, 0)
	_, _, err := s.Append(a1, core.StringValue("e"), 0)
	require.NoError(t, err)
	fxPut(t, s, core.KVKey(a2, "a"), 1, time.Second) // expires; a later key stays
	fxPut(t, s, core.KVKey(a2, "b"), 1, 0)
	fxPut(t, s, core.TraceKey(b1, 1), 1, 0)
	fxPut(t, s, core.KVKey(c1, "k"), 1, 0)
	fxPut(t, s, core.KVKey(z, "k"), 1, 0)
	fxPut(t, s, core.KVKey(gone, "only"), 1, time.Second) // only an expired key
	clk.Advance(time.Second)

	all := []core.Namespace{c1, b1, a1, a2, z} // key order: sales < support, billing < triage
	require.Equal(t, all, nsCollect(s.Namespaces(core.AllKeys())))
	require.Equal(t, all, nsCollect(s.Namespaces(core.Prefix{})), "the zero Prefix reads every key")
	for _, c := range []struct {
		p    core.Prefix
		want []core.Namespace
	}{
		{core.TenantPrefix("acme"), []core.Namespace{c1, b1, a1, a2}},
		{core.AppPrefix("acme", "support"), []core.Namespace{b1, a1, a2}},
		{core.AgentPrefix("acme", "support", "triage"), []core.Namespace{a1, a2}},
		{core.NamespacePrefix(a2), []core.Namespace{a2}},
		{core.NamespacePrefix(gone), nil},
		{core.KeyPrefix(core.NewKey(a1, core.TypeEvent, nil)), []core.Namespace{a1}},
		{core.KeyPrefix(core.KVKey(a1, "nope")), nil},
		{core.TenantPrefix("zeta\x00"), []core.Namespace{z}},
		{core.TenantPrefix("zeta"), nil},
		{core.KeyPrefix(core.NewKey(a1, 99, nil)), nil}, // invalid: nothing
	} {
		require.Equal(t, c.want, nsCollect(s.Namespaces(c.p)), "%s", c.p)
	}

	// A snapshot judges expiry when it was taken.
	before := s.Snapshot()
	clk.Advance(-time.Second)
	require.Equal(t, all, nsCollect(before.Namespaces(core.AllKeys())))
	require.Contains(t, nsCollect(s.Namespaces(core.AllKeys())), gone)

	// Stopping early; the namespaces are the caller's.
	for ns := range s.Namespaces(core.AllKeys()) {
		require.Equal(t, c1, ns)
		break
	}
	var zero Snapshot
	require.Empty(t, nsCollect(zero.Namespaces(core.AllKeys())))
}

// Namespaces agrees with a full scan, for random stores and prefixes.
func TestNamespacesMatchesAFullScan(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, clk := fxStore()
		tenants, apps, agents := []string{"", "a", "a\x00", "b"}, []string{"x", "y"}, []string{"g", "h\x00h"}
		var nss []core.Namespace
		for range rapid.IntRange(1, 12).Draw(t, "namespaces") {
			nss = append(nss, core.Namespace{
				Tenant: rapid.SampledFrom(tenants).Draw(t, "tenant"),
				App:    rapid.SampledFrom(apps).Draw(t, "app"),
				Agent:  rapid.SampledFrom(agents).Draw(t, "agent"),
				RunID:  fxRun(byte(rapid.IntRange(0, 2).Draw(t, "run"))),
			})
		}
		for range rapid.IntRange(0, 40).Draw(t, "keys") {
			ns := rapid.SampledFrom(nss).Draw(t, "ns")
			k := core.NewKey(ns, core.TypeTag(rapid.IntRange(0, 4).Draw(t, "type")), []byte{byte(rapid.IntRange(0, 3).Draw(t, "uk"))})
			ttl := time.Duration(rapid.IntRange(0, 2).Draw(t, "ttl")) * time.Second
			if _, err := s.Put(k, core.NullValue(), ttl); err != nil {
				t.Fatal(err)
			}
		}
		clk.Advance(time.Duration(rapid.IntRange(0, 2).Draw(t, "advance")) * time.Second)
		ns := rapid.SampledFrom(nss).Draw(t, "prefix ns")
		p := rapid.SampledFrom([]core.Prefix{
			core.AllKeys(), core.TenantPrefix(ns.Tenant), core.AppPrefix(ns.Tenant, ns.App),
			core.AgentPrefix(ns.Tenant, ns.App, ns.Agent), core.NamespacePrefix(ns),
			core.KeyPrefix(core.NewKey(ns, core.TypeKV, nil)),
		}).Draw(t, "prefix")
		sn := s.Snapshot()
		got, want := nsCollect(sn.Namespaces(p)), nsNaive(sn, p)
		if !slices.Equal(got, want) {
			t.Fatalf("Namespaces(%s) = %v, a full scan gives %v", p, got, want)
		}
	})
}

// BenchmarkNamespaces lists 100 namespaces holding 10 or 10,000 keys each:
// the time per listing grows with the namespaces, not with their keys.
func BenchmarkNamespaces(b *testing.B) {
	for _, perNS := range []int{10, 10_000} {
		b.Run(fmt.Sprintf("keys-per-namespace=%d", perNS), func(b *testing.B) {
			s := New()
			for i := range 100 {
				ns := core.Namespace{Tenant: "t", App: "app", Agent: fmt.Sprintf("agent-%03d", i), RunID: fxRun(byte(i))}
				err := func() error {
					tx := s.Begin()
					for j := range perNS {
						if err := tx.Put(core.KVKey(ns, fmt.Sprintf("k%06d", j)), core.Int64Value(int64(j)), 0); err != nil {
							return err
						}
					}
					_, err := tx.Commit()
					return err
				}()
				if err != nil {
					b.Fatal(err)
				}
			}
			sn := s.Snapshot()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				n := 0
				for range sn.Namespaces(core.TenantPrefix("t")) {
					n++
				}
				if n != 100 {
					b.Fatalf("%d namespaces", n)
				}
			}
		})
	}
}
