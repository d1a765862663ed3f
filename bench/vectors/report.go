package vectors

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Write prints the report as Markdown: per data set the load cost and memory
// of each system, the recall/latency curve, the filtered search; then the
// exact-search and recovery measurements and the targets.
func (r *Report) Write(w io.Writer) {
	for _, sr := range r.Sets {
		fmt.Fprintf(w, "### %s vectors (cosine, 100 clusters, %d agents)\n\n", sr.Set, sr.Set.Agents)
		fmt.Fprintf(w, "| system | load, per vector (wall / CPU) | heap per vector | x raw vector |\n|---|---|---|---|\n")
		for _, s := range sr.Systems {
			fmt.Fprintf(w, "| %s | %s / %s | %.0f B | %.2f |\n", s.Name, us(s.Insert), us(s.InsertCPU), s.BytesPerVec, s.BytesPerVec/sr.RawVec)
		}
		fmt.Fprintf(w, "\n| system | breadth | recall@10 | p50 | p99 | CPU per search |\n|---|---|---|---|---|---|\n")
		for _, s := range sr.Systems {
			if s.Err != "" {
				fmt.Fprintf(w, "| %s | error: %s | | | | |\n", s.Name, s.Err)
			}
			for _, p := range s.Curve {
				b := fmt.Sprint(p.Breadth)
				if p.Breadth == 0 {
					b = "exact"
				}
				fmt.Fprintf(w, "| %s | %s | %.3f | %s | %s | %s |\n", s.Name, b, p.Recall, us(p.P50), us(p.P99), us(p.CPU))
			}
		}
		fmt.Fprintf(w, "\nOne agent's scope (1/%d of the vectors), default breadth:\n\n| system | recall@10 | p50 | p99 |\n|---|---|---|---|\n", sr.Set.Agents)
		for _, s := range sr.Systems {
			if s.Filtered == nil {
				fmt.Fprintf(w, "| %s | no filtered search | | |\n", s.Name)
				continue
			}
			fmt.Fprintf(w, "| %s | %.3f | %s | %s |\n", s.Name, s.Filtered.Recall, us(s.Filtered.P50), us(s.Filtered.P99))
		}
		fmt.Fprintln(w)
	}
	if len(r.Exact) > 0 {
		fmt.Fprintf(w, "### Exact search: %s vectors in one agent's scope, GOMAXPROCS=1\n\n| system | recall@10 | p50 | p99 | CPU per search |\n|---|---|---|---|---|\n", r.ExactSet)
		for _, s := range r.Exact {
			fmt.Fprintf(w, "| %s | %.3f | %s | %s | %s |\n", s.Name, s.Filtered.Recall, us(s.Filtered.P50), us(s.Filtered.P99), us(s.Filtered.CPU))
		}
		fmt.Fprintln(w)
	}
	if rr := r.Recovery; rr != nil {
		fmt.Fprintf(w, "### Recovery: Open of a durable store of %s vectors (checkpoint)\n\n| | time |\n|---|---|\n| without an index | %v |\n| with the index (rebuilt) | %v |\n\n",
			rr.Set, rr.Plain.Round(time.Millisecond), rr.Indexed.Round(time.Millisecond))
	}
	r.writeTargets(w)
}

// writeTargets prints each target of the issue with HIT or MISS, where the
// run measured it.
func (r *Report) writeTargets(w io.Writer) {
	fmt.Fprintf(w, "### Targets\n\n| target | measured | |\n|---|---|---|\n")
	row := func(target, measured string, hit bool) {
		v := "MISS"
		if hit {
			v = "HIT"
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", target, measured, v)
	}
	for _, s := range r.Exact {
		if s.Name == "inmem-exact" && s.Filtered != nil {
			row(fmt.Sprintf("exact, %s in one agent's scope: p50 <= 2 ms on one core", r.ExactSet),
				fmt.Sprintf("p50 %s (CPU %s)", us(s.Filtered.P50), us(s.Filtered.CPU)), s.Filtered.P50 <= 2*time.Millisecond)
		}
	}
	for _, sr := range r.Sets {
		in := sr.find("inmem")
		if in == nil {
			continue
		}
		limit := time.Millisecond
		if sr.Set.Dims == 128 {
			limit = 3 * time.Millisecond
		}
		best := (*Point)(nil)
		for i := range in.Curve {
			p := &in.Curve[i]
			if p.Recall >= 0.95 && (best == nil || p.P50 < best.P50) {
				best = p
			}
		}
		if best != nil {
			row(fmt.Sprintf("indexed %s: recall@10 >= 0.95 at p50 <= %v", sr.Set, limit),
				fmt.Sprintf("recall %.3f at p50 %s (breadth %d; CPU %s)", best.Recall, us(best.P50), best.Breadth, us(best.CPU)), best.P50 <= limit)
		} else {
			row(fmt.Sprintf("indexed %s: recall@10 >= 0.95", sr.Set), "no breadth reached 0.95", false)
		}
		if in.Filtered != nil {
			row(fmt.Sprintf("filtered %s, a scope of 1%%: recall@10 >= 0.95", sr.Set), fmt.Sprintf("%.3f at p50 %s", in.Filtered.Recall, us(in.Filtered.P50)), in.Filtered.Recall >= 0.95)
		}
		if sr.Set.Dims == 384 {
			row(fmt.Sprintf("insert into the index, %s: <= 100 µs per vector", sr.Set), fmt.Sprintf("%s wall, %s CPU", us(in.Insert), us(in.InsertCPU)), in.Insert <= 100*time.Microsecond)
			if ex := sr.find("inmem-exact"); ex != nil {
				ratio := (in.BytesPerVec - ex.BytesPerVec) / sr.RawVec
				row(fmt.Sprintf("index memory, %s: <= 1.5x the raw vectors", sr.Set), fmt.Sprintf("%.2fx", ratio), ratio <= 1.5)
			}
		}
	}
}

func (sr *SetResult) find(name string) *SystemResult {
	for i := range sr.Systems {
		if sr.Systems[i].Name == name {
			return &sr.Systems[i]
		}
	}
	return nil
}

// us renders d in µs or ms.
func us(d time.Duration) string {
	switch {
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	}
	return strings.Replace(fmt.Sprintf("%.1f µs", float64(d)/1e3), ".0 µs", " µs", 1)
}
