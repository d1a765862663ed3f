package core

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testRun = RunID{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10}

var testNS = Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: testRun}

func TestKeyConstructors(t *testing.T) {
	user := []byte("user")
	k := NewKey(testNS, TypeVector, user)
	assert.Equal(t, testNS, k.Namespace)
	assert.Equal(t, TypeVector, k.Type)
	assert.Equal(t, []byte("user"), k.UserKey)
	// NewKey refers to the slice it is given (documented: it does not copy).
	assert.Same(t, &user[0], &k.UserKey[0])

	kv := KVKey(testNS, "name")
	assert.Equal(t, Key{Namespace: testNS, Type: TypeKV, UserKey: []byte("name")}, kv)

	st := StateKey(testNS, "fsm")
	assert.Equal(t, Key{Namespace: testNS, Type: TypeStateMachine, UserKey: []byte("fsm")}, st)

	vk := VectorKey(testNS, "emb")
	assert.Equal(t, Key{Namespace: testNS, Type: TypeVector, UserKey: []byte("emb")}, vk)

	ev := EventKey(testNS, 0x0102030405060708)
	assert.Equal(t, TypeEvent, ev.Type)
	assert.Equal(t, testNS, ev.Namespace)
	assert.Equal(t, []byte{1, 2, 3, 4, 5, 6, 7, 8}, ev.UserKey)

	tr := TraceKey(testNS, 0x0102030405060708)
	assert.Equal(t, TypeTrace, tr.Type)
	assert.Equal(t, testNS, tr.Namespace)
	assert.Equal(t, []byte{1, 2, 3, 4, 5, 6, 7, 8}, tr.UserKey)

	for _, seq := range []uint64{0, 1, 255, 256, math.MaxUint32, math.MaxUint64} {
		want := binary.BigEndian.AppendUint64(nil, seq)
		assert.Equal(t, want, EventKey(testNS, seq).UserKey)
		assert.Len(t, EventKey(testNS, seq).UserKey, 8)
		assert.Equal(t, want, TraceKey(testNS, seq).UserKey)
	}

	rm := RunMetadataKey(testNS)
	assert.Equal(t, TypeRunMetadata, rm.Type)
	assert.Equal(t, testNS, rm.Namespace)
	assert.Equal(t, testRun[:], rm.UserKey)
	rm.UserKey[0] = 0xee // the key's user key is its own copy
	assert.Equal(t, byte(0x01), testNS.RunID[0])
	assert.Equal(t, testRun[:], RunMetadataKey(testNS).UserKey)

	// Constructors that build a user key from a string own their bytes.
	name := []byte("mutable")
	k2 := KVKey(testNS, string(name))
	name[0] = 'X'
	assert.Equal(t, []byte("mutable"), k2.UserKey)
}

func TestSequenceKeysSortBySequence(t *testing.T) {
	seqs := []uint64{0, 1, 2, 255, 256, 65535, 65536, 1 << 32, math.MaxUint64 - 1, math.MaxUint64}
	for _, mk := range []func(Namespace, uint64) Key{EventKey, TraceKey} {
		for i := range seqs {
			for j := range seqs {
				a, b := mk(testNS, seqs[i]), mk(testNS, seqs[j])
				want := cmpU64(seqs[i], seqs[j])
				assert.Equal(t, want, a.Compare(b), "%d vs %d", seqs[i], seqs[j])
				assert.Equal(t, want, bytes.Compare(a.Encode(), b.Encode()), "%d vs %d", seqs[i], seqs[j])
			}
		}
	}
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestKeyCompare(t *testing.T) {
	ns := Namespace{Tenant: "t", App: "a", Agent: "g", RunID: RunID{7}}
	other := ns
	other.Agent = "h"
	runLess := ns
	runLess.RunID = RunID{6}

	tests := []struct {
		name string
		a, b Key
		want int
	}{
		{"equal", KVKey(ns, "x"), KVKey(ns, "x"), 0},
		{"nil and empty user key are equal", NewKey(ns, TypeKV, nil), NewKey(ns, TypeKV, []byte{}), 0},
		{"zero keys", Key{}, Key{}, 0},
		{"user key bytewise", KVKey(ns, "a"), KVKey(ns, "b"), -1},
		{"user key shorter first", KVKey(ns, "a"), KVKey(ns, "a\x00"), -1},
		{"user key empty first", KVKey(ns, ""), KVKey(ns, "\x00"), -1},
		{"user key high byte", KVKey(ns, "\xff"), KVKey(ns, "\x7f\xff"), 1},
		{"type before user key", NewKey(ns, TypeEvent, []byte("a")), NewKey(ns, TypeKV, []byte("z")), 1},
		{"type order", NewKey(ns, TypeKV, nil), NewKey(ns, TypeVector, nil), -1},
		{"invalid type tags still order", NewKey(ns, TypeTag(200), nil), NewKey(ns, TypeTag(100), nil), 1},
		{"namespace before type", NewKey(ns, TypeVector, nil), NewKey(other, TypeKV, nil), -1},
		{"run id before type", NewKey(runLess, TypeVector, []byte("z")), NewKey(ns, TypeKV, nil), -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.a.Compare(tc.b))
			assert.Equal(t, -tc.want, tc.b.Compare(tc.a))
			assert.Equal(t, tc.want == 0, tc.a.Equal(tc.b))
			assert.Equal(t, tc.want == 0, tc.b.Equal(tc.a))
			assert.Equal(t, tc.want, bytes.Compare(tc.a.Encode(), tc.b.Encode()))
		})
	}
}

