package mutants

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// schemaSrc is the file the schema tests plant mutants in.
const schemaSrc = `package p

import (
	"fmt"
	"sort"
)

const limit = 8

type pair struct{ a, b int }

func less(a, b int) bool { return a < b }

func sum(xs []int) int {
	total := 0
	for _, x := range xs {
		if x > limit {
			continue
		}
		total += x
	}
	return total
}

func decl(xs []int) string {
	n := len(xs)
	s := fmt.Sprint(n)
	return s + "!"
}

func redecl(xs []int) error {
	a, err := first(xs)
	b, err := first(xs[a:])
	_ = b
	return err
}

func jump(x int) int {
	switch x {
	case 1:
		x++
		fallthrough
	case 2:
		x += 2
	}
	if x > 3 {
		goto done
	}
	x = 0
done:
	return x
}

func sorted(xs []int) {
	sort.Ints(xs)
}

func unused(xs []int) int {
	n := len(xs)
	return n
}

func first(xs []int) (int, error) { return 0, nil }

func capture() error {
	var err error
	defer func() { _ = err }()
	k := 1
	v, err := first([]int{k})
	_ = v
	return err
}

func three(xs []int) {
	xs[0] = 1
	xs[1] = 2
	xs[2] = 3
}
`

func schemaMutant(id, old, new string) Mutant {
	return Mutant{ID: id, File: "p/p.go", Packages: []string{"./p"}, Run: ".", Why: id, Old: old, New: new}
}

