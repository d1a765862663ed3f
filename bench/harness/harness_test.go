package harness

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inmemdb/inmem/bench/dataset"
)

func tinyConfig() Config {
	return Config{Sizes: []int{dataset.MinKeys, 2 * dataset.MinKeys}, MinTime: 100 * time.Microsecond, MaxTime: time.Millisecond, Reps: 1, BulkReps: 1}
}

// TestRunTiny runs every workload on every system on tiny data sets and
// checks that the table has every row and column and every target is judged.
func TestRunTiny(t *testing.T) {
	res, err := Run(tinyConfig())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	res.WriteTable(&buf)
	table := buf.String()
	lines := strings.Split(strings.TrimSpace(table), "\n")
	wantRows := 2 + len(tableOrder)*2
	if len(lines) != wantRows {
		t.Fatalf("table has %d lines, want %d:\n%s", len(lines), wantRows, table)
	}
	for _, sys := range []string{"inmem", "original", "go-memdb", "btree", "buntdb", "floor"} {
		if !strings.Contains(lines[0], "| "+sys+" |") {
			t.Errorf("header lacks %s: %s", sys, lines[0])
		}
	}
	for _, id := range tableOrder {
		for _, size := range res.Sizes {
			for _, sys := range []string{"inmem", "original"} {
				if res.Get(size, id, sys) == nil {
					t.Errorf("no %s result for %s at %d", id, sys, size)
				}
			}
		}
	}
	if strings.Contains(table, "?") {
		t.Errorf("table has unmeasured cells:\n%s", table)
	}
	for _, tg := range res.Targets() {
		if tg.Status == "not measured" {
			t.Errorf("target %q not measured", tg.Name)
		}
	}
	c := res.Get(dataset.MinKeys, "2-writers", "inmem")
	if g, ok := c.Extra[extraGroup]; !ok || g < 1 || g > 2 {
		t.Errorf("inmem's 2 writers report %v commits per group (reported: %v), want 1 to 2", g, ok)
	}
	if !strings.Contains(table, "commits/group") {
		t.Errorf("table does not show the group size:\n%s", table)
	}
	if c := res.Get(dataset.MinKeys, "put-new", "inmem"); c.BytesPerOp <= 0 || c.AllocsPerOp <= 0 {
		t.Errorf("put-new reports %v B/op, %v allocs/op", c.BytesPerOp, c.AllocsPerOp)
	}
	checkSVG(t, res)
}

// checkSVG checks that the chart is well-formed XML with one bar per peer
// and workload.
func checkSVG(t *testing.T, res *Results) {
	t.Helper()
	var buf bytes.Buffer
	if err := res.WriteSVG(&buf, res.ChartSize()); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	bars := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v\n%s", err, buf.String())
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			for _, a := range se.Attr {
				if a.Name.Local == "height" && a.Value == strconv.Itoa(chartBarH-1) {
					bars++
				}
			}
		}
	}
	want := 0
	for _, id := range tableOrder {
		for _, sys := range res.Systems {
			if c := res.Get(res.ChartSize(), id, sys); sys != baseline && c != nil && c.NsPerOp > 0 && res.Get(res.ChartSize(), id, baseline) != nil {
				want++
			}
		}
	}
	if bars != want || want == 0 {
		t.Errorf("chart has %d bars, want %d", bars, want)
	}
}

func TestOnlyAndSystemsFilter(t *testing.T) {
	cfg := tinyConfig()
	cfg.Sizes = cfg.Sizes[:1]
	cfg.Only = regexp.MustCompile("^get$")
	cfg.Systems = regexp.MustCompile("^(inmem|floor)$")
	res, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Systems) != 2 || len(res.Labels) != 1 || res.Labels["get"] == nil {
		t.Fatalf("systems %v, rows %v", res.Systems, res.Labels)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{{1.234, "1.23"}, {12.6, "13"}, {1234, "1,234"}, {1234567, "1,234,567"}} {
		if got := formatNum(c.in); got != c.want {
			t.Errorf("formatNum(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := formatRatio(2.5e6); got != "2.5e+06x" {
		t.Errorf("formatRatio = %q", got)
	}
	if got := median([]float64{5, 1, 3, 2}); got != 2.5 {
		t.Errorf("median = %v", got)
	}
}
