package mutants

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"path"
	"slices"
	"sort"
	"strings"
)

// A mutant schema is one version of a source file that holds many mutants at
// once, each behind a run-time switch: the statements around the part of the
// mutant's snippet that changes are duplicated as
//
//	;if mutantSchemaOn(<n>) {
//		<the statements, mutated>
//	} else {
//		<the original statements>
//	};
//
// (the semicolons keep it a statement of its own whatever surrounds it). One
// test binary per package, compiled once, then runs any of the mutants: the
// environment variable SchemaEnv names the one that is on, and with it unset
// every switch is off and the program is the original one. This file plans
// and writes the schemata; run_test.go builds and runs them.

// SchemaEnv is the environment variable a schema-compiled test binary reads
// once, at initialization, to learn which mutant is on: the mutant's number
// (its place in the list, from 1). Unset or 0, every mutant is off.
const SchemaEnv = "INMEM_MUTANT"

// maxSchemaRounds bounds the builds; schemaFunc is the switch's name in a
// schema; schemaFile is the extra file that defines it in each package that
// holds a schema.
const (
	maxSchemaRounds = 4
	schemaFunc      = "mutantSchemaOn"
	schemaFile      = "zz_mutant_schema.go"
)

// A guard is one mutant of a schema: the region [start, end) of the original
// file (byte offsets) is duplicated, the copy with the mutant's snippet
// replaced running when switch n is on.
type guard struct {
	n          int    // the mutant's switch: its number in the list, from 1
	start, end int    // the guarded region of the original file
	ds, de     int    // the part of the region the mutant changes
	mid        string // what the mutant puts there
}

// mutated returns g's region of src with the mutant applied.
func (g guard) mutated(src string) string {
	return src[g.start:g.ds] + g.mid + src[g.de:g.end]
}

// A Schema is one round's mutant schemata: the files to overlay and the
// mutants they hold. Mutants whose guarded regions cross in a file are put
// in different rounds.
type Schema struct {
	// Files maps a file (slash-separated, from the module root) to its
	// schema's source; the extra files defining the switch are included.
	Files map[string]string
	// Lines maps each file holding guards to where they are in its
	// schema, to blame a compiler's error on a mutant.
	Lines map[string][]GuardLines
	// Mutants are the numbers (from 1) of the mutants the round holds.
	Mutants []int
}

// GuardLines are the lines (from 1) of a schema that guard mutant N: its
// if statement, both copies.
type GuardLines struct {
	N           int
	First, Last int
}

// Blame returns the mutants a compiler's error at line of file in the
// schema points at: the innermost guard that holds the line; else the guards
// that end on the line before, with those nested in them (a "missing
// return" is reported at the function's closing brace, after the guard of
// its last statements); else none.
func (s Schema) Blame(file string, line int) []int {
	best, span := 0, -1
	for _, g := range s.Lines[file] {
		if g.First <= line && line <= g.Last && (span < 0 || g.Last-g.First < span) {
			best, span = g.N, g.Last-g.First
		}
	}
	if best != 0 {
		return []int{best}
	}
	var out []int
	for _, g := range s.Lines[file] {
		if g.Last != line-1 {
			continue
		}
		for _, in := range s.Lines[file] {
			if g.First <= in.First && in.Last <= g.Last {
				out = append(out, in.N)
			}
		}
	}
	return out
}

// pkgKey names a test package: its directory from the module root.
func pkgKey(dir, pkg string) string {
	return path.Clean(path.Join(dir, pkg))
}

// A SchemaPlan says how each mutant of a list runs: compiled into one of the
// rounds' schemata, by its own overlay (Fallback, with the reason), or not at
// all (Stale, whose snippet does not occur exactly once).
type SchemaPlan struct {
	Rounds   []Schema
	Fallback map[int]string // mutant number -> why it cannot be guarded
	Stale    map[int]error  // mutant number -> Apply's error
}