func TestKeySortOrder(t *testing.T) {
	// A list already in the order Key.Compare defines: tenant, app, agent,
	// run id, type tag, user key.
	r0, r1 := RunID{}, RunID{0: 1}
	ordered := []Key{
		KVKey(Namespace{}, ""),
		KVKey(Namespace{}, "\x00"),
		NewKey(Namespace{}, TypeEvent, nil),
		KVKey(Namespace{RunID: r1}, ""),
		KVKey(Namespace{Agent: "\x00"}, ""),
		KVKey(Namespace{Agent: "\x01"}, ""),
		KVKey(Namespace{App: "", Agent: "z"}, ""),
		KVKey(Namespace{App: "\x00"}, ""),
		KVKey(Namespace{App: "\x00\x00"}, ""),
		KVKey(Namespace{App: "\x00\x01"}, ""),
		KVKey(Namespace{App: "\x00\xff"}, ""),
		KVKey(Namespace{App: "\x01"}, ""),
		KVKey(Namespace{App: "\xff"}, ""),
		KVKey(Namespace{Tenant: "\x00"}, ""),
		KVKey(Namespace{Tenant: "a"}, ""),
		KVKey(Namespace{Tenant: "a", RunID: r0}, "zzz"),
		NewKey(Namespace{Tenant: "a"}, TypeVector, nil),
		KVKey(Namespace{Tenant: "a", RunID: r1}, ""),
		KVKey(Namespace{Tenant: "a", Agent: "x"}, ""),
		KVKey(Namespace{Tenant: "a", App: "x"}, ""),
		KVKey(Namespace{Tenant: "a\x00"}, ""),
		KVKey(Namespace{Tenant: "a\x00b"}, ""),
		KVKey(Namespace{Tenant: "a\x01"}, ""),
		KVKey(Namespace{Tenant: "ab"}, ""),
		KVKey(Namespace{Tenant: "b"}, ""),
		KVKey(Namespace{Tenant: "\xff"}, ""),
		KVKey(Namespace{Tenant: "\xff\x00"}, ""),
		KVKey(Namespace{Tenant: "\xff\xff"}, ""),
	}
	for i := range ordered {
		for j := range ordered {
			want := cmpInt(i, j)
			assert.Equal(t, want, ordered[i].Compare(ordered[j]), "%d %v vs %d %v", i, ordered[i], j, ordered[j])
			assert.Equal(t, want, bytes.Compare(ordered[i].Encode(), ordered[j].Encode()), "%d %v vs %d %v", i, ordered[i], j, ordered[j])
		}
	}
	shuffled := slices.Clone(ordered)
	slices.Reverse(shuffled)
	slices.SortFunc(shuffled, Key.Compare)
	for i := range ordered {
		assert.True(t, ordered[i].Equal(shuffled[i]))
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestKeyHasPrefix(t *testing.T) {
	ns := Namespace{Tenant: "t", App: "a", Agent: "g", RunID: RunID{7}}
	k := KVKey(ns, "hello")

	tests := []struct {
		name string
		p    Key
		want bool
	}{
		{"itself", k, true},
		{"empty user key selects the whole type", KVKey(ns, ""), true},
		{"nil user key selects the whole type", NewKey(ns, TypeKV, nil), true},
		{"proper prefix", KVKey(ns, "hell"), true},
		{"longer", KVKey(ns, "hello!"), false},
		{"diverging", KVKey(ns, "help"), false},
		{"other type", NewKey(ns, TypeEvent, nil), false},
		{"other tenant", KVKey(Namespace{Tenant: "", App: "a", Agent: "g", RunID: RunID{7}}, ""), false},
		{"tenant string prefix is not a key prefix", KVKey(Namespace{Tenant: "t", App: "a", Agent: "", RunID: RunID{7}}, ""), false},
		{"other app", KVKey(Namespace{Tenant: "t", App: "b", Agent: "g", RunID: RunID{7}}, ""), false},
		{"other run", KVKey(Namespace{Tenant: "t", App: "a", Agent: "g", RunID: RunID{8}}, ""), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, k.HasPrefix(tc.p))
			assert.Equal(t, tc.want, bytes.HasPrefix(k.Encode(), tc.p.Encode()))
		})
	}

	// Event keys: a prefix of a sequence number's bytes selects a range.
	ev := EventKey(ns, 0x0102030405060708)
	assert.True(t, ev.HasPrefix(NewKey(ns, TypeEvent, []byte{1, 2, 3})))
	assert.False(t, ev.HasPrefix(NewKey(ns, TypeEvent, []byte{1, 2, 4})))
}

