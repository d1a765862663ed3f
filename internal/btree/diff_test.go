package btree

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// delta is one difference Diff reports, with copies of the values (nil: absent).
type delta struct {
	key  string
	x, y *val
}

func (d delta) String() string {
	s := func(v *val) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprint(*v)
	}
	return fmt.Sprintf("%q: %s -> %s", d.key, s(d.x), s(d.y))
}

func eqVal(x, y *val) bool { return *x == *y }

// diffOf collects what Diff yields, and counts the calls of eq.
func diffOf(a, b *Map[val], lo, hi string, reverse bool) (out []delta, eqs int) {
	eq := func(x, y *val) bool { eqs++; return *x == *y }
	Diff(a, b, lo, hi, reverse, eq, func(k string, x, y *val) bool {
		d := delta{key: k}
		if x != nil {
			v := *x
			d.x = &v
		}
		if y != nil {
			v := *y
			d.y = &v
		}
		out = append(out, d)
		return true
	})
	return out, eqs
}

// bruteDiff is the differences of two snapshots' contents in [lo, hi), by a merge of their
// full key lists.
func bruteDiff(a, b snapshot, lo, hi string, reverse bool) []delta {
	var out []delta
	in := func(k string) bool { return k >= lo && (hi == "" || k < hi) }
	i, j := 0, 0
	for i < len(a.keys) || j < len(b.keys) {
		switch {
		case j == len(b.keys) || i < len(a.keys) && a.keys[i] < b.keys[j]:
			if in(a.keys[i]) {
				out = append(out, delta{a.keys[i], &a.vals[i], nil})
			}
			i++
		case i == len(a.keys) || b.keys[j] < a.keys[i]:
			if in(b.keys[j]) {
				out = append(out, delta{b.keys[j], nil, &b.vals[j]})
			}
			j++
		default:
			if in(a.keys[i]) && a.vals[i] != b.vals[j] {
				out = append(out, delta{a.keys[i], &a.vals[i], &b.vals[j]})
			}
			i++
			j++
		}
	}
	if reverse {
		slices.Reverse(out)
	}
	return out
}

func sameDeltas(want, got []delta) error {
	if len(want) != len(got) {
		return fmt.Errorf("%d differences, want %d:\n got %v\nwant %v", len(got), len(want), got, want)
	}
	for i := range want {
		if want[i].String() != got[i].String() {
			return fmt.Errorf("difference %d is %v, want %v", i, got[i], want[i])
		}
	}
	return nil
}

// TestDiffModel builds families of published maps (edits that branch from earlier versions)
// and checks Diff between every two kept versions, in both directions and over random ranges,
// against a merge of their full contents.
func TestDiffModel(t *testing.T) {
	for r := range max(rounds()/2, 1) {
		t.Run(fmt.Sprint(r), rapid.MakeCheck(runDiffModel))
	}
}

func runDiffModel(t *rapid.T) {
	h := newHarness()
	key := rapid.Map(rapid.IntRange(-1, keySpace), testKey)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Repeat(map[string]func(*rapid.T){
		"": func(t *rapid.T) { must(h.invariants()) },
		"set": func(t *rapid.T) {
			for _, k := range rapid.SliceOfN(key, 1, 40).Draw(t, "keys") {
				must(h.set(k))
			}
		},
		"setBatch": func(t *rapid.T) {
			for _, k := range batch(t) {
				must(h.set(k))
			}
		},
		"delete": func(t *rapid.T) {
			h.sort()
			if len(h.keys) == 0 {
				t.Skip("empty")
			}
			i := rapid.IntRange(0, len(h.keys)-1).Draw(t, "from")
			n := rapid.IntRange(1, min(len(h.keys)-i, 300)).Draw(t, "n")
			for _, k := range slices.Clone(h.keys[i : i+n]) {
				must(h.del(k))
			}
		},
		"publish": func(t *rapid.T) { must(h.publish()) },
		"branch": func(t *rapid.T) {
			if len(h.versions) == 0 {
				t.Skip("nothing published")
			}
			h.branch(rapid.IntRange(0, len(h.versions)-1).Draw(t, "version"))
		},
		"diff": func(t *rapid.T) {
			if len(h.versions) == 0 {
				t.Skip("nothing published")
			}
			n := len(h.versions) - 1
			a, b := h.versions[rapid.IntRange(0, n).Draw(t, "a")], h.versions[rapid.IntRange(0, n).Draw(t, "b")]
			lo, hi := "", ""
			if rapid.Bool().Draw(t, "bounded") {
				lo, hi = key.Draw(t, "lo"), key.Draw(t, "hi")
			}
			rev := rapid.Bool().Draw(t, "reverse")
			got, _ := diffOf(a.m, b.m, lo, hi, rev)
			must(sameDeltas(bruteDiff(a, b, lo, hi, rev), got))
		},
	})
}