// PlanSchemata plans the schemata of list (mutant i is number i+1): each
// mutant whose snippet lies inside a function's statements and can be
// guarded without changing what the mutated program means is put in the
// first round where its region crosses no other mutant's (a region nested
// in another's shares its round). At most maxSchemaRounds rounds are made, and a
// round holding fewer mutants than the test packages it needs is not worth
// its builds: its mutants fall back. The mutants of excluded fall back with
// the reason given. read returns a file's source (path slash-separated from
// the module root). It compiles nothing: a schema that does not compile is
// found by its build, whose errors the Schema's Lines map to mutants.
func PlanSchemata(list []Mutant, read func(file string) ([]byte, error), excluded map[int]string) SchemaPlan {
	plan := SchemaPlan{Fallback: map[int]string{}, Stale: map[int]error{}}
	type fileGuards struct {
		src    []byte
		pkg    string    // its package name
		rounds [][]guard // per round
	}
	files := map[string]*fileGuards{}
	var order []string // files in the order first seen
	var roundsOf [][]int
	for i, m := range list {
		n := i + 1
		fg, ok := files[m.File]
		if !ok {
			src, err := read(m.File)
			if err != nil {
				plan.Stale[n] = fmt.Errorf("cannot read %s: %v", m.File, err)
				continue
			}
			fg = &fileGuards{src: src}
			files[m.File] = fg
			order = append(order, m.File)
		}
		if _, err := m.Apply(string(fg.src)); err != nil {
			plan.Stale[n] = err
			continue
		}
		if why, ok := excluded[n]; ok {
			plan.Fallback[n] = why
			continue
		}
		g, pkg, err := guardRegion(fg.src, m)
		if err != nil {
			plan.Fallback[n] = err.Error()
			continue
		}
		fg.pkg = pkg
		g.n = n
		placed := false
		for r := 0; r < maxSchemaRounds && !placed; r++ {
			for len(fg.rounds) <= r {
				fg.rounds = append(fg.rounds, nil)
			}
			if overlapsAny(fg.rounds[r], g) {
				continue
			}
			fg.rounds[r] = append(fg.rounds[r], g)
			for len(roundsOf) <= r {
				roundsOf = append(roundsOf, nil)
			}
			roundsOf[r] = append(roundsOf[r], n)
			placed = true
		}
		if !placed {
			plan.Fallback[n] = fmt.Sprintf("its region crosses other mutants' in each of %d rounds", maxSchemaRounds)
		}
	}
	for r, ns := range roundsOf {
		pkgs := map[string]bool{}
		for _, n := range ns {
			for _, p := range list[n-1].Packages {
				pkgs[pkgKey(list[n-1].Dir, p)] = true
			}
		}
		if len(ns) < len(pkgs) {
			for _, n := range ns {
				plan.Fallback[n] = fmt.Sprintf("its round (%d) holds too few mutants to be worth a build", r+1)
			}
			continue
		}
		s := Schema{Files: map[string]string{}, Lines: map[string][]GuardLines{}, Mutants: ns}
		for _, f := range order {
			fg := files[f]
			if r >= len(fg.rounds) || len(fg.rounds[r]) == 0 {
				continue
			}
			s.Files[f], s.Lines[f] = renderSchema(string(fg.src), fg.rounds[r])
			s.Files[path.Join(path.Dir(f), schemaFile)] = switchFile(fg.pkg)
		}
		plan.Rounds = append(plan.Rounds, s)
	}
	return plan
}

// overlapsAny reports whether g's region overlaps one of gs's without
// either holding the other: a region nested in another's is guarded inside
// the other's original copy, but two that cross cannot both be guarded.
func overlapsAny(gs []guard, g guard) bool {
	for _, o := range gs {
		if g.start < o.end && o.start < g.end && !contains(o, g) && !contains(g, o) {
			return true
		}
	}
	return false
}

func contains(outer, inner guard) bool {
	return outer.start <= inner.start && inner.end <= outer.end
}

// switchFile is the extra file of a package holding a schema: it reads
// SchemaEnv once, at initialization.
func switchFile(pkg string) string {
	return "// Code generated by internal/mutants for a mutant schema. DO NOT EDIT.\n\n" +
		"package " + pkg + "\n\n" +
		"import (\n\t\"os\"\n\t\"strconv\"\n)\n\n" +
		"var mutantSchemaCurrent, _ = strconv.Atoi(os.Getenv(\"" + SchemaEnv + "\"))\n\n" +
		"// " + schemaFunc + " reports whether mutant n is the one turned on.\n" +
		"func " + schemaFunc + "(n int) bool { return mutantSchemaCurrent == n }\n"
}

