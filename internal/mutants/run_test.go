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
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
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
		"how many mutants run at once by overlay (go test compiles each); twice as many run a schema's test binary, which mostly waits")
	schemata = flag.Bool("mutants.schema", true,
		"compile the mutants that can be guarded into mutant schemata; false: each by its own overlay")
)

// outcome is what one mutant's run came to.
type outcome struct {
	m       Mutant
	verdict string // caught, SURVIVED, STALE, BROKEN
	by      string // the failing tests, or why
	how     string // schema (compiled into a schema) or overlay (its own go test -overlay run)
	took    time.Duration
	output  string
}

// TestMutantsCaught applies each mutant of mutants.txt and runs its tests,
// which must fail. Most mutants are compiled together into mutant schemata
// (schema.go): one test binary per package holds them all, each behind a
// run-time switch, and each mutant's tests run that binary with its switch
// on. A mutant that cannot be guarded so, or whose schema does not compile,
// runs by its own go test -overlay (the source is never touched either way).
// It prints one line per mutant: caught (and by which test), SURVIVED, STALE
// (its snippet no longer occurs exactly once: refresh the entry) or BROKEN
// (the mutant does not compile), and how it ran. Opt-in: -mutants or
// INMEM_MUTANTS=1.
func TestMutantsCaught(t *testing.T) {
	if !*enabled {
		t.Skip("opt-in: go test -v -count=1 -timeout 15m ./internal/mutants -run TestMutantsCaught -mutants")
	}
	if testing.Short() {
		t.Skip("not under -short")
	}
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
	r := &runner{
		t: t, root: moduleRoot(t), dir: t.TempDir(), goBin: goCommand(t), list: list,
		read: func(f string) ([]byte, error) {
			return os.ReadFile(filepath.Join(moduleRoot(t), filepath.FromSlash(f)))
		},
		sem:     make(chan struct{}, max(1, *jobs)),   // overlay runs: each compiles
		runSem:  make(chan struct{}, 2*max(1, *jobs)), // schema runs: test binaries, which mostly wait
		results: make([]outcome, len(list)),
		started: map[int]bool{},
	}
	start := time.Now()

	excluded := map[int]string{}
	if !*schemata {
		for i := range list {
			excluded[i+1] = "-mutants.schema=false"
		}
	}
	plan := PlanSchemata(list, r.read, excluded)
	for n, err := range plan.Stale {
		r.results[n-1] = outcome{m: list[n-1], verdict: "STALE", how: "overlay",
			by: strings.TrimPrefix(err.Error(), "STALE: "+list[n-1].ID+": ") + fmt.Sprintf("; refresh the entry at mutants.txt:%d", list[n-1].Line)}
		t.Log(r.results[n-1].line())
	}
	// The mutants that cannot be guarded run by overlay from the start,
	// beside the schemata's builds.
	r.byOverlay(plan.Fallback)

	// Build each round's test binaries; each module directory's mutants
	// run as soon as its binaries are built.
	buildStart := time.Now()
	r.buildSchemata(plan, "round")
	buildTook := time.Since(buildStart)
	r.wg.Wait() // each run ends by its own -timeout and context deadline

	counts := map[string]int{}
	schemaN := 0
	for _, o := range r.results {
		counts[o.verdict]++
		if o.how == "schema" {
			schemaN++
		}
		if o.verdict != "caught" {
			t.Errorf("%s\n%s", o.line(), tail(o.output, 40))
		}
	}
	t.Logf("%d mutants: %d caught, %d survived, %d stale, %d broken; %d ran in schemata (%d test binaries built in %v), %d by overlay; in %v",
		len(r.results), counts["caught"], counts["SURVIVED"], counts["STALE"], counts["BROKEN"],
		schemaN, r.bins, buildTook.Round(time.Second), len(r.results)-schemaN-counts["STALE"], time.Since(start).Round(time.Second))
}

// A runner runs a list of mutants: by overlay, or on schemata's test
// binaries as they are built.
type runner struct {
	t                *testing.T
	root, dir, goBin string
	list             []Mutant
	read             func(file string) ([]byte, error)
	sem, runSem      chan struct{} // bound the overlay runs and the schema runs
	wg               sync.WaitGroup

	mu      sync.Mutex // guards what follows, and serializes the progress lines
	results []outcome  // by mutant number - 1
	started map[int]bool
	bins    int // test binaries built
}

