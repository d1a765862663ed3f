package btree

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// blockKey draws a short string over a small alphabet, often sharing a long part with others
// (and sometimes a prefix of them, or empty), so that blocks get prefixes of every length.
func blockKey(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(4) > 0 {
		b.WriteString("tenant/run-")
	}
	for range r.IntN(6) {
		b.WriteByte("ab\x00\xff"[r.IntN(4)])
	}
	return b.String()
}

// checkBlock verifies that b holds exactly want (ascending), that every string starts with
// the block's prefix, and that search and upper agree with a binary search of want for probes
// inside, between and outside the strings.
func checkBlock(t *testing.T, r *rand.Rand, b block, want []string) {
	t.Helper()
	n := len(want)
	if err := (&checker{blocks: map[*byte]bool{}}).block(b, n, header(blockMax)); err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		if got := b.piece(i).str(); got != w {
			t.Fatalf("string %d: %q, want %q (prefix %q)", i, got, w, b.prefix())
		}
	}
	probes := slices.Clone(want)
	for range 20 {
		probes = append(probes, blockKey(r))
	}
	if len(want) > 0 {
		probes = append(probes, b.prefix(), b.prefix()+"\xff\xff\xff\xff\xff\xff\xff")
		if p := b.prefix(); p != "" {
			probes = append(probes, p[:len(p)-1], p[:len(p)-1]+"\xff")
		}
	}
	for _, k := range probes {
		wi, wok := slices.BinarySearch(want, k)
		if i, ok := b.search(n, k); i != wi || ok != wok {
			t.Fatalf("search(%q) = %d, %v; want %d, %v (strings %q)", k, i, ok, wi, wok, want)
		}
		wu := wi
		if wok {
			wu++
		}
		if u := b.upper(n, k); u != wu {
			t.Fatalf("upper(%q) = %d, want %d (strings %q)", k, u, wu, want)
		}
		for i := range want {
			if c, wc := b.piece(i).cmp(k), strings.Compare(want[i], k); c != wc {
				t.Fatalf("piece %q cmp %q = %d, want %d", want[i], k, c, wc)
			}
			if h, wh := b.piece(i).hasPrefix(k), strings.HasPrefix(want[i], k); h != wh {
				t.Fatalf("piece %q hasPrefix %q = %v, want %v", want[i], k, h, wh)
			}
			if l, wl := b.piece(i).commonPrefixKey(k), CommonPrefix(want[i], k); l != wl {
				t.Fatalf("piece %q commonPrefixKey %q = %d, want %d", want[i], k, l, wl)
			}
		}
	}
}

// TestBlock builds blocks from random sorted strings, then inserts and removes strings in
// place (where the prefix allows) and rebuilds them from pieces of other blocks, checking the
// contents, the prefix and the searches after every step.
func TestBlock(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for round := range 300 {
		set := map[string]bool{}
		for range r.IntN(blockMax + 1) {
			set[blockKey(r)] = true
		}
		want := make([]string, 0, len(set))
		for k := range set {
			want = append(want, k)
		}
		slices.Sort(want)
		b := blockOf(want...)
		if len(want) > 1 && b.prefix() != want[0][:CommonPrefix(want[0], want[len(want)-1])] {
			t.Fatalf("round %d: prefix %q of %q is not the longest shared one", round, b.prefix(), want)
		}
		checkBlock(t, r, b, want)
		for range 20 {
			switch i := r.IntN(len(want) + 1); {
			case r.IntN(2) == 0 && len(want) < blockMax:
				k := blockKey(r)
				at, found := slices.BinarySearch(want, k)
				if found {
					continue
				}
				want = slices.Insert(want, at, k)
				if p := b.prefix(); strings.HasPrefix(k, p) {
					b = b.insert(len(want)-1, at, piece{k[len(p):], ""})
				} else {
					ps := make([]piece, len(want))
					for j, w := range want {
						ps[j] = piece{w, ""}
					}
					b = blockOfPieces(ps, 0, header(blockMax))
				}
			case i < len(want):
				b = b.remove(len(want), i)
				want = slices.Delete(want, i, i+1)
			default:
				// Rebuild from pieces of the block itself, split at a random point of each.
				ps := make([]piece, len(want))
				for j := range want {
					x := b.piece(j)
					cut := r.IntN(x.len() + 1)
					full := x.str()
					ps[j] = piece{full[:cut], full[cut:]}
				}
				b = blockOfPieces(ps, r.IntN(16), header(blockMax))
			}
			checkBlock(t, r, b, want)
		}
	}
}

// TestPieces checks the two-part string helpers against their one-string counterparts.
func TestPieces(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for range 2000 {
		a, b := blockKey(r), blockKey(r)
		ca, cb := r.IntN(len(a)+1), r.IntN(len(b)+1)
		pa, pb := piece{a[:ca], a[ca:]}, piece{b[:cb], b[cb:]}
		if got, want := commonPrefixPieces(pa, pb), CommonPrefix(a, b); got != want {
			t.Fatalf("commonPrefixPieces(%q, %q) = %d, want %d", a, b, got, want)
		}
		for n := 0; n <= len(a); n++ {
			if got := pa.head(n).str(); got != a[:n] {
				t.Fatalf("head(%d) of %q = %q", n, a, got)
			}
			if got := pa.tail(n).str(); got != a[n:] {
				t.Fatalf("tail(%d) of %q = %q", n, a, got)
			}
			if got := string(pa.appendFrom([]byte("x"), n)); got != "x"+a[n:] {
				t.Fatalf("appendFrom(%d) of %q = %q", n, a, got)
			}
		}
		if a < b {
			s := sepBetween(pa, pb).str()
			if !(a < s && s <= b) || !strings.HasPrefix(b, s) {
				t.Fatalf("sepBetween(%q, %q) = %q", a, b, s)
			}
		}
	}
}