// renderSchema returns src with each guard's region duplicated behind its
// switch. Guards' regions cross none of the others': one nested in another's
// (or equal to it) is guarded inside the other's original copy, which runs
// whenever the other is off.
func renderSchema(src string, gs []guard) (string, []GuardLines) {
	gs = append([]guard(nil), gs...)
	sort.Slice(gs, func(a, b int) bool {
		if gs[a].start != gs[b].start {
			return gs[a].start < gs[b].start
		}
		if gs[a].end != gs[b].end {
			return gs[a].end > gs[b].end
		}
		return gs[a].n < gs[b].n
	})
	var b strings.Builder
	var lines []GuardLines
	writeGuarded(&b, &lines, src, 0, len(src), gs)
	return b.String(), lines
}

// writeGuarded writes src[lo:hi] with the guards gs, sorted by start and
// outermost first, each within [lo, hi).
func writeGuarded(b *strings.Builder, lines *[]GuardLines, src string, lo, hi int, gs []guard) {
	at := lo
	for k := 0; k < len(gs); {
		g := gs[k]
		inner := k + 1
		for inner < len(gs) && contains(g, gs[inner]) {
			inner++
		}
		b.WriteString(src[at:g.start])
		first := strings.Count(b.String(), "\n") + 1
		fmt.Fprintf(b, ";if %s(%d) {\n%s\n} else {\n", schemaFunc, g.n, g.mutated(src))
		writeGuarded(b, lines, src, g.start, g.end, gs[k+1:inner])
		b.WriteString("\n};")
		*lines = append(*lines, GuardLines{N: g.n, First: first, Last: strings.Count(b.String(), "\n") + 1})
		at, k = g.end, inner
	}
	b.WriteString(src[at:hi])
}