// buildSchemata builds plan's rounds and runs each module directory's
// mutants as its binaries are built. A build that fails sends the mutants
// its compiler errors point at to overlay runs and builds the others again;
// when the errors point at none, it builds each half of the failing
// directory's mutants apart, down to single mutants, which then run by
// overlay. name names the build directories.
func (r *runner) buildSchemata(plan SchemaPlan, name string) {
	for k, s := range plan.Rounds {
		s.Mutants = r.notStarted(s.Mutants)
		if len(s.Mutants) == 0 {
			continue
		}
		sub := fmt.Sprintf("%s%d", name, k)
		blamed, unblamed := r.buildRound(filepath.Join(r.dir, sub), s, r.bySchema)
		r.byOverlay(blamed)
		switch {
		case len(blamed) > 0:
			r.buildSchemata(r.planOnly(r.notStarted(s.Mutants)), sub+"-again")
		case len(unblamed) == 1:
			r.byOverlay(map[int]string{unblamed[0]: "its schema alone does not compile"})
		case len(unblamed) > 1:
			h := len(unblamed) / 2
			r.buildSchemata(r.planOnly(unblamed[:h]), sub+"-a")
			r.buildSchemata(r.planOnly(r.notStarted(unblamed[h:])), sub+"-b")
		}
	}
}

// planOnly plans the schemata of mutants ns alone; any of them that cannot
// be guarded now runs by overlay.
func (r *runner) planOnly(ns []int) SchemaPlan {
	keep := map[int]bool{}
	for _, n := range ns {
		keep[n] = true
	}
	others := map[int]string{}
	for n := 1; n <= len(r.list); n++ {
		if !keep[n] {
			others[n] = "planned apart"
		}
	}
	plan := PlanSchemata(r.list, r.read, others)
	why := map[int]string{}
	for _, n := range ns {
		if reason, ok := plan.Fallback[n]; ok {
			why[n] = reason
		}
	}
	r.byOverlay(why)
	return plan
}

// report records mutant n's outcome and prints its line.
func (r *runner) report(n int, o outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results[n-1] = o
	r.t.Log(o.line())
}

// notStarted keeps the mutants of ns that have not started running.
func (r *runner) notStarted(ns []int) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var keep []int
	for _, n := range ns {
		if !r.started[n] {
			keep = append(keep, n)
		}
	}
	return keep
}

// byOverlay runs each mutant of why that has not started by its own
// overlay, saying why.
func (r *runner) byOverlay(why map[int]string) {
	for n := 1; n <= len(r.list); n++ {
		reason, ok := why[n]
		if !ok {
			continue
		}
		r.mu.Lock()
		if r.started[n] {
			r.mu.Unlock()
			continue
		}
		r.started[n] = true
		if *schemata {
			r.t.Logf("by overlay: %s: %s", r.list[n-1].ID, reason)
		}
		r.mu.Unlock()
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.sem <- struct{}{}
			defer func() { <-r.sem }()
			r.report(n, runMutant(r.root, filepath.Join(r.dir, fmt.Sprint(n)), r.goBin, r.list[n-1]))
		}()
	}
}