func TestGuardRegion(t *testing.T) {
	for _, c := range []struct {
		m      Mutant
		region string // the guarded statements; "" when the mutant falls back
		why    string // part of the reason it falls back
	}{
		{m: schemaMutant("cond", "if x > limit {", "if x >= limit {"),
			region: "if x > limit {\n\t\t\tcontinue\n\t\t}"},
		{m: schemaMutant("one-line-func", "func less(a, b int) bool { return a < b }", "func less(a, b int) bool { return a <= b }"),
			region: "return a < b"},
		{m: schemaMutant("narrowed", "\t\t\tcontinue\n\t\t}\n\t\ttotal += x", "\t\t\tbreak\n\t\t}\n\t\ttotal += x"),
			region: "continue"},
		{m: schemaMutant("inserts", "xs[1] = 2\n\txs[2]", "xs[1] = 2\n\txs[3] = 4\n\txs[2]"),
			region: "xs[2] = 3"}, // the text inserted ends in xs[2]'s first bytes
		{m: schemaMutant("appends", "xs[1] = 2\n", "xs[1] = 2\n\txs[3] = 4\n"),
			region: "xs[1] = 2\n"},
		{m: schemaMutant("two-statements", "1\n\txs[1] = 2", "-1\n\txs[1] = -2"),
			region: "xs[0] = 1\n\txs[1] = 2"},
		{m: schemaMutant("spans-statements", "total += x\n\t}\n\treturn total", "total -= x\n\t}\n\treturn -total"),
			region: "for _, x := range xs {\n\t\tif x > limit {\n\t\t\tcontinue\n\t\t}\n\t\ttotal += x\n\t}\n\treturn total"},
		{m: schemaMutant("declares-used-later", "n := len(xs)\n\ts :=", "n := len(xs) + 1\n\ts :="),
			region: "n := len(xs)\n\ts := fmt.Sprint(n)\n\treturn s + \"!\""},
		{m: schemaMutant("const", "const limit = 8", "const limit = 9"), why: "not inside a function"},
		{m: schemaMutant("field", "struct{ a, b int }", "struct{ a, b, c int }"), why: "not inside a function"},
		{m: schemaMutant("widened-redeclares", "k := 1", "k := 2"), why: "declare err, which their block already has"},
		{m: schemaMutant("new-redeclares", "s := fmt.Sprint(n)", "var n int\n\ts := fmt.Sprint(n)"), why: "declare n, which"},
		{m: schemaMutant("redeclares", "b, err := first(xs[a:])", "b, err := first(xs)"), why: "declare err, which their block already has"},
		{m: schemaMutant("next-to-fallthrough", "x++\n\t\tfallthrough", "x--\n\t\tfallthrough"), region: "x++"},
		{m: schemaMutant("drops-fallthrough", "x++\n\t\tfallthrough", "x++"), why: "a fallthrough"},
		{m: schemaMutant("goto", "if x > 3 {", "if x > 4 {"), why: "a goto"},
		{m: schemaMutant("drops-import", "sort.Ints(xs)", "xs = xs[:0]"), why: "import sort unused"},
		{m: schemaMutant("drops-variable", "return n", "return 0"), why: "n unused"},
		{m: schemaMutant("assembly", "TEXT", "JMP"), why: "not a Go file"},
	} {
		m := c.m
		if strings.Contains(m.ID, "assembly") {
			m.File = "p/p_amd64.s"
		}
		g, pkg, err := guardRegion([]byte(schemaSrc), m)
		if c.region == "" {
			if err == nil || !strings.Contains(err.Error(), c.why) {
				t.Errorf("%s: guarded %q (err %v), want a fallback for %q", m.ID, schemaSrc[g.start:g.end], err, c.why)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", m.ID, err)
			continue
		}
		if got := schemaSrc[g.start:g.end]; got != c.region || pkg != "p" {
			t.Errorf("%s: guarded %q in package %s, want %q", m.ID, got, pkg, c.region)
		}
		want, _ := m.Apply(schemaSrc)
		if got := schemaSrc[:g.start] + g.mutated(schemaSrc) + schemaSrc[g.end:]; got != want {
			t.Errorf("%s: the guarded copy is not the mutant:\n%s", m.ID, got)
		}
	}
}

func TestPlanSchemata(t *testing.T) {
	list := []Mutant{
		schemaMutant("outer", "for _, x := range xs {", "for _, x := range xs[1:] {"),
		schemaMutant("inner", "if x > limit {", "if x >= limit {"), // nested in outer's region
		schemaMutant("same", "\t\t\tcontinue", "\t\t\tbreak"),      // nested in inner's
		schemaMutant("crosses", "2\n\txs[2] = 3", "-2\n\txs[2] = -3"),
		schemaMutant("crossed", "1\n\txs[1] = 2", "-1\n\txs[1] = -2"),
		schemaMutant("other-func", "return s + \"!\"", "return s+\"?\""),
		schemaMutant("const", "const limit = 8", "const limit = 9"),
		schemaMutant("stale", "no such text", "x"),
		schemaMutant("excluded", "return a < b", "return a <= b"),
	}
	if len(list) != 9 {
		t.Fatal("the list changed: renumber the checks")
	}
	read := func(string) ([]byte, error) { return []byte(schemaSrc), nil }
	plan := PlanSchemata(list, read, map[int]string{9: "told so"})
	if len(plan.Stale) != 1 || plan.Stale[8] == nil {
		t.Errorf("stale: %v", plan.Stale)
	}
	if len(plan.Fallback) != 2 || plan.Fallback[7] == "" || plan.Fallback[9] != "told so" {
		t.Errorf("fallback: %v", plan.Fallback)
	}
	// outer, inner, same, crosses and other-func share round 1; crossed,
	// whose region crosses that of crosses, needs round 2, which one
	// mutant of one package is enough for.
	if len(plan.Rounds) != 2 || !equalInts(plan.Rounds[0].Mutants, []int{1, 2, 3, 4, 6}) || !equalInts(plan.Rounds[1].Mutants, []int{5}) {
		t.Fatalf("rounds: %+v", plan.Rounds)
	}
	for r, s := range plan.Rounds {
		src := s.Files["p/p.go"]
		if _, err := parser.ParseFile(token.NewFileSet(), "p.go", src, 0); err != nil {
			t.Fatalf("round %d's schema does not parse: %v\n%s", r+1, err, src)
		}
		sw := s.Files["p/"+schemaFile]
		if _, err := parser.ParseFile(token.NewFileSet(), schemaFile, sw, 0); err != nil || !strings.Contains(sw, "package p\n") || !strings.Contains(sw, SchemaEnv) {
			t.Fatalf("round %d's switch file: %v\n%s", r+1, err, sw)
		}
		lines := strings.Split(src, "\n")
		for _, n := range s.Mutants {
			on := "if " + schemaFunc + "(" + string(rune('0'+n)) + ") {"
			if strings.Count(src, on) != 1 {
				t.Errorf("round %d: %q appears %d times", r+1, on, strings.Count(src, on))
			}
			var at int
			for i, l := range lines {
				if strings.Contains(l, on) {
					at = i + 1
				}
			}
			if got := s.Blame("p/p.go", at); len(got) != 1 || got[0] != n {
				t.Errorf("round %d: line %d blames mutant %d, want %d", r+1, at, got, n)
			}
			// The copy run when the switch is on is the mutant's new text.
			if !strings.Contains(src, strings.TrimSpace(list[n-1].New)) {
				t.Errorf("round %d: mutant %d's new text is missing", r+1, n)
			}
		}
		if s.Blame("p/p.go", 1) != nil {
			t.Errorf("round %d: the package clause blames a mutant", r+1)
		}
	}
	// A "missing return" at the closing brace after other-func's guard (the
	// function's last statement) blames other-func.
	for _, g := range plan.Rounds[0].Lines["p/p.go"] {
		if g.N == 6 {
			if got := plan.Rounds[0].Blame("p/p.go", g.Last+1); !equalInts(got, []int{6}) {
				t.Errorf("the line after other-func's guard blames %v", got)
			}
		}
	}
	// inner and same are guarded inside outer's original copy: switched
	// off, every switch leaves the original program.
	first := plan.Rounds[0].Files["p/p.go"]
	if strings.Index(first, schemaFunc+"(1)") > strings.Index(first, schemaFunc+"(2)") ||
		strings.Index(first, schemaFunc+"(2)") > strings.Index(first, schemaFunc+"(3)") {
		t.Errorf("nesting order:\n%s", first)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