// guardRegion finds the region of src that guards m: the smallest run of
// statements of one statement list (a block, a case or a select clause)
// that holds the part of m's snippet the mutant changes, widened to the end of the list when a name the
// run declares is used after it. It returns an error, saying why, when the
// mutant cannot be guarded there: its snippet is outside any function body,
// or guarding it could change what it means or whether it compiles.
func guardRegion(src []byte, m Mutant) (g guard, pkg string, err error) {
	if !strings.HasSuffix(m.File, ".go") {
		return g, "", fmt.Errorf("not a Go file")
	}
	fset := token.NewFileSet()
	f, perr := parser.ParseFile(fset, m.File, src, parser.SkipObjectResolution)
	if perr != nil {
		return g, "", fmt.Errorf("the file does not parse: %v", perr)
	}
	tf := fset.File(f.Pos())
	off := func(p token.Pos) int { return tf.Offset(p) }
	// Only the part of the snippet that changes needs a guard: a one-line
	// function's signature stays outside it.
	p, q := commonAffixes(m.Old, m.New)
	at := strings.Index(string(src), m.Old)
	s, e := at+p, at+len(m.Old)-q
	g.ds, g.de, g.mid = s, e, m.New[p:len(m.New)-q]

	// The innermost statement list whose statements hold [s, e).
	var (
		best       []ast.Stmt
		bestI      int
		bestJ      int
		bestParams []string // the enclosing function's parameter names when the list is its body
		bestSpan   = -1
	)
	consider := func(list []ast.Stmt, from, to int, params []string) {
		i := 0
		for i < len(list) && off(list[i].End()) <= s {
			i++
		}
		j := len(list) - 1
		for j >= 0 && off(list[j].Pos()) >= e {
			j--
		}
		if i >= len(list) || j < 0 || i > j {
			return
		}
		lo, hi := from, to
		if i > 0 {
			lo = off(list[i-1].End())
		}
		if j+1 < len(list) {
			hi = off(list[j+1].Pos())
		}
		if s < lo || e > hi {
			return
		}
		span := max(e, off(list[j].End())) - min(s, off(list[i].Pos()))
		if bestSpan < 0 || span < bestSpan {
			best, bestI, bestJ, bestParams, bestSpan = list, i, j, params, span
		}
	}
	clauses := map[*ast.BlockStmt]bool{} // the bodies of switches and selects: clauses, not statements
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			return true
		}
		if off(n.Pos()) > s || off(n.End()) < e {
			return false // it does not hold the snippet
		}
		switch n := n.(type) {
		case *ast.SwitchStmt:
			clauses[n.Body] = true
		case *ast.TypeSwitchStmt:
			clauses[n.Body] = true
		case *ast.SelectStmt:
			clauses[n.Body] = true
		case *ast.FuncDecl:
			if n.Body != nil {
				consider(n.Body.List, off(n.Body.Lbrace)+1, off(n.Body.Rbrace), fieldNames(n.Recv, n.Type))
			}
		case *ast.FuncLit:
			consider(n.Body.List, off(n.Body.Lbrace)+1, off(n.Body.Rbrace), fieldNames(nil, n.Type))
		case *ast.BlockStmt:
			if clauses[n] {
				break
			}
			consider(n.List, off(n.Lbrace)+1, off(n.Rbrace), nil)
		case *ast.CaseClause:
			consider(n.Body, off(n.Colon)+1, off(n.End()), nil)
		case *ast.CommClause:
			consider(n.Body, off(n.Colon)+1, off(n.End()), nil)
		}
		return true
	})
	if best == nil {
		return g, "", fmt.Errorf("its snippet is not inside a function's statements")
	}
	i, j := bestI, bestJ
	region := func() (int, int) {
		return min(s, off(best[i].Pos())), max(e, off(best[j].End()))
	}
	// A name the block declares before the run: the run must not declare
	// it again (a := would declare a new one inside the guard, and the
	// block's own would no longer be assigned; any other declaration would
	// not compile unguarded).
	earlier := map[string]bool{}
	for _, p := range bestParams {
		earlier[p] = true
	}
	if i > 0 {
		before, err := declaredNames(string(src[off(best[0].Pos()):off(best[i-1].End())]))
		if err != nil {
			return g, "", err
		}
		for _, name := range before {
			earlier[name] = true
		}
	}
	var oldText, newText string
	for widened := false; ; widened = true {
		g.start, g.end = region()
		oldText, newText = string(src[g.start:g.end]), g.mutated(string(src))
		// What the run declares, as the original and as the mutant.
		oldDecl, err := declaredNames(oldText)
		if err != nil {
			return g, "", err
		}
		newDecl, err := declaredNames(newText)
		if err != nil {
			return g, "", fmt.Errorf("the mutated statements do not parse alone: %v", err)
		}
		declared := append(oldDecl, newDecl...)
		for _, name := range declared {
			if earlier[name] {
				return g, "", fmt.Errorf("its statements declare %s, which their block already has", name)
			}
		}
		if widened || j+1 == len(best) {
			break
		}
		// A name declared in the run and used after it: the rest of the
		// block joins the guarded run.
		after := map[string]bool{}
		for _, name := range identsIn(string(src[off(best[j+1].Pos()):off(best[len(best)-1].End())])) {
			after[name] = true
		}
		if !slices.ContainsFunc(declared, func(name string) bool { return after[name] }) {
			break
		}
		j = len(best) - 1
	}
	if bad := jumpIn(oldText); bad != "" {
		return g, "", fmt.Errorf("its statements hold %s", bad)
	}
	if bad := jumpIn(newText); bad != "" {
		return g, "", fmt.Errorf("its mutated statements hold %s", bad)
	}
	// A name the mutant no longer uses may leave a variable or an import
	// unused: the mutant alone would not compile, its schema would (the
	// original copy still uses it). Such a mutant runs by its own overlay,
	// which reports it BROKEN.
	if name := newlyUnused(string(src), strings.Replace(string(src), m.Old, m.New, 1)); name != "" {
		return g, "", fmt.Errorf("the mutant leaves %s unused", name)
	}
	return g, f.Name.Name, nil
}

