package btree

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// maxShared is the longest prefix key shares with a key of keys other than itself.
func maxShared(keys map[string]bool, key string) int {
	best := 0
	for k := range keys {
		if k != key {
			best = max(best, commonPrefix(k, key))
		}
	}
	return best
}

// TestSetNear checks that SetNear never claims a longer shared prefix than some other key
// has (callers skip index work on its word), and that it finds the longest one while the map
// is a single leaf, where every neighbour is in the leaf.
func TestSetNear(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	alphabet := "ab/"
	for round := range 200 {
		var e Edit[int]
		keys := map[string]bool{}
		for i := range 60 {
			b := make([]byte, 1+r.IntN(12))
			for j := range b {
				b[j] = alphabet[r.IntN(len(alphabet))]
			}
			key := string(b)
			want := maxShared(keys, key)
			single := e.t.h <= 1
			_, _, near, _ := e.SetNear(key, i)
			keys[key] = true
			if near > want {
				t.Fatalf("round %d: SetNear(%q) = %d, but no other key shares more than %d bytes", round, key, near, want)
			}
			if single && near != want {
				t.Fatalf("round %d: SetNear(%q) in a one-leaf map = %d, want %d", round, key, near, want)
			}
			if err := e.check(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestCommonPrefix(t *testing.T) {
	for _, c := range []struct {
		a, b string
		n    int
	}{
		{"", "", 0}, {"a", "", 0}, {"abc", "abd", 2}, {"abcdefghij", "abcdefghij", 10},
		{"abcdefghijk", "abcdefghXjk", 8}, {"abcdefgh", "abcdefghi", 8}, {"0123456789abcdefZ", "0123456789abcdefY", 16},
	} {
		if got := commonPrefix(c.a, c.b); got != c.n {
			t.Errorf("commonPrefix(%q, %q) = %d, want %d", c.a, c.b, got, c.n)
		}
		if got := commonPrefix(c.b, c.a); got != c.n {
			t.Errorf("commonPrefix(%q, %q) = %d, want %d", c.b, c.a, got, c.n)
		}
	}
}

// TestSetNearFrozenKey checks the frozen view SetNear returns: equal to the key, only for a
// replaced key whose leaf still shares its keys with a published map, and unchanged by any
// later edit, including ones that move the keys of that leaf in the edit's own copy.
func TestSetNearFrozenKey(t *testing.T) {
	var e Edit[int]
	for i := range 100 {
		e.Set(fmt.Sprintf("k%03d", 2*i), i)
	}
	e.Map() // publish: the leaves are frozen now
	// A replaced key in a leaf not yet copied: a view into the published leaf's keys.
	_, replaced, _, frozen := e.SetNear("k050", -1)
	if !replaced || frozen != "k050" {
		t.Fatalf("SetNear(k050) on a shared leaf: replaced %v, frozen %q", replaced, frozen)
	}
	// The same leaf again: now copied by the edit (shared still, until a key changes).
	// A new key in it makes the edit copy the leaf's keys; afterwards no frozen view.
	if _, replaced, _, f := e.SetNear("k051", 0); replaced || f != "" {
		t.Fatalf("SetNear of a new key: replaced %v, frozen %q", replaced, f)
	}
	if _, replaced, _, f := e.SetNear("k050", -2); !replaced || f != "" {
		t.Fatalf("SetNear(k050) after the edit copied the leaf's keys: replaced %v, frozen %q", replaced, f)
	}
	// Edits that shift the keys of that leaf leave the frozen view as it was.
	for i := range 40 {
		e.Set(fmt.Sprintf("k049%02d", i), i)
		e.Delete(fmt.Sprintf("k%03d", 2*(i+10)))
	}
	if frozen != "k050" {
		t.Fatalf("the frozen view changed to %q", frozen)
	}
}
