package btree

import (
	"math/rand/v2"
	"testing"
)

// maxShared is the longest prefix key shares with a key of keys other than itself.
func maxShared(keys map[string]bool, key string) int {
	best := 0
	for k := range keys {
		if k != key {
			best = max(best, CommonPrefix(k, key))
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
			_, _, near := e.SetNear(key, i)
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
		if got := CommonPrefix(c.a, c.b); got != c.n {
			t.Errorf("CommonPrefix(%q, %q) = %d, want %d", c.a, c.b, got, c.n)
		}
		if got := CommonPrefix(c.b, c.a); got != c.n {
			t.Errorf("CommonPrefix(%q, %q) = %d, want %d", c.b, c.a, got, c.n)
		}
	}
}
