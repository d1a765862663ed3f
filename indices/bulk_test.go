package indices

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestSetAddAllMatchesAdd checks AddAll against adding one by one, on sets
// small against the batch (rebuilt) and large against it (path copied), and
// that the original set is unchanged.
func TestSetAddAllMatchesAdd(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		member := rapid.StringOfN(rapid.RuneFrom([]rune("abc")), 0, 4, -1)
		var s set
		for range rapid.IntRange(0, 120).Draw(t, "initial") {
			s = s.Add(member.Draw(t, "old"))
		}
		before := collect(s.All())
		batch := rapid.SliceOfN(member, 0, 20).Draw(t, "batch")
		want := s
		for _, m := range batch {
			want = want.Add(m)
		}
		got := s.AddAll(slices.Clone(batch))
		if !slices.Equal(collect(got.All()), collect(want.All())) || got.Len() != want.Len() {
			t.Fatalf("AddAll: %q, want %q", collect(got.All()), collect(want.All()))
		}
		if !slices.Equal(collect(s.All()), before) {
			t.Fatalf("AddAll changed its receiver")
		}
	})
}

func TestSetAddAllEdgeCases(t *testing.T) {
	var s set
	require.Equal(t, 0, s.AddAll(nil).Len())
	s = s.AddAll([]string{"b", "a", "b", ""})
	require.Equal(t, []string{"", "a", "b"}, collect(s.All()))
	same := s.AddAll([]string{"a", "b"})
	require.Equal(t, collect(s.All()), collect(same.All()))

	// Large against the batch: the path-copy branch.
	var big set
	var many []string
	for i := range 100 {
		many = append(many, fmt.Sprintf("m%03d", i))
	}
	big = big.AddAll(many)
	require.Equal(t, 100, big.Len())
	bigger := big.AddAll([]string{"m050x", "a"})
	require.Equal(t, 102, bigger.Len())
	require.True(t, bigger.Has("m050x"))
	require.True(t, bigger.Has("a"))
	require.False(t, big.Has("a"))
}

func TestGroupsAddAll(t *testing.T) {
	var g Groups
	g = g.AddAll([]string{"\x01ns2", "\x01ns1", "\x00ns1"})
	require.Equal(t, []string{"ns1", "ns2"}, collect(g.Namespaces("\x01")))
	require.Equal(t, []string{"ns1"}, collect(g.Namespaces("\x00")))
}

// TestTTLAddAllMatchesAdd checks TTL.AddAll against Add in order, duplicates
// included (the last wins), in both branches.
func TestTTLAddAllMatchesAdd(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		key := rapid.SampledFrom([]string{"a", "b", "c", "d", "e"})
		at := func(label string) time.Time {
			return base.Add(time.Duration(rapid.IntRange(-3, 3).Draw(t, label)) * time.Second)
		}
		var x TTL[int]
		for i := range rapid.IntRange(0, 60).Draw(t, "initial") {
			x = x.Add(at("oldAt"), key.Draw(t, "oldKey")+fmt.Sprint(i%10), -i)
		}
		before := collect2(x.All())
		var entries []ttlEntry[int]
		want := x
		for i := range rapid.IntRange(0, 12).Draw(t, "batch") {
			e := ttlEntry[int]{ExpiresAt: at("at"), EncKey: key.Draw(t, "key"), Value: i}
			entries = append(entries, e)
			want = want.Add(e.ExpiresAt, e.EncKey, e.Value)
		}
		got := x.AddAll(entries)
		if !slices.Equal(collect2(got.All()), collect2(want.All())) {
			t.Fatalf("AddAll: %v, want %v", collect2(got.All()), collect2(want.All()))
		}
		if !slices.Equal(collect2(x.All()), before) {
			t.Fatalf("AddAll changed its receiver")
		}
	})
}
