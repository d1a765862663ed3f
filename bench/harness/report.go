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
	"put-new", "put-overwrite", "txn-batch", idBulk, "2-writers",
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
		if lockFree(sys) && id != idBulk && id != idMemory {
			return "·"
		}
		return "n/a"
	}
	s := formatNum(c.NsPerOp)
	if sys != baseline && base != nil && base.NsPerOp > 0 {
		s += " (" + formatRatio(c.NsPerOp/base.NsPerOp) + ")"
	}
	if write {
		s += fmt.Sprintf(" %sB/%sa", formatNum(c.BytesPerOp), formatAllocs(c.AllocsPerOp))
	}
	if v, ok := c.Extra["CAS retries/put"]; ok && lockFree(sys) {
		s += fmt.Sprintf(" %.2f retries/put", v)
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

// Targets judges the targets at the largest size measured (the
// targets are stated for 1M keys) and, for flatness, against the smallest.
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

	s1, ok1 := ns(lo, "snapshot", baseline)
	s2, ok2 := ns(hi, "snapshot", baseline)
	add("Snapshot flat from smallest to largest store (within 2x)", ok1 && ok2 && lo != hi, s2 <= 2*s1,
		fmt.Sprintf("%s ns at %s, %s ns at %s: %s", formatNum(s1), count(lo), formatNum(s2), count(hi), formatRatio(s2/s1)))
	fl, okf := ns(hi, "snapshot", "floor")
	add("Snapshot within 10x of a bare atomic.Pointer Load"+at, ok2 && okf, s2 <= 10*fl,
		fmt.Sprintf("%s ns vs %s ns: %s", formatNum(s2), formatNum(fl), formatRatio(s2/fl)))
	orig, oko := ns(hi, "snapshot", "original")
	add("Snapshot at least 1,000,000x cheaper than the original's deep copy"+at, ok2 && oko, orig >= 1e6*s2,
		fmt.Sprintf("%s ns vs %s ns: %s cheaper", formatNum(s2), formatNum(orig), formatRatio(orig/s2)))

	g, okg := ns(hi, "get", baseline)
	peers := []string{"original", "go-memdb", "btree", "buntdb"}
	best, bestName, okp := math.Inf(1), "", true
	for _, p := range peers {
		v, ok := ns(hi, "get", p)
		okp = okp && ok
		if ok && v < best {
			best, bestName = v, p
		}
	}
	add("Get faster than every peer"+at, okg && okp, g < best,
		fmt.Sprintf("inmem %s ns; fastest peer %s %s ns (inmem at %s of it)", formatNum(g), bestName, formatNum(best), formatRatio(g/best)))
	md, okm := ns(hi, "get", "go-memdb")
	add("Get at most half of go-memdb's time"+at, okg && okm, g <= md/2,
		fmt.Sprintf("inmem %s ns, go-memdb %s ns: %s", formatNum(g), formatNum(md), formatRatio(g/md)))

	gw, okgw := ns(hi, "get-under-write", baseline)
	var parts []string
	hitAll, okAll := true, okgw
	for _, p := range []string{"original", "btree", "buntdb", "floor"} {
		v, ok := ns(hi, "get-under-write", p)
		if !ok {
			if p != "floor" {
				okAll = false
			}
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s", p, formatRatio(v/gw)))
		if p != "floor" && v < 2*gw {
			hitAll = false
		}
	}
	add("Get while a writer runs: at least 2x the throughput of the lock-based designs"+at, okAll, hitAll,
		fmt.Sprintf("inmem reader %s ns/get; lock-based readers slower by: %s (floor = map+RWMutex, not judged)", formatNum(gw), strings.Join(parts, ", ")))

	p, okpn := ns(hi, "put-new", baseline)
	mp, okmp := ns(hi, "put-new", "go-memdb")
	add("Single put (new key, all indices) no slower than go-memdb's insert"+at, okpn && okmp, p <= mp,
		fmt.Sprintf("inmem %s ns, go-memdb %s ns: %s", formatNum(p), formatNum(mp), formatRatio(p/mp)))
	tb, oktb := ns(hi, "txn-batch", baseline)
	bt, okbt := ns(hi, "put-new", "btree")
	add("Bulk: a 10K-put transaction costs per key no more than a put into google/btree behind a lock"+at, oktb && okbt, tb <= bt,
		fmt.Sprintf("inmem %s ns/key, btree put %s ns: %s", formatNum(tb), formatNum(bt), formatRatio(tb/bt)))

	for _, sys := range []string{baseline, "inmem-lf"} {
		one, ok1 := ns(hi, "put-overwrite", sys)
		two, ok2 := ns(hi, "2-writers", sys)
		detail := fmt.Sprintf("%s: 1 writer %s ns/put, 2 writers %s ns/put total (throughput %s of one)",
			sys, formatNum(one), formatNum(two), formatRatio(one/two))
		if c := r.Get(hi, "2-writers", sys); c != nil {
			if v, ok := c.Extra["CAS retries/put"]; ok {
				detail += fmt.Sprintf("; %.3f CAS retries/put", v)
			}
		}
		add(fmt.Sprintf("Two concurrent writers together at least as fast as one (%s)%s", sys, at), ok1 && ok2, two <= one, detail)
	}

	if c := r.Get(hi, "put-new", baseline); c != nil {
		o := r.Get(hi, "put-overwrite", baseline)
		detail := fmt.Sprintf("put new: %s B/op, %s allocs/op", formatNum(c.BytesPerOp), formatAllocs(c.AllocsPerOp))
		if o != nil {
			detail += fmt.Sprintf("; overwrite: %s B/op, %s allocs/op", formatNum(o.BytesPerOp), formatAllocs(o.AllocsPerOp))
		}
		out = append(out, Target{Name: "Per-put garbage reported beside every write" + at, Status: "reported", Detail: detail})
	} else {
		add("Per-put garbage reported beside every write", false, false, "")
	}

	ps, okps := ns(hi, "prefix-scan", baseline)
	pf, okpf := ns(hi, "prefix-scan", "floor")
	add("Prefix scan within 2x per entry of iterating a sorted Go slice"+at, okps && okpf, ps <= 2*pf,
		fmt.Sprintf("inmem %s ns/entry, sorted slice %s ns/entry: %s", formatNum(ps), formatNum(pf), formatRatio(ps/pf)))

	m, okmem := ns(hi, idMemory, baseline)
	mm, okmm := ns(hi, idMemory, "go-memdb")
	add("Bytes per key no more than go-memdb's"+at, okmem && okmm, m <= mm,
		fmt.Sprintf("inmem %s B/key, go-memdb %s B/key: %s", formatNum(m), formatNum(mm), formatRatio(m/mm)))
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