func TestKeyEqual(t *testing.T) {
	a := KVKey(testNS, "k")
	b := KVKey(testNS, "k")
	assert.True(t, a.Equal(b))
	assert.True(t, NewKey(testNS, TypeKV, nil).Equal(NewKey(testNS, TypeKV, []byte{})))
	assert.False(t, a.Equal(StateKey(testNS, "k")))
	assert.False(t, a.Equal(KVKey(testNS, "k2")))
	ns2 := testNS
	ns2.RunID[15]++
	assert.False(t, a.Equal(KVKey(ns2, "k")))
	ns3 := testNS
	ns3.Agent = "other"
	assert.False(t, a.Equal(KVKey(ns3, "k")))
}

func TestKeyString(t *testing.T) {
	const run = "01234567-89ab-cdef-fedc-ba9876543210"
	tests := []struct {
		k    Key
		want string
	}{
		{KVKey(testNS, "name"), "acme/support/triage/" + run + "/kv/name"},
		{KVKey(testNS, ""), "acme/support/triage/" + run + "/kv/"},
		{StateKey(testNS, "a-b_c.d"), "acme/support/triage/" + run + "/state/a-b_c.d"},
		{KVKey(testNS, "with space"), "acme/support/triage/" + run + `/kv/"with space"`},
		{KVKey(testNS, `q"uote`), "acme/support/triage/" + run + `/kv/"q\"uote"`},
		{KVKey(testNS, "ü"), "acme/support/triage/" + run + `/kv/"ü"`},
		{KVKey(testNS, "\x7f"), "acme/support/triage/" + run + `/kv/"\x7f"`},
		{EventKey(testNS, 1), "acme/support/triage/" + run + "/event/1"},
		{EventKey(testNS, 0), "acme/support/triage/" + run + "/event/0"},
		{EventKey(testNS, math.MaxUint64), "acme/support/triage/" + run + "/event/18446744073709551615"},
		{TraceKey(testNS, 0x41), "acme/support/triage/" + run + "/trace/65"},
		// Event and trace user keys of another length print as other user keys.
		{NewKey(testNS, TypeEvent, []byte("abc")), "acme/support/triage/" + run + "/event/abc"},
		{NewKey(testNS, TypeTrace, []byte{0, 0, 0, 0, 0, 0, 0, 0, 1}), "acme/support/triage/" + run + `/trace/"\x00\x00\x00\x00\x00\x00\x00\x00\x01"`},
		{NewKey(testNS, TypeEvent, nil), "acme/support/triage/" + run + "/event/"},
		// Other types' 8-byte user keys are not numbers.
		{NewKey(testNS, TypeKV, []byte{0, 0, 0, 0, 0, 0, 0, 1}), "acme/support/triage/" + run + `/kv/"\x00\x00\x00\x00\x00\x00\x00\x01"`},
		{VectorKey(testNS, "emb"), "acme/support/triage/" + run + "/vector/emb"},
		{NewKey(testNS, TypeTag(9), []byte("~!")), "acme/support/triage/" + run + "/type(9)/~!"},
		{NewKey(Namespace{}, TypeVector, []byte{0xff}), "///00000000-0000-0000-0000-000000000000/vector/\"\\xff\""},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.k.String())
	}
	require.Equal(t, "acme/support/triage/"+run+"/run/"+strconv.Quote(string(testRun[:])), RunMetadataKey(testNS).String())
}