// bySchema runs mutants ns on test binaries bins, built from their
// schemata. Each binary first runs, with every switch off, the tests its
// mutants name: they must pass, as on the original code; a mutant whose
// filter names a test that failed there runs again by overlay.
func (r *runner) bySchema(bins map[string]testBinary, ns []int) {
	r.mu.Lock()
	for _, n := range ns {
		r.started[n] = true
	}
	r.bins += len(bins)
	r.mu.Unlock()
	var group sync.WaitGroup
	var broke sync.Map // mutant number -> the control run that failed
	for key, bin := range bins {
		var filters, mine []string
		var ids []int
		for _, n := range ns {
			for _, p := range r.list[n-1].Packages {
				if pkgKey(r.list[n-1].Dir, p) == key {
					ids = append(ids, n)
					mine = append(mine, r.list[n-1].Run)
					if f := "(?:" + r.list[n-1].Run + ")"; !slices.Contains(filters, f) {
						filters = append(filters, f)
					}
				}
			}
		}
		group.Add(1)
		go func() {
			defer group.Done()
			r.runSem <- struct{}{}
			defer func() { <-r.runSem }()
			start := time.Now()
			out, err := runBinary(bin, 0, strings.Join(filters, "|"), false)
			r.t.Logf("control run of %s with every mutant off: %v", key, time.Since(start).Round(100*time.Millisecond))
			if err == nil {
				return
			}
			// The mutants whose filter names a failing test cannot be
			// judged by this binary; without a failing test's name (a
			// panic, a timeout), none can.
			var failing []string
			for _, f := range failLine.FindAllStringSubmatch(out, -1) {
				top, _, _ := strings.Cut(f[1], "/")
				failing = append(failing, top)
			}
			r.t.Logf("control run of %s with every mutant off failed (%s); the mutants that name those tests run by overlay:\n%s",
				key, strings.Join(failing, ", "), tail(out, 20))
			for k, n := range ids {
				re := regexp.MustCompile(mine[k])
				hit := len(failing) == 0
				for _, name := range failing {
					hit = hit || re.MatchString(name)
				}
				if hit {
					broke.Store(n, key)
				}
			}
		}()
	}
	outcomes := make([]outcome, len(ns))
	for k, n := range ns {
		group.Add(1)
		go func() {
			defer group.Done()
			r.runSem <- struct{}{}
			defer func() { <-r.runSem }()
			outcomes[k] = runSchemaMutant(bins, r.list[n-1], n)
		}()
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		group.Wait()
		for k, n := range ns {
			if key, bad := broke.Load(n); bad {
				r.mu.Lock()
				r.started[n] = false
				r.mu.Unlock()
				r.byOverlay(map[int]string{n: fmt.Sprintf("the control run of %s failed", key)})
				continue
			}
			r.report(n, outcomes[k])
		}
	}()
}

func (r outcome) line() string {
	s := fmt.Sprintf("%-8s %-34s [%s] %s (%v, %s)", r.verdict, r.m.ID, r.m.Section, r.m.Why, r.took.Round(100*time.Millisecond), r.how)
	if r.by != "" {
		s += ": " + r.by
	}
	return s
}

