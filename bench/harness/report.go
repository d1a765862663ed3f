package harness

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// tableOrder is the row order: workloads, then sizes within each.
var tableOrder = []string{
	"put-new", "put-overwrite", "txn-batch", "txn-batch-run", idBulk, "2-writers",
	"get", "get-under-write", "snapshot", "prefix-scan", "run-scan", "find-expired", idMemory,
}

const baseline = "inmem"

// WriteTable writes the results as one Markdown table: rows are workloads at
// each size, columns systems, cells the median ns/op with the ratio to inmem
// (above 1x: slower than inmem), and for writes B/op and allocs/op.
func (r *Results) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "| workload | keys | %s |\n", strings.Join(r.Systems, " | "))
	fmt.Fprintf(w, "|---|---:|%s\n", strings.Repeat("---:|", len(r.Systems)))
	for _, id := range tableOrder {
		labels, ok := r.Labels[id]
		if !ok {
			continue
		}
		write := isWrite(id)
		for _, size := range r.Sizes {
			label, ok := labels[size]
			if !ok {
				continue
			}
			base := r.Get(size, id, baseline)
			cells := make([]string, len(r.Systems))
			for i, sys := range r.Systems {
				cells[i] = formatCell(r.Get(size, id, sys), base, sys, write, id)
			}
			fmt.Fprintf(w, "| %s | %s | %s |\n", label, count(size), strings.Join(cells, " | "))
		}
	}
}

func isWrite(id string) bool {
	if id == idBulk {
		return true
	}
	for _, wl := range Workloads() {
		if wl.ID == id {
			return wl.Write
		}
	}
	return false
}

func formatCell(c, base *Result, sys string, write bool, id string) string {
	if c == nil {
		return "n/a"
	}
	s := formatNum(c.NsPerOp)
	if sys != baseline && base != nil && base.NsPerOp > 0 {
		s += " (" + formatRatio(c.NsPerOp/base.NsPerOp) + ")"
	}
	if write {
		s += fmt.Sprintf(" %sB/%sa", formatNum(c.BytesPerOp), formatAllocs(c.AllocsPerOp))
	}
	if v, ok := c.Extra[extraGroup]; ok {
		s += fmt.Sprintf(" %.2f commits/group", v)
	}
	return s
}

// formatNum prints n with two decimals below 10, else as an integer with
// thousands separators.
func formatNum(n float64) string {
	switch {
	case math.IsNaN(n):
		return "?"
	case n < 10:
		return fmt.Sprintf("%.2f", n)
	}
	digits := fmt.Sprintf("%.0f", n)
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}

func formatAllocs(a float64) string {
	if a < 10 {
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", a), "0"), ".")
	}
	return formatNum(a)
}

func formatRatio(x float64) string {
	switch {
	case x < 10:
		return fmt.Sprintf("%.2fx", x)
	case x < 100_000:
		return formatNum(x) + "x"
	}
	return fmt.Sprintf("%.1ex", x)
}

// Target is one of the targets, judged on the measured results. It
// is a value; safe for concurrent use.
type Target struct {
	Name   string
	Status string // "hit", "miss", "reported" or "not measured"
	Detail string
}

