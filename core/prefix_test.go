package core

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// prefixNameGen draws names that often share leading characters ("a", "ab",
// "a\x00", "a\x01", "a\xff"), so that a prefix of one name is another's.
func prefixNameGen() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.SampledFrom([]string{"", "a", "ab", "a\x00", "a\x00b", "a\x01", "a\xff", "\x00", "\x00\x01", "\xff"}),
		stringGen(),
	)
}

// prefixKeyGen draws keys whose names come from prefixNameGen and whose run
// ids collide often.
func prefixKeyGen(invalidTypes bool) *rapid.Generator[Key] {
	return rapid.Custom(func(t *rapid.T) Key {
		var run RunID
		run[15] = rapid.SampledFrom([]byte{0, 1, 0xff}).Draw(t, "run")
		return Key{
			Namespace: Namespace{
				Tenant: prefixNameGen().Draw(t, "tenant"),
				App:    prefixNameGen().Draw(t, "app"),
				Agent:  prefixNameGen().Draw(t, "agent"),
				RunID:  run,
			},
			Type:    typeGen(invalidTypes).Draw(t, "type"),
			UserKey: bytesGen(3).Draw(t, "user"),
		}
	})
}

// prefixGen draws a Prefix of every level, built from a key so that it often
// matches related keys.
func prefixGen(invalidTypes bool) *rapid.Generator[Prefix] {
	return rapid.Custom(func(t *rapid.T) Prefix {
		k := prefixKeyGen(invalidTypes).Draw(t, "from")
		n := k.Namespace
		switch rapid.IntRange(0, 5).Draw(t, "level") {
		case 0:
			return AllKeys()
		case 1:
			return TenantPrefix(n.Tenant)
		case 2:
			return AppPrefix(n.Tenant, n.App)
		case 3:
			return AgentPrefix(n.Tenant, n.App, n.Agent)
		case 4:
			return NamespacePrefix(n)
		default:
			return KeyPrefix(k)
		}
	})
}

func TestPropPrefixMatchAgreesWithEncoding(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := prefixGen(true).Draw(t, "p")
		enc := p.AppendEncode(nil)
		for i := range 4 {
			k := prefixKeyGen(true).Draw(t, "k")
			if i == 0 && p.level == levelKey {
				// A key that extends the prefix key.
				k = p.key
				k.UserKey = append(append([]byte(nil), p.key.UserKey...), bytesGen(2).Draw(t, "ext")...)
			}
			byBytes := bytes.HasPrefix(k.Encode(), enc)
			if p.Valid() {
				require.Equal(t, byBytes, p.Match(k), "prefix %s key %s", p, k)
			} else {
				require.False(t, p.Match(k), "invalid prefix %s matched %s", p, k)
				if k.Type.Valid() {
					require.False(t, byBytes, "a valid key's encoding starts with invalid prefix %s", p)
				}
			}
		}
	})
}

// Every level's keys are one contiguous range of the key order.
func TestPropPrefixIsContiguous(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := prefixGen(false).Draw(t, "p")
		a := prefixKeyGen(false).Draw(t, "a")
		b := prefixKeyGen(false).Draw(t, "b")
		c := prefixKeyGen(false).Draw(t, "c")
		keys := []Key{a, b, c}
		for _, x := range keys {
			for _, y := range keys {
				for _, z := range keys {
					if x.Compare(y) <= 0 && y.Compare(z) <= 0 && p.Match(x) && p.Match(z) {
						require.True(t, p.Match(y), "%s matches %s and %s but not %s between them", p, x, z, y)
					}
				}
			}
		}
	})
}

func TestPropKeyPrefixIsHasPrefix(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pk := prefixKeyGen(false).Draw(t, "pk")
		k := prefixKeyGen(false).Draw(t, "k")
		require.Equal(t, k.HasPrefix(pk), KeyPrefix(pk).Match(k))
	})
}