// runMutant applies m to its file in an overlay under dir and runs its
// tests.
func runMutant(root, dir, goBin string, m Mutant) (res outcome) {
	start := time.Now()
	res.m, res.how = m, "overlay"
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

// A testBinary is a package's test binary and the directory it runs in.
type testBinary struct {
	path string // "" when the package has no tests
	dir  string
}

var compileError = regexp.MustCompile(`(?m)^(\S+\.go):(\d+)(?::\d+)?: .*$`)

// buildRound writes round s's schemata under dir and builds, with go test
// -c, the test binary of every package its mutants name: one go command per
// module directory (the root's, etcdstore's), at once, each with an overlay
// of the schemata of that directory's mutants alone. As each command
// succeeds, it hands its binaries (by pkgKey) and their mutants to ready.
// It returns the mutants a failed build's compiler errors point at, with
// why, and those of a module directory whose build failed with errors that
// point at none.
func (r *runner) buildRound(dir string, s Schema, ready func(bins map[string]testBinary, ns []int)) (blamed map[int]string, unblamed []int) {
	t, root, goBin, list := r.t, r.root, r.goBin, r.list
	failed := map[int]string{}
	// The files and packages of each module directory's mutants.
	files := map[string]map[string]bool{} // dir -> schema files
	pkgs := map[string]map[string][]int{} // dir -> package -> its mutants
	for _, n := range s.Mutants {
		m := list[n-1]
		if pkgs[m.Dir] == nil {
			pkgs[m.Dir], files[m.Dir] = map[string][]int{}, map[string]bool{}
		}
		files[m.Dir][m.File] = true
		files[m.Dir][path.Join(path.Dir(m.File), schemaFile)] = true
		for _, p := range m.Packages {
			pkgs[m.Dir][p] = append(pkgs[m.Dir][p], n)
		}
	}
	var mu sync.Mutex // guards failed
	var wg sync.WaitGroup
	for d, ps := range pkgs {
		ddir := filepath.Join(dir, "dir"+strconv.Itoa(len(d))+strings.ReplaceAll(d, "/", "_"))
		replace := map[string]string{}
		back := map[string]string{} // the schema's copy -> the file it replaces, from the root
		for f := range files[d] {
			copyPath := filepath.Join(ddir, "src", filepath.FromSlash(f))
			if err := os.MkdirAll(filepath.Dir(copyPath), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(copyPath, []byte(s.Files[f]), 0o644); err != nil {
				t.Fatal(err)
			}
			replace[filepath.Join(root, filepath.FromSlash(f))] = copyPath
			back[copyPath] = f
		}
		overlay := filepath.Join(ddir, "overlay.json")
		ov, _ := json.Marshal(map[string]map[string]string{"Replace": replace})
		if err := os.WriteFile(overlay, ov, 0o644); err != nil {
			t.Fatal(err)
		}
		binDir := filepath.Join(ddir, "bin")
		var args []string
		names := map[string]string{}
		bins := map[string]testBinary{}
		for p, ns := range ps {
			key := pkgKey(d, p)
			name := path.Base(key) + ".test"
			if other, dup := names[name]; dup {
				mu.Lock()
				for _, n := range ns {
					failed[n] = fmt.Sprintf("its package %s has the test binary name of %s", key, other)
				}
				mu.Unlock()
				continue
			}
			names[name] = key
			args = append(args, p)
			bins[key] = testBinary{path: filepath.Join(binDir, name), dir: filepath.Join(root, filepath.FromSlash(key))}
		}
		sort.Strings(args)
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(goBin, append([]string{"test", "-c", "-vet=off", "-overlay=" + overlay, "-o", binDir + string(filepath.Separator)}, args...)...)
			cmd.Dir = filepath.Join(root, filepath.FromSlash(d))
			cmd.Env = append(os.Environ(), "INMEM_MUTANTS=")
			start := time.Now()
			out, err := cmd.CombinedOutput()
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				t.Logf("built the schemata's test binaries of %s in %v", strings.Join(args, " "), time.Since(start).Round(time.Second))
				var ns []int
				for key, bin := range bins {
					if _, err := os.Stat(bin.path); err != nil {
						bin.path = "" // no test files
						bins[key] = bin
					}
				}
				for _, n := range s.Mutants {
					if list[n-1].Dir == d {
						ns = append(ns, n)
					}
				}
				ready(bins, ns)
				return
			}
			t.Logf("the schemata of %s do not build (%v):\n%s", strings.Join(args, " "), time.Since(start).Round(time.Second), tail(string(out), 20))
			found := false
			for _, e := range compileError.FindAllStringSubmatch(string(out), -1) {
				file := e[1]
				if !filepath.IsAbs(file) {
					file = filepath.Join(cmd.Dir, file)
				}
				rel, ok := back[file]
				if !ok {
					r, err := filepath.Rel(root, file)
					if err != nil {
						continue
					}
					rel = filepath.ToSlash(r)
				}
				line, _ := strconv.Atoi(e[2])
				for _, n := range s.Blame(rel, line) {
					failed[n] = "its schema does not compile: " + e[0]
					found = true
				}
			}
			if !found {
				for _, n := range s.Mutants {
					if list[n-1].Dir == d {
						unblamed = append(unblamed, n)
					}
				}
			}
		}()
	}
	wg.Wait()
	return failed, unblamed
}

// runSchemaMutant runs mutant n's tests on its packages' test binaries
// with its switch on.
func runSchemaMutant(bins map[string]testBinary, m Mutant, n int) (res outcome) {
	start := time.Now()
	res.m, res.how = m, "schema"
	defer func() { res.took = time.Since(start) }()
	// A survivor gets up to three more runs, as by overlay.
	for attempt := 0; attempt < 4 && (attempt == 0 || res.verdict == "SURVIVED"); attempt++ {
		var all strings.Builder
		var firstErr error
		// As go test -failfast, no package's tests start after one failed.
		for _, p := range m.Packages {
			out, err := runBinary(bins[pkgKey(m.Dir, p)], n, m.Run, true)
			all.WriteString(out)
			if err != nil {
				firstErr = err
				break
			}
		}
		res.output = all.String()
		res.verdict, res.by = judge(res.output, firstErr)
	}
	return res
}

// runBinary runs the tests matching run of a schema's test binary with
// mutant n on (0: none), as go test -short would (with -failfast: the first
// failure ends it).
func runBinary(bin testBinary, n int, run string, failfast bool) (string, error) {
	if bin.path == "" {
		return "?   \tno test files\n", nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), *each+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin.path, "-test.paniconexit0", "-test.count=1", "-test.failfast="+strconv.FormatBool(failfast),
		"-test.short", "-test.timeout="+each.String(), "-test.run="+run)
	cmd.Dir = bin.dir
	on := ""
	if n > 0 {
		on = strconv.Itoa(n)
	}
	cmd.Env = append(os.Environ(), "INMEM_MUTANTS=", SchemaEnv+"="+on)
	out, err := cmd.CombinedOutput()
	return string(out), err
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
