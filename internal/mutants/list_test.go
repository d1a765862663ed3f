package mutants

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The list is well formed and names files and packages that exist; this runs
// with every test run, while applying the mutants is opt-in.
func TestListIsWellFormed(t *testing.T) {
	root := moduleRoot(t)
	list := loadList(t)
	if len(list) < 25 {
		t.Fatalf("%d mutants listed, want at least 25", len(list))
	}
	for _, m := range list {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(m.File))); err != nil {
			t.Errorf("%s: file %s: %v", m.ID, m.File, err)
		}
		if strings.HasSuffix(m.File, "_test.go") {
			t.Errorf("%s: a mutant plants a bug in the code, not in a test (%s)", m.ID, m.File)
		}
		for _, p := range m.Packages {
			if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(m.Dir), filepath.FromSlash(p))); err != nil || !fi.IsDir() {
				t.Errorf("%s: package %s is not a directory of the module", m.ID, p)
			}
		}
	}
}

func TestParse(t *testing.T) {
	const src = `# a comment
[core]

mutant one
file   core/x.go
pkgs   ./core ./mvcc
run    TestA|TestB
why    it breaks
old    a <= b
new    a < b

[mvcc]
mutant two
file mvcc/y.go
dir  sub/module
pkgs ./mvcc
run  TestC
why  two lines
old  \tif x {
old  \t\treturn
new  \tif !x {
new  \t\treturn
`
	list, err := Parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d mutants, want 2", len(list))
	}
	one, two := list[0], list[1]
	if one.ID != "one" || one.Section != "core" || one.File != "core/x.go" || len(one.Packages) != 2 ||
		one.Run != "TestA|TestB" || one.Why != "it breaks" || one.Old != "a <= b" || one.New != "a < b" || one.Line != 4 {
		t.Fatalf("first: %+v", one)
	}
	if one.Dir != "" || two.Dir != "sub/module" {
		t.Fatalf("dir: %q, %q", one.Dir, two.Dir)
	}
	if two.Section != "mvcc" || two.Old != "\tif x {\n\t\treturn" || two.New != "\tif !x {\n\t\treturn" {
		t.Fatalf("second: %+v", two)
	}
	got, err := two.Apply("func f() {\n\tif x {\n\t\treturn\n\t}\n}\n")
	if err != nil || got != "func f() {\n\tif !x {\n\t\treturn\n\t}\n}\n" {
		t.Fatalf("Apply = %q, %v", got, err)
	}
	if _, err := two.Apply("no match"); err == nil || !strings.Contains(err.Error(), "STALE: two") {
		t.Fatalf("a missing snippet: %v", err)
	}
	if _, err := one.Apply("a <= b; a <= b"); err == nil || !strings.Contains(err.Error(), "2 times") {
		t.Fatalf("a repeated snippet: %v", err)
	}
	for _, bad := range []string{
		"file x.go\n",        // outside a mutant
		"mutant a\nfile f\n", // incomplete
		"mutant Bad_ID\n",    // bad id
		"mutant a\nfile f\npkgs ./p\nrun R\nwhy w\nold x\nnew x\n",                                                         // no change
		"mutant a\nfile f\npkgs ./p\nrun (\nwhy w\nold x\nnew y\n",                                                         // bad regexp
		"mutant a\nfile f\npkgs ./p\nrun R\nwhy w\nold x\nnew y\nmutant a\nfile f\npkgs ./p\nrun R\nwhy w\nold x\nnew y\n", // duplicate
		"mutant a\ncolour red\n", // unknown field
	} {
		if _, err := Parse(strings.NewReader(bad)); err == nil {
			t.Errorf("Parse(%q) accepted it", bad)
		}
	}
}