// commonAffixes returns the lengths of a common prefix and suffix of a and
// b that do not overlap and leave a's middle non-empty: the longest, but
// that a pure insertion takes the nearest byte of code of a on each side with
// it (so that the middle touches the statements around the insertion).
func commonAffixes(a, b string) (p, q int) {
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	for q < len(a)-p && q < len(b)-p && a[len(a)-1-q] == b[len(b)-1-q] {
		q++
	}
	if p+q == len(a) {
		for p > 0 && isSpace(a[p-1]) {
			p--
		}
		if p > 0 {
			p--
		}
		for q > 0 && isSpace(a[len(a)-q]) {
			q--
		}
		if q > 0 {
			q--
		}
	}
	return p, q
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// fieldNames lists a function's receiver, parameter and result names.
func fieldNames(recv *ast.FieldList, typ *ast.FuncType) []string {
	var names []string
	for _, fl := range []*ast.FieldList{recv, typ.TypeParams, typ.Params, typ.Results} {
		if fl == nil {
			continue
		}
		for _, fd := range fl.List {
			for _, n := range fd.Names {
				names = append(names, n.Name)
			}
		}
	}
	return names
}

// declaredNames parses text as a run of statements and lists the names it
// declares at its top level.
func declaredNames(text string) ([]string, error) {
	const head = "package p\nfunc _() {\n"
	f, err := parser.ParseFile(token.NewFileSet(), "", head+text+"\n}\n", parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, st := range f.Decls[0].(*ast.FuncDecl).Body.List {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE {
				for _, l := range st.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
						names = append(names, id.Name)
					}
				}
			}
		case *ast.DeclStmt:
			for _, sp := range st.Decl.(*ast.GenDecl).Specs {
				switch sp := sp.(type) {
				case *ast.ValueSpec:
					for _, id := range sp.Names {
						if id.Name != "_" {
							names = append(names, id.Name)
						}
					}
				case *ast.TypeSpec:
					names = append(names, sp.Name.Name)
				}
			}
		}
	}
	return names, nil
}

// jumpIn names a label, goto or fallthrough in a run of statements: they
// cannot move into a guard's branches.
func jumpIn(text string) string {
	const head = "package p\nfunc _() {\n"
	f, err := parser.ParseFile(token.NewFileSet(), "", head+text+"\n}\n", parser.SkipObjectResolution)
	if err != nil {
		return "text that does not parse alone"
	}
	bad := ""
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.LabeledStmt:
			bad = "a label"
		case *ast.BranchStmt:
			if n.Tok == token.GOTO || n.Tok == token.FALLTHROUGH {
				bad = "a " + n.Tok.String()
			}
		}
		return bad == ""
	})
	return bad
}

// identsIn lists the identifiers of a piece of Go source, in order.
func identsIn(text string) []string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", -1, len(text)), []byte(text), func(token.Position, string) {}, 0)
	var out []string
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.IDENT {
			out = append(out, lit)
		}
	}
}

// newlyUnused names a local variable or an import that mutated leaves unused
// and src does not: the mutated file would not compile.
func newlyUnused(src, mutated string) string {
	before, after := unused(src), unused(mutated)
	for name, n := range after {
		if n > before[name] {
			return name
		}
	}
	return ""
}

// unused counts, by name, the local variables a file declares and never
// uses (an assignment is no use) and the imports it never uses, as the
// parser resolves names; nil when the file does not parse.
func unused(src string) map[string]int {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, 0)
	if err != nil {
		return nil
	}
	// The parser's resolution of names within a file is all this needs: it
	// compares a file with its mutant, without the package's imports that
	// go/types would need compiled.
	//lint:ignore SA1019 see above
	used := map[*ast.Object]bool{}
	assigned := map[*ast.Ident]bool{}
	uses := map[string]int{} // unresolved names: packages
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						assigned[id] = true
					}
				}
			}
		case *ast.IncDecStmt:
			if id, ok := n.X.(*ast.Ident); ok {
				assigned[id] = true
			}
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && id.Obj == nil {
				uses[id.Name]++
			}
		case *ast.Ident:
			if n.Obj != nil && n.Obj.Kind == ast.Var && !assigned[n] && !declares(n) {
				used[n.Obj] = true
			}
		}
		return true
	})
	out := map[string]int{}
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Obj != nil && id.Obj.Kind == ast.Var && declares(id) && !used[id.Obj] && id.Name != "_" {
			if _, param := id.Obj.Decl.(*ast.Field); !param && f.Scope.Lookup(id.Name) != id.Obj {
				out[id.Name]++
			}
		}
		return true
	})
	for _, imp := range f.Imports {
		name := strings.Trim(imp.Path.Value, `"`)
		name = name[strings.LastIndex(name, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		if name != "_" && name != "." && uses[name] == 0 {
			out["import "+name]++
		}
	}
	return out
}

// declares reports whether id is where its object is declared.
func declares(id *ast.Ident) bool {
	return id.Obj.Pos() == id.Pos()
}
