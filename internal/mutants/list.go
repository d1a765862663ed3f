package mutants

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Mutant is one planted bug: in File, the text Old (which must occur exactly
// once) becomes New; the tests Run (a go test -run pattern) of Packages must
// then fail.
type Mutant struct {
	ID       string
	Section  string   // the [section] of the list it is in
	File     string   // slash-separated, relative to the module root
	Dir      string   // the directory go test runs in, relative to the root: another module's (etcdstore); "" the root module's
	Packages []string // go test package patterns, e.g. ./mvcc (relative to Dir)
	Run      string   // a go test -run pattern
	Why      string   // what the bug is, in one line
	Old, New string
	Line     int // where its entry starts in the list
}

// Apply returns src with the mutant applied, or an error when Old does not
// occur exactly once in src (the mutant is stale).
func (m Mutant) Apply(src string) (string, error) {
	switch n := strings.Count(src, m.Old); n {
	case 1:
		return strings.Replace(src, m.Old, m.New, 1), nil
	case 0:
		return "", fmt.Errorf("STALE: %s: the original snippet is no longer in %s: %q", m.ID, m.File, m.Old)
	default:
		return "", fmt.Errorf("STALE: %s: the original snippet occurs %d times in %s, not once: %q", m.ID, n, m.File, m.Old)
	}
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Parse reads a list in the format of mutants.txt: blank lines and lines
// starting with # are ignored; "[name]" starts a section; "mutant <id>"
// starts an entry, followed by "file", "pkgs", "run", "why", "old" and "new"
// lines (keyword, spaces, value), and optionally "dir" (the directory of
// another module of the repository, such as etcdstore, whose go test runs
// the packages). "old" and "new" may repeat: their values
// are joined with newlines. In old and new values, \t stands for a tab.
func Parse(r io.Reader) ([]Mutant, error) {
	var (
		out     []Mutant
		cur     *Mutant
		section string
		seen    = map[string]int{}
		hasOld  bool
		hasNew  bool
	)
	finish := func() error {
		if cur == nil {
			return nil
		}
		m := cur
		switch {
		case m.File == "" || len(m.Packages) == 0 || m.Run == "" || m.Why == "":
			return fmt.Errorf("line %d: mutant %s needs file, pkgs, run and why", m.Line, m.ID)
		case !hasOld || !hasNew || m.Old == "":
			return fmt.Errorf("line %d: mutant %s needs old and new", m.Line, m.ID)
		case m.Old == m.New:
			return fmt.Errorf("line %d: mutant %s changes nothing", m.Line, m.ID)
		}
		if _, err := regexp.Compile(m.Run); err != nil {
			return fmt.Errorf("line %d: mutant %s: run: %v", m.Line, m.ID, err)
		}
		out = append(out, *m)
		cur, hasOld, hasNew = nil, false, false
		return nil
	}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]") {
			if err := finish(); err != nil {
				return nil, err
			}
			section = strings.Trim(trimmed, "[]")
			continue
		}
		key, value, _ := strings.Cut(line, " ")
		value = strings.TrimLeft(value, " ")
		if key == "mutant" {
			if err := finish(); err != nil {
				return nil, err
			}
			if !idPattern.MatchString(value) {
				return nil, fmt.Errorf("line %d: bad mutant id %q", n, value)
			}
			if at, dup := seen[value]; dup {
				return nil, fmt.Errorf("line %d: mutant %s already listed at line %d", n, value, at)
			}
			seen[value] = n
			cur = &Mutant{ID: value, Section: section, Line: n}
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("line %d: %q outside a mutant", n, line)
		}
		switch key {
		case "file":
			cur.File = value
		case "dir":
			cur.Dir = value
		case "pkgs":
			cur.Packages = strings.Fields(value)
		case "run":
			cur.Run = value
		case "why":
			cur.Why = value
		case "old":
			cur.Old = joinLine(cur.Old, hasOld, value)
			hasOld = true
		case "new":
			cur.New = joinLine(cur.New, hasNew, value)
			hasNew = true
		default:
			return nil, fmt.Errorf("line %d: unknown field %q in mutant %s", n, key, cur.ID)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return out, nil
}

func joinLine(acc string, more bool, value string) string {
	value = strings.ReplaceAll(value, `\t`, "\t")
	if !more {
		return value
	}
	return acc + "\n" + value
}
