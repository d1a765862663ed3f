// Command inmembench measures inmem against the original design and the Go
// stores a user would pick instead (hashicorp/go-memdb, google/btree behind a
// lock, tidwall/buntdb) and a floor, on the same workloads, and prints one
// Markdown table: rows are workloads at each store size, columns systems,
// cells the median ns/op with the ratio to inmem, plus B/op and allocs/op for
// writes; then the targets, each marked hit or miss.
//
// Usage, inside the bench module:
//
//	go run ./cmd/inmembench            # full: 1K, 100K, 1M keys
//	go run ./cmd/inmembench -quick     # 1K and 100K keys, short runs (< 2 minutes)
//	go run ./cmd/inmembench -only 'get|snapshot' -systems 'inmem|memdb|floor'
//	go run ./cmd/inmembench -quick -svg chart.svg   # also an SVG chart of the ratios
//
// Progress goes to standard error, the results to standard output.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/inmemdb/inmem/bench/harness"
)

func main() {
	quick := flag.Bool("quick", false, "1K and 100K keys, short repetitions: finishes in under 2 minutes")
	only := flag.String("only", "", "regexp of workload IDs to run (put-new, put-overwrite, txn-batch, txn-batch-run, bulk-load, 2-writers, get, get-under-write, snapshot, prefix-scan, run-scan, find-expired, memory)")
	sysRe := flag.String("systems", "", "regexp of systems to run (inmem, original, go-memdb, btree, buntdb, floor); inmem is always run")
	sizes := flag.String("sizes", "", "comma-separated store sizes in keys, overriding the mode's (each at least 200)")
	reps := flag.Int("reps", 0, "repetitions per cell (0: the mode's)")
	minTime := flag.Duration("mintime", 0, "minimum duration of one repetition (0: the mode's)")
	quiet := flag.Bool("q", false, "no progress on standard error")
	cpu := flag.Bool("cpu", false, "report the process's CPU time per op (all threads, the collector's included) instead of the wall time: steadier on a shared machine; the two-goroutine rows report their total")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (narrow it with -only and -systems)")
	svg := flag.String("svg", "", "also write an SVG chart of each workload's ratios against the peers (inmem = 1) at the largest size to this file")
	memProfile := flag.String("memprofile", "", "write an allocation profile of the whole run to this file")
	flag.Parse()

	cfg := harness.Full()
	mode := "full"
	if *quick {
		cfg, mode = harness.Quick(), "quick"
	}
	var err error
	if cfg.Only, err = compile(*only); err == nil {
		cfg.Systems, err = compile(*sysRe)
		if cfg.Systems != nil {
			cfg.Systems = regexp.MustCompile("^inmem$|" + cfg.Systems.String())
		}
	}
	if err == nil && *sizes != "" {
		cfg.Sizes, err = parseSizes(*sizes)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "inmembench:", err)
		os.Exit(2)
	}
	if *reps > 0 {
		cfg.Reps = *reps
	}
	if *minTime > 0 {
		cfg.MinTime = *minTime
	}
	if !*quiet {
		cfg.Progress = os.Stderr
	}
	cfg.CPU = *cpu

	stop, err := startProfiles(*cpuProfile, *memProfile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "inmembench:", err)
		os.Exit(2)
	}
	res, err := harness.Run(cfg)
	if perr := stop(); err == nil {
		err = perr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "inmembench:", err)
		os.Exit(1)
	}
	if *svg != "" {
		if err := writeSVG(res, *svg); err != nil {
			fmt.Fprintln(os.Stderr, "inmembench:", err)
			os.Exit(1)
		}
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	clock := "wall"
	if cfg.CPU {
		clock = "CPU"
	}
	fmt.Fprintf(w, "inmembench, %s mode, %s time: %s, GOMAXPROCS=%d, %d CPUs (%s), %s/%s; %d reps of >= %v per cell, medians; took %v\n\n",
		mode, clock, runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH,
		cfg.Reps, cfg.MinTime, res.Elapsed.Round(time.Second))
	fmt.Fprintln(w, "Cells: median ns/op (ratio to inmem; above 1x is slower than inmem); writes add B/op and allocs/op (\"a\").")
	fmt.Fprintln(w, "floor: map+RWMutex for point ops, sorted []core.Entry for scans, one atomic.Pointer Load for snapshot.")
	fmt.Fprintln(w, "2 writers: inmem's cell adds its commits per group commit (Stats().Commits / Stats().Groups).")
	fmt.Fprintln(w)
	res.WriteTable(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Targets (issue 23, the engine's second round):")
	fmt.Fprintln(w)
	res.WriteTargets(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Notes:")
	fmt.Fprintln(w)
	res.WriteNotes(w)
}

// writeSVG writes the chart of res at its largest size to the file name.
func writeSVG(res *harness.Results, name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := res.WriteSVG(f, res.ChartSize()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// startProfiles starts the CPU profile and sets the allocation profile's
// rate as asked (an empty name: none); the function it returns stops them
// and writes the files.
func startProfiles(cpu, mem string) (stop func() error, err error) {
	var cpuFile *os.File
	if cpu != "" {
		if cpuFile, err = os.Create(cpu); err != nil {
			return nil, err
		}
		if err = pprof.StartCPUProfile(cpuFile); err != nil {
			cpuFile.Close()
			return nil, err
		}
	}
	if mem != "" {
		runtime.MemProfileRate = 4096
	}
	return func() error {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			if err := cpuFile.Close(); err != nil {
				return err
			}
		}
		if mem == "" {
			return nil
		}
		f, err := os.Create(mem)
		if err != nil {
			return err
		}
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}, nil
}

func compile(s string) (*regexp.Regexp, error) {
	if s == "" {
		return nil, nil
	}
	return regexp.Compile(s)
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 200 {
			return nil, fmt.Errorf("bad size %q: want an integer >= 200", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