// Targets judges the engine issue's targets (its second round) at the
// largest size measured (the targets are stated for 1M keys) and, for the
// snapshot, at the smallest too. The durable targets are judged with
// bench/durable, the before/after comparison with two builds of this tool;
// neither is judged here.
func (r *Results) Targets() []Target {
	if len(r.Sizes) == 0 {
		return nil
	}
	lo, hi := slices.Min(r.Sizes), slices.Max(r.Sizes)
	at := " at " + count(hi)
	ns := func(size int, id, sys string) (float64, bool) {
		c := r.Get(size, id, sys)
		if c == nil {
			return 0, false
		}
		return c.NsPerOp, true
	}
	var out []Target
	add := func(name string, ok bool, hit bool, detail string) {
		t := Target{Name: name, Detail: detail}
		switch {
		case !ok:
			t.Status, t.Detail = "not measured", ""
		case hit:
			t.Status = "hit"
		default:
			t.Status = "miss"
		}
		out = append(out, t)
	}
	// ratio judges inmem's id against peer's id at the largest size: at most limit.
	ratio := func(name, id, peer string, limit float64) {
		a, oka := ns(hi, id, baseline)
		b, okb := ns(hi, id, peer)
		add(fmt.Sprintf("%s: at most %.1fx %s%s", name, limit, peer, at), oka && okb && b > 0, a <= limit*b,
			fmt.Sprintf("inmem %s, %s %s: %s", formatNum(a), peer, formatNum(b), formatRatio(a/b)))
	}

	ratio("Put of a new key", "put-new", "btree", 5)
	c := r.Get(hi, "put-new", baseline)
	detail := ""
	if c != nil {
		detail = fmt.Sprintf("%s B/op, %s allocs/op", formatNum(c.BytesPerOp), formatAllocs(c.AllocsPerOp))
	}
	add("Put of a new key: at most 1.5 KB and 8 allocations per op"+at, c != nil, c != nil && c.BytesPerOp <= 1536 && c.AllocsPerOp <= 8, detail)
	ratio("Put, overwrite", "put-overwrite", "btree", 1.2)
	ratio("Transaction of new keys spread over runs, per key", "txn-batch", "btree", 3)
	ratio("Transaction of new keys of one run, per key", "txn-batch-run", "btree", 1.5)
	ratio("Get", "get", "go-memdb", 0.7)
	ratio("Scan of one 10-key run", "run-scan", "btree", 1.5)
	ratio("Bytes retained per key right after a bulk load", idMemory, "btree", 1.5)

	one, okOne := ns(hi, "put-overwrite", baseline)
	two, okTwo := ns(hi, "2-writers", baseline)
	detail = fmt.Sprintf("1 writer %s ns/put, 2 writers %s ns/put in total (throughput %s of one)",
		formatNum(one), formatNum(two), formatRatio(one/two))
	if c := r.Get(hi, "2-writers", baseline); c != nil {
		if v, ok := c.Extra[extraGroup]; ok {
			detail += fmt.Sprintf("; %.2f commits per group", v)
		}
	}
	add("Two writers: at least 1.2x the throughput of one"+at, okOne && okTwo, one >= 1.2*two, detail)

	s1, ok1 := ns(lo, "snapshot", baseline)
	s2, ok2 := ns(hi, "snapshot", baseline)
	add("Snapshot flat: at most 100 ns from the smallest store to the largest", ok1 && ok2 && lo != hi, max(s1, s2) <= 100,
		fmt.Sprintf("%s ns at %s, %s ns at %s", formatNum(s1), count(lo), formatNum(s2), count(hi)))
	return out
}

// WriteTargets writes the targets as a Markdown list.
func (r *Results) WriteTargets(w io.Writer) {
	for _, t := range r.Targets() {
		mark := map[string]string{"hit": "HIT", "miss": "MISS", "reported": "REPORTED", "not measured": "NOT MEASURED"}[t.Status]
		if t.Detail != "" {
			fmt.Fprintf(w, "- **%s** %s — %s\n", mark, t.Name, t.Detail)
		} else {
			fmt.Fprintf(w, "- **%s** %s\n", mark, t.Name)
		}
	}
}

// WriteNotes writes per-cell extras worth reading beside the table.
func (r *Results) WriteNotes(w io.Writer) {
	for _, size := range r.Sizes {
		var parts []string
		for _, sys := range r.Systems {
			if c := r.Get(size, "get-under-write", sys); c != nil {
				parts = append(parts, fmt.Sprintf("%s %.2f", sys, c.Extra["writer puts/read"]))
			}
		}
		if len(parts) > 0 {
			fmt.Fprintf(w, "- writer puts completed per read during \"get, 1 writer running\" at %s: %s\n", count(size), strings.Join(parts, ", "))
		}
	}
}
