package mutants

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	enabled = flag.Bool("mutants", os.Getenv("INMEM_MUTANTS") != "",
		"run TestMutantsCaught: apply every planted bug of mutants.txt and require the tests to catch it")
	only = flag.String("mutants.only", "",
		"run only the mutants whose id or section matches this regexp")
	each = flag.Duration("mutants.timeout", 4*time.Minute,
		"the go test -timeout of each mutant's run")
	jobs = flag.Int("mutants.jobs", runtime.GOMAXPROCS(0),
		"how many mutants run at once")
)

// outcome is what one mutant's run came to.
type outcome struct {
	m       Mutant
	verdict string // caught, SURVIVED, STALE, BROKEN
	by      string // the failing tests, or why
	took    time.Duration
	output  string
}

// TestMutantsCaught applies each mutant of mutants.txt in turn (go test
// -overlay: the source is never touched) and runs its tests, which must fail.
// It prints one line per mutant: caught (and by which test), SURVIVED, STALE
// (its snippet no longer occurs exactly once: refresh the entry) or BROKEN
// (the mutant does not compile). Opt-in: -mutants or INMEM_MUTANTS=1.
func TestMutantsCaught(t *testing.T) {
	if !*enabled {
		t.Skip("opt-in: go test -v -count=1 -timeout 15m ./internal/mutants -run TestMutantsCaught -mutants")
	}
	if testing.Short() {
		t.Skip("not under -short")
	}
	root := moduleRoot(t)
	list := loadList(t)
	if *only != "" {
		re := regexp.MustCompile(*only)
		var keep []Mutant
		for _, m := range list {
			if re.MatchString(m.ID) || re.MatchString(m.Section) {
				keep = append(keep, m)
			}
		}
		list = keep
	}
	goBin := goCommand(t)
	dir := t.TempDir()
	start := time.Now()

	results := make([]outcome, len(list))
	sem := make(chan struct{}, max(1, *jobs))
	var wg sync.WaitGroup
	var mu sync.Mutex // serializes the progress lines
	for i, m := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = runMutant(root, filepath.Join(dir, fmt.Sprint(i)), goBin, m)
			mu.Lock()
			t.Log(results[i].line())
			mu.Unlock()
		}()
	}
	wg.Wait() // each run ends by its own -timeout and context deadline

	counts := map[string]int{}
	for _, r := range results {
		counts[r.verdict]++
		if r.verdict != "caught" {
			t.Errorf("%s\n%s", r.line(), tail(r.output, 40))
		}
	}
	t.Logf("%d mutants: %d caught, %d survived, %d stale, %d broken, in %v",
		len(results), counts["caught"], counts["SURVIVED"], counts["STALE"], counts["BROKEN"], time.Since(start).Round(time.Second))
}

func (r outcome) line() string {
	s := fmt.Sprintf("%-8s %-34s [%s] %s (%v)", r.verdict, r.m.ID, r.m.Section, r.m.Why, r.took.Round(100*time.Millisecond))
	if r.by != "" {
		s += ": " + r.by
	}
	return s
}

