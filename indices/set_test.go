package indices

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func collect(seq func(func(string) bool)) []string {
	var out []string
	for s := range seq {
		out = append(out, s)
	}
	return out
}

func TestSetZeroIsEmpty(t *testing.T) {
	var s set
	require.Equal(t, 0, s.Len())
	require.False(t, s.Has(""))
	require.False(t, s.Has("a"))
	require.Empty(t, collect(s.All()))
	require.Empty(t, collect(s.Prefix("a")))
	r := s.remove("a")
	require.Equal(t, 0, r.Len())
}

func TestSetAddHasRemove(t *testing.T) {
	var s set
	s = s.add("b").add("a").add("c").add("a")
	require.Equal(t, 3, s.Len())
	require.True(t, s.Has("a"))
	require.True(t, s.Has("b"))
	require.False(t, s.Has("d"))
	require.Equal(t, []string{"a", "b", "c"}, collect(s.All()))

	s = s.remove("b")
	require.Equal(t, 2, s.Len())
	require.False(t, s.Has("b"))
	require.Equal(t, []string{"a", "c"}, collect(s.All()))

	same := s.remove("zzz")
	require.Equal(t, []string{"a", "c"}, collect(same.All()))
}

func TestSetEmptyAndBinaryMembers(t *testing.T) {
	var s set
	s = s.add("").add("\x00").add("\xff").add("\x00\x00")
	require.True(t, s.Has(""))
	require.Equal(t, []string{"", "\x00", "\x00\x00", "\xff"}, collect(s.All()))
	require.Equal(t, []string{"\x00", "\x00\x00"}, collect(s.Prefix("\x00")))
}

func TestSetPrefix(t *testing.T) {
	var s set
	for _, m := range []string{"ab", "a", "abc", "b", "aa", "ac", "abd"} {
		s = s.add(m)
	}
	require.Equal(t, []string{"ab", "abc", "abd"}, collect(s.Prefix("ab")))
	require.Equal(t, []string{"a", "aa", "ab", "abc", "abd", "ac"}, collect(s.Prefix("a")))
	require.Empty(t, collect(s.Prefix("abe")))
	require.Empty(t, collect(s.Prefix("z")))
	require.Equal(t, []string{"b"}, collect(s.Prefix("b")))
}

func TestSetPrefixStopsEarly(t *testing.T) {
	var s set
	for _, m := range []string{"a1", "a2", "a3"} {
		s = s.add(m)
	}
	var got []string
	for m := range s.Prefix("a") {
		got = append(got, m)
		if len(got) == 2 {
			break
		}
	}
	require.Equal(t, []string{"a1", "a2"}, got)
}

func TestSetIsPersistent(t *testing.T) {
	var s0 set
	s1 := s0.add("a")
	s2 := s1.add("b")
	s3 := s2.remove("a")
	require.Equal(t, 0, s0.Len())
	require.Equal(t, []string{"a"}, collect(s1.All()))
	require.Equal(t, []string{"a", "b"}, collect(s2.All()))
	require.Equal(t, []string{"b"}, collect(s3.All()))
}

// TestSetMatchesModel checks a set against a Go map through random adds and
// removes, and that every earlier version still reads as it did.
func TestSetMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		member := rapid.StringOfN(rapid.RuneFrom([]rune("abcd")), 0, 3, -1)
		var s set
		model := map[string]bool{}
		type version struct {
			s    set
			want []string
		}
		var versions []version
		for range rapid.IntRange(0, 60).Draw(t, "ops") {
			m := member.Draw(t, "member")
			if rapid.Bool().Draw(t, "add") {
				s = s.add(m)
				model[m] = true
			} else {
				s = s.remove(m)
				delete(model, m)
			}
			want := sortedKeys(model)
			if got := collect(s.All()); !slices.Equal(got, want) {
				t.Fatalf("members %q, want %q", got, want)
			}
			if s.Len() != len(want) {
				t.Fatalf("Len %d, want %d", s.Len(), len(want))
			}
			versions = append(versions, version{s, want})
		}
		for i, v := range versions {
			if got := collect(v.s.All()); !slices.Equal(got, v.want) {
				t.Fatalf("version %d changed: %q, want %q", i, got, v.want)
			}
		}
	})
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestComparers(t *testing.T) {
	require.Equal(t, -1, bytewise{}.Compare("a", "b"))
	require.Equal(t, 0, bytewise{}.Compare("a", "a"))
	require.Equal(t, 1, bytewise{}.Compare("b", "a"))
	require.Equal(t, -1, bytewise{}.Compare("", "\x00"))
	require.Equal(t, -1, uint64s{}.Compare(1, 2))
	require.Equal(t, 0, uint64s{}.Compare(7, 7))
	require.Equal(t, 1, uint64s{}.Compare(^uint64(0), 0))
}

// add and remove are a one-change edit of s: the persistent operations the
// tests state their expectations with.
func (s set) add(member string) set {
	var e GroupsEdit
	e.Reset(Groups{set: s})
	e.Add([]byte(member))
	return e.Groups().set
}

func (s set) remove(member string) set {
	var e GroupsEdit
	e.Reset(Groups{set: s})
	e.Remove([]byte(member))
	return e.Groups().set
}