func TestPrefixLevels(t *testing.T) {
	run := testRun
	other := run
	other[15]++
	ns := Namespace{Tenant: "a", App: "b", Agent: "c", RunID: run}
	key := func(tenant, app, agent string, r RunID, typ TypeTag, user string) Key {
		return NewKey(Namespace{Tenant: tenant, App: app, Agent: agent, RunID: r}, typ, []byte(user))
	}
	tests := []struct {
		name  string
		p     Prefix
		match []Key
		miss  []Key
	}{
		{"all", AllKeys(),
			[]Key{{}, key("a", "b", "c", run, TypeKV, "x"), key("\xff", "", "", other, TypeVector, "")},
			nil},
		{"zero", Prefix{}, []Key{{}, key("z", "", "", run, TypeEvent, "q")}, nil},
		{"tenant", TenantPrefix("a"),
			[]Key{key("a", "", "", RunID{}, TypeKV, ""), key("a", "b", "c", other, TypeTrace, "x")},
			[]Key{key("ab", "", "", run, TypeKV, ""), key("", "a", "", run, TypeKV, ""), key("a\x00", "", "", run, TypeKV, ""), key("b", "", "", run, TypeKV, "")}},
		{"tenant with NUL", TenantPrefix("a\x00b"),
			[]Key{key("a\x00b", "x", "", run, TypeKV, "")},
			[]Key{key("a", "\x00b", "", run, TypeKV, ""), key("a\x00", "b", "", run, TypeKV, ""), key("a\x00bc", "", "", run, TypeKV, "")}},
		{"app", AppPrefix("a", "b"),
			[]Key{key("a", "b", "", run, TypeKV, ""), key("a", "b", "zz", other, TypeEvent, "1")},
			[]Key{key("a", "bc", "", run, TypeKV, ""), key("a", "", "b", run, TypeKV, ""), key("ab", "", "", run, TypeKV, ""), key("a", "b\x01", "", run, TypeKV, "")}},
		{"agent", AgentPrefix("a", "b", "c"),
			[]Key{key("a", "b", "c", run, TypeKV, ""), key("a", "b", "c", other, TypeRunMetadata, "r")},
			[]Key{key("a", "b", "cd", run, TypeKV, ""), key("a", "bc", "", run, TypeKV, ""), key("a", "b", "c\xff", run, TypeKV, "")}},
		{"namespace", NamespacePrefix(ns),
			[]Key{KVKey(ns, ""), EventKey(ns, 9), NewKey(ns, TypeVector, []byte{0xff})},
			[]Key{key("a", "b", "c", other, TypeKV, ""), key("a", "b", "cc", run, TypeKV, "")}},
		{"type", KeyPrefix(NewKey(ns, TypeEvent, nil)),
			[]Key{EventKey(ns, 0), EventKey(ns, 1<<40)},
			[]Key{KVKey(ns, ""), TraceKey(ns, 1), EventKey(Namespace{Tenant: "a", App: "b", Agent: "c", RunID: other}, 1)}},
		{"key", KeyPrefix(KVKey(ns, "ab")),
			[]Key{KVKey(ns, "ab"), KVKey(ns, "abc"), KVKey(ns, "ab\x00")},
			[]Key{KVKey(ns, "a"), KVKey(ns, "b"), StateKey(ns, "ab"), KVKey(Namespace{Tenant: "a"}, "ab")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.True(t, tc.p.Valid())
			require.NoError(t, tc.p.Err())
			enc := tc.p.AppendEncode(nil)
			for _, k := range tc.match {
				assert.True(t, tc.p.Match(k), "%s should match %s", tc.p, k)
				assert.True(t, bytes.HasPrefix(k.Encode(), enc), "%s encoding of %s", tc.p, k)
			}
			for _, k := range tc.miss {
				assert.False(t, tc.p.Match(k), "%s should not match %s", tc.p, k)
				assert.False(t, bytes.HasPrefix(k.Encode(), enc), "%s encoding of %s", tc.p, k)
			}
		})
	}
}

func TestPrefixAppendEncode(t *testing.T) {
	ns := Namespace{Tenant: "t\x00", App: "a", Agent: "g", RunID: testRun}
	term := []byte{0x00, 0x01}
	assert.Empty(t, AllKeys().AppendEncode(nil))
	assert.Equal(t, concat([]byte("t\x00\xff"), term), TenantPrefix("t\x00").AppendEncode(nil))
	assert.Equal(t, concat([]byte("t\x00\xff"), term, []byte("a"), term), AppPrefix("t\x00", "a").AppendEncode(nil))
	assert.Equal(t, concat([]byte("t\x00\xff"), term, []byte("a"), term, []byte("g"), term), AgentPrefix("t\x00", "a", "g").AppendEncode(nil))
	assert.Equal(t, ns.AppendEncode(nil), NamespacePrefix(ns).AppendEncode(nil))
	k := StateKey(ns, "fsm")
	assert.Equal(t, k.Encode(), KeyPrefix(k).AppendEncode(nil))
	assert.Equal(t, concat([]byte("head"), k.Encode()), KeyPrefix(k).AppendEncode([]byte("head")))

	// An agent prefix is a prefix of the namespace prefix of each of its runs.
	assert.True(t, bytes.HasPrefix(NamespacePrefix(ns).AppendEncode(nil), AgentPrefix(ns.Tenant, ns.App, ns.Agent).AppendEncode(nil)))

	buf := make([]byte, 0, 128)
	p := KeyPrefix(k)
	assert.Zero(t, testing.AllocsPerRun(100, func() { sinkBytes = p.AppendEncode(buf[:0]) }), "AppendEncode with room")
}