// TestDiffSkipsShared checks the cost: after k changes to a large map, Diff compares only
// the entries of the leaves the changes touched, not the map.
func TestDiffSkipsShared(t *testing.T) {
	const n = 50_000
	e := (*Map[val])(nil).Edit()
	for i := range n {
		e.Set(testKey(i), val{testKey(i), 0})
	}
	base := e.Map()
	r := rand.New(rand.NewPCG(7, 7))
	for _, k := range []int{0, 1, 10, 100} {
		e := base.Edit()
		changed := map[string]bool{}
		for len(changed) < k {
			i := r.IntN(n + n/10) // some inserts, mostly overwrites
			key := testKey(i)
			switch r.IntN(3) {
			case 0:
				if _, ok := e.Delete(key); ok {
					changed[key] = true
				}
			default:
				e.Set(key, val{key, 1})
				changed[key] = true
			}
		}
		m := e.Map()
		for _, rev := range []bool{false, true} {
			got, eqs := diffOf(base, m, "", "", rev)
			if len(got) != k {
				t.Fatalf("k=%d reverse=%v: %d differences", k, rev, len(got))
			}
			for _, d := range got {
				if !changed[d.key] {
					t.Fatalf("k=%d: %q reported, not changed", k, d.key)
				}
			}
			// A change touches one leaf on each side (two after a split or merge): at
			// most a few leaves' entries are compared per change.
			if limit := 4 * leafMax * k; eqs > limit {
				t.Fatalf("k=%d reverse=%v: %d entries compared, want <= %d (shared subtrees not skipped)", k, rev, eqs, limit)
			}
			back, _ := diffOf(m, base, "", "", !rev)
			if len(back) != k {
				t.Fatalf("k=%d: the reverse diff has %d differences", k, len(back))
			}
		}
	}
}

// TestDiffUnrelated compares maps that share no node: equal contents yield nothing, entry by
// entry.
func TestDiffUnrelated(t *testing.T) {
	build := func(keys []int) *Map[val] {
		e := (*Map[val])(nil).Edit()
		for _, i := range keys {
			e.Set(testKey(i), val{testKey(i), 0})
		}
		return e.Map()
	}
	keys := make([]int, 2000)
	for i := range keys {
		keys[i] = i
	}
	a := build(keys)
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	b := build(keys) // other insertion order: other node boundaries
	if got, eqs := diffOf(a, b, "", "", false); len(got) != 0 || eqs != 2000 {
		t.Fatalf("equal contents: %d differences after %d comparisons", len(got), eqs)
	}
	if got, _ := diffOf(a, nil, "", "", false); len(got) != 2000 || got[0].y != nil {
		t.Fatalf("against the empty map: %d differences", len(got))
	}
	if got, eqs := diffOf(a, a, "", "", true); len(got) != 0 || eqs != 0 {
		t.Fatalf("a map against itself: %d differences, %d comparisons", len(got), eqs)
	}
	var stops int
	Diff(a, nil, "", "", false, eqVal, func(string, *val, *val) bool { stops++; return stops < 3 })
	if stops != 3 {
		t.Fatalf("fn returning false did not stop the walk: %d calls", stops)
	}
}

// TestDiffSeeded is a seeded version of TestDiffModel that fails fast (no shrinking): random
// batches on branching edits, and Diff between a few pairs of kept versions over random ranges
// and both directions.
func TestDiffSeeded(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	h := newHarness()
	for step := range 80 {
		switch r.IntN(5) {
		case 0, 1:
			for _, k := range batchKeys(r, 1+r.IntN(maxBatch), r.IntN(2) == 0) {
				if err := h.set(k); err != nil {
					t.Fatal(err)
				}
			}
		case 2:
			for _, k := range batchKeys(r, 1+r.IntN(maxBatch/4), r.IntN(2) == 0) {
				if err := h.del(k); err != nil {
					t.Fatal(err)
				}
			}
		case 3:
			if err := h.publish(); err != nil {
				t.Fatal(err)
			}
		case 4:
			if len(h.versions) > 0 {
				h.branch(r.IntN(len(h.versions)))
			}
		}
		for range min(len(h.versions), 4) {
			a, b := h.versions[r.IntN(len(h.versions))], h.versions[r.IntN(len(h.versions))]
			{
				lo, hi := "", ""
				if r.IntN(2) == 0 {
					lo, hi = testKey(r.IntN(keySpace)), testKey(r.IntN(keySpace))
				}
				rev := r.IntN(2) == 0
				got, _ := diffOf(a.m, b.m, lo, hi, rev)
				if err := sameDeltas(bruteDiff(a, b, lo, hi, rev), got); err != nil {
					t.Fatalf("step %d, [%q, %q) reverse=%v: %v", step, lo, hi, rev, err)
				}
			}
		}
	}
}
