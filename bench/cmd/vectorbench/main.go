// Command vectorbench measures inmem's vector search against chromem-go
// (exact) and coder/hnsw on the same fixed-seed clustered vectors, in one
// run, and prints a Markdown report: the cost of loading each system, the
// recall/latency curve over the search breadth, a search in one agent's
// scope, exact search in a scope of 10K vectors on one core, the time a
// durable store takes to reopen with its index, and the targets
// marked HIT or MISS.
//
// Usage, inside the bench module:
//
//	go run ./cmd/vectorbench            # full: 100K x 384 and 1M x 128 (long: tens of minutes)
//	go run ./cmd/vectorbench -quick     # 20K x 384, a few minutes
//	go run ./cmd/vectorbench -systems 'inmem|chromem' -sets 100000x384
//
// Progress goes to standard error, the report to standard output.
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/inmemdb/inmem/bench/vectors"
)

func main() {
	quick := flag.Bool("quick", false, "20K x 384 only, fewer breadths")
	sets := flag.String("sets", "", "comma-separated data sets NxDIMS, overriding the mode's (e.g. 100000x384,1000000x128)")
	sysRe := flag.String("systems", "", "regexp of the systems to run (inmem, inmem-exact, chromem-go, coder/hnsw); inmem always runs")
	queries := flag.Int("queries", 0, "queries per data set (0: the mode's)")
	noExact := flag.Bool("noexact", false, "skip the exact-search measurement")
	noRecovery := flag.Bool("norecovery", false, "skip the recovery measurement")
	quiet := flag.Bool("q", false, "no progress on standard error")
	flag.Parse()

	cfg := vectors.Full()
	mode := "full"
	if *quick {
		cfg, mode = vectors.Quick(), "quick"
	}
	if *sets != "" {
		cfg.Sets = nil
		for _, s := range strings.Split(*sets, ",") {
			n, d, ok := strings.Cut(s, "x")
			ni, err1 := strconv.Atoi(n)
			di, err2 := strconv.Atoi(d)
			if !ok || err1 != nil || err2 != nil || ni < 1000 || di < 1 {
				fmt.Fprintf(os.Stderr, "vectorbench: bad set %q (want NxDIMS, N >= 1000)\n", s)
				os.Exit(2)
			}
			cfg.Sets = append(cfg.Sets, vectors.Set{N: ni, Dims: di, Agents: 100})
		}
	}
	if *sysRe != "" {
		re, err := regexp.Compile(*sysRe)
		if err != nil {
			fmt.Fprintln(os.Stderr, "vectorbench:", err)
			os.Exit(2)
		}
		cfg.Systems = re
	}
	if *queries > 0 {
		cfg.Queries = *queries
	}
	if *noExact {
		cfg.Exact = 0
	}
	if *noRecovery {
		cfg.Recovery = vectors.Set{}
	}
	if !*quiet {
		cfg.Log = os.Stderr
	}
	start := time.Now()
	rep, err := vectors.Run(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vectorbench:", err)
		os.Exit(1)
	}
	fmt.Printf("vectorbench, %s mode: %s, GOMAXPROCS=%d, %d CPUs, %s/%s; %d queries per set, k=%d; took %v\n\n",
		mode, runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, cfg.Queries, cfg.K, time.Since(start).Round(time.Second))
	rep.Write(os.Stdout)
}