func TestKeyPrefixCopiesUserKey(t *testing.T) {
	user := []byte("ab")
	p := KeyPrefix(NewKey(testNS, TypeKV, user))
	user[0] = 'X'
	assert.True(t, p.Match(KVKey(testNS, "abc")))
	assert.False(t, p.Match(KVKey(testNS, "Xbc")))
	assert.Equal(t, KVKey(testNS, "ab").Encode(), p.AppendEncode(nil))

	// Nil and empty user keys give the same prefix.
	a, b := KeyPrefix(NewKey(testNS, TypeKV, nil)), KeyPrefix(NewKey(testNS, TypeKV, []byte{}))
	assert.Equal(t, a, b)
}

func TestPrefixInvalid(t *testing.T) {
	bad := NewKey(testNS, TypeTag(6), []byte("x"))
	p := KeyPrefix(bad)
	assert.False(t, p.Valid())
	require.ErrorIs(t, p.Err(), ErrInvalidKey)
	assert.Contains(t, p.Err().Error(), "unknown type tag 6")
	assert.False(t, p.Match(bad), "an invalid prefix matches nothing, not even its own key")
	assert.False(t, p.Match(KVKey(testNS, "x")))
	assert.Equal(t, bad.Encode(), p.AppendEncode(nil))
	assert.Equal(t, bad.String()+"*", p.String())

	for _, ok := range []Prefix{AllKeys(), {}, TenantPrefix("\x00"), AppPrefix("", ""), AgentPrefix("a", "b", "c"), NamespacePrefix(testNS), KeyPrefix(RunMetadataKey(testNS))} {
		assert.True(t, ok.Valid(), "%s", ok)
		assert.NoError(t, ok.Err())
	}
}

func TestPrefixString(t *testing.T) {
	const run = "01234567-89ab-cdef-fedc-ba9876543210"
	tests := []struct {
		p    Prefix
		want string
	}{
		{AllKeys(), "*"},
		{Prefix{}, "*"},
		{TenantPrefix("acme"), "acme/*"},
		{TenantPrefix(""), "/*"},
		{AppPrefix("acme", "support"), "acme/support/*"},
		{AgentPrefix("acme", "support", "triage"), "acme/support/triage/*"},
		{NamespacePrefix(testNS), "acme/support/triage/" + run + "/*"},
		{KeyPrefix(KVKey(testNS, "ses")), "acme/support/triage/" + run + "/kv/ses*"},
		{KeyPrefix(NewKey(testNS, TypeEvent, nil)), "acme/support/triage/" + run + "/event/*"},
		{KeyPrefix(EventKey(testNS, 42)), "acme/support/triage/" + run + "/event/42*"},
		{KeyPrefix(NewKey(testNS, TypeKV, []byte{0})), "acme/support/triage/" + run + `/kv/"\x00"*`},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.p.String())
	}
}

func TestPrefixMatchDoesNotAllocate(t *testing.T) {
	k := KVKey(testNS, "session/1")
	for _, p := range []Prefix{AllKeys(), TenantPrefix("acme"), AppPrefix("acme", "support"), AgentPrefix("acme", "support", "triage"), NamespacePrefix(testNS), KeyPrefix(KVKey(testNS, "session/"))} {
		require.True(t, p.Match(k))
		assert.Zero(t, testing.AllocsPerRun(100, func() { sinkBool = p.Match(k) }), "%s", p)
	}
}

var sinkBool bool

func BenchmarkPrefixMatch(b *testing.B) {
	k := benchKey
	n := k.Namespace
	for _, bc := range []struct {
		name string
		p    Prefix
	}{
		{"Tenant", TenantPrefix(n.Tenant)},
		{"Agent", AgentPrefix(n.Tenant, n.App, n.Agent)},
		{"Namespace", NamespacePrefix(n)},
		{"Key", KeyPrefix(NewKey(n, k.Type, k.UserKey[:6]))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				sinkBool = bc.p.Match(k)
			}
		})
	}
}

func TestZeroPrefixIsNotAllKeys(t *testing.T) {
	var zero Prefix
	require.True(t, zero.IsZero())
	require.False(t, AllKeys().IsZero())
	require.NotEqual(t, zero, AllKeys())
	k := KVKey(Namespace{Tenant: "t", App: "a", Agent: "g", RunID: RunID{1}}, "k")
	require.True(t, zero.Match(k))
	require.True(t, AllKeys().Match(k))
	require.Empty(t, zero.AppendEncode(nil))
	require.Empty(t, AllKeys().AppendEncode(nil))
	require.Equal(t, "*", zero.String())
	require.Equal(t, "*", AllKeys().String())
	require.NoError(t, zero.Err())
	for _, p := range []Prefix{TenantPrefix(""), AppPrefix("", ""), AgentPrefix("", "", ""), NamespacePrefix(Namespace{}), KeyPrefix(Key{})} {
		require.False(t, p.IsZero(), "%v", p)
	}
}