// runMutant applies m to its file in an overlay under dir and runs its
// tests.
func runMutant(root, dir, goBin string, m Mutant) (res outcome) {
	start := time.Now()
	res.m = m
	defer func() { res.took = time.Since(start) }()
	orig := filepath.Join(root, filepath.FromSlash(m.File))
	src, err := os.ReadFile(orig)
	if err != nil {
		res.verdict, res.by = "STALE", fmt.Sprintf("cannot read %s: %v", m.File, err)
		return res
	}
	mutated, err := m.Apply(string(src))
	if err != nil {
		res.verdict, res.by = "STALE", strings.TrimPrefix(err.Error(), "STALE: "+m.ID+": ")+
			fmt.Sprintf("; refresh the entry at mutants.txt:%d", m.Line)
		return res
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		res.verdict, res.by = "BROKEN", err.Error()
		return res
	}
	patched := filepath.Join(dir, filepath.Base(orig))
	overlay := filepath.Join(dir, "overlay.json")
	ov, _ := json.Marshal(map[string]map[string]string{"Replace": {orig: patched}})
	if err := errors.Join(os.WriteFile(patched, []byte(mutated), 0o644), os.WriteFile(overlay, ov, 0o644)); err != nil {
		res.verdict, res.by = "BROKEN", err.Error()
		return res
	}
	// -vet=off: a one-line mutant is not vet's business, and vet would
	// type-check each mutated package a second time.
	args := append([]string{"test", "-overlay=" + overlay, "-count=1", "-failfast", "-short", "-vet=off",
		"-timeout=" + each.String(), "-run=" + m.Run}, m.Packages...)
	// A mutant that only concurrency can reveal (a non-atomic claim, say)
	// may slip through a run on a busy machine, where the other jobs' builds
	// keep the racing goroutines off the cores at once: a survivor gets up
	// to three more runs before it counts.
	for attempt := 0; attempt < 4 && (attempt == 0 || res.verdict == "SURVIVED"); attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), *each+time.Minute)
		cmd := exec.CommandContext(ctx, goBin, args...)
		cmd.Dir = filepath.Join(root, filepath.FromSlash(m.Dir))
		cmd.Env = append(os.Environ(), "INMEM_MUTANTS=") // no nested mutant runs
		out, err := cmd.CombinedOutput()
		cancel()
		res.output = string(out)
		res.verdict, res.by = judge(res.output, err)
	}
	return res
}

var failLine = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)

// judge classifies a mutant's go test run.
func judge(out string, err error) (verdict, by string) {
	if err == nil {
		return "SURVIVED", "every test passed"
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return "BROKEN", err.Error()
	}
	if strings.Contains(out, "[build failed]") || strings.Contains(out, "[setup failed]") {
		return "BROKEN", "does not compile: " + firstLine(out)
	}
	if strings.Contains(out, "panic: test timed out") {
		return "caught", "hung until go test's -timeout (a wait without a deadline?)"
	}
	var names []string
	seen := map[string]bool{}
	for _, f := range failLine.FindAllStringSubmatch(out, -1) {
		if !seen[f[1]] {
			seen[f[1]] = true
			names = append(names, f[1])
		}
	}
	if len(names) > 0 {
		// Parents fail with their subtests: name the innermost.
		return "caught", "by " + innermost(names)
	}
	if strings.Contains(out, "panic:") {
		return "caught", "by a panic: " + firstMatch(out, "panic:")
	}
	return "caught", "go test failed: " + firstLine(out)
}

// innermost keeps the failing tests no other failing test is nested in.
func innermost(names []string) string {
	var keep []string
	for _, n := range names {
		leaf := true
		for _, o := range names {
			if o != n && strings.HasPrefix(o, n+"/") {
				leaf = false
			}
		}
		if leaf {
			keep = append(keep, n)
		}
	}
	if len(keep) > 3 {
		keep = append(keep[:3], fmt.Sprintf("and %d more", len(keep)-3))
	}
	return strings.Join(keep, ", ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func firstMatch(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// loadList parses mutants.txt, next to this file.
func loadList(t *testing.T) []Mutant {
	t.Helper()
	f, err := os.Open("mutants.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	list, err := Parse(f)
	if err != nil {
		t.Fatalf("mutants.txt: %v", err)
	}
	return list
}

// moduleRoot returns the directory of the module's go.mod, two levels up.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !bytes.HasPrefix(mod, []byte("module github.com/inmemdb/inmem\n")) {
		t.Fatalf("no inmem go.mod at %s: %v", root, err)
	}
	return root
}

// goCommand returns the go command on PATH (go test puts its own there).
func goCommand(t *testing.T) string {
	t.Helper()
	if bin, err := exec.LookPath("go"); err == nil {
		return bin
	}
	bin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(bin); err != nil {
		t.Fatal("no go command on PATH or in $GOROOT/bin")
	}
	return bin
}
