package harness

import (
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"
)

// chartColors are the bar colors of the peers, in the order of Results.Systems
// less inmem (colour-blind-safe palette).
var chartColors = []string{"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00"}

// Chart geometry, in SVG user units (pixels).
const (
	chartLabelW = 330 // the workload labels, left of the plot
	chartPlotW  = 560
	chartRight  = 20
	chartBarH   = 9
	chartGroupP = 10 // space between two workloads' groups of bars
	chartTop    = 64
	chartBottom = 44
	chartMinLog = -2 // the plot spans 0.01x ...
	chartMaxLog = 2  // ... to 100x; ratios beyond are drawn to the edge and labelled
)

// WriteSVG writes a chart of the results at size: for each workload, one bar
// per peer with the peer's time over inmem's in the same run (inmem = 1, the
// centre line), on a logarithmic axis. A bar to the right of the line is a
// workload where the peer is slower than inmem, to the left one where it is
// faster; for the memory row the bars compare bytes per key. Workloads no
// peer measured are left out. It writes nothing useful when size was not
// measured.
func (r *Results) WriteSVG(w io.Writer, size int) error {
	var peers []string
	for _, s := range r.Systems {
		if s != baseline {
			peers = append(peers, s)
		}
	}
	type bar struct {
		ratio float64
		peer  int
	}
	type group struct {
		label string
		bars  []bar
	}
	var groups []group
	for _, id := range tableOrder {
		label, ok := r.Labels[id][size]
		base := r.Get(size, id, baseline)
		if !ok || base == nil || base.NsPerOp <= 0 {
			continue
		}
		g := group{label: label}
		for i, p := range peers {
			if c := r.Get(size, id, p); c != nil && c.NsPerOp > 0 {
				g.bars = append(g.bars, bar{c.NsPerOp / base.NsPerOp, i})
			}
		}
		if len(g.bars) > 0 {
			groups = append(groups, g)
		}
	}

	height := chartTop + chartBottom
	for _, g := range groups {
		height += len(g.bars)*chartBarH + chartGroupP
	}
	width := chartLabelW + chartPlotW + chartRight
	x := func(ratio float64) float64 {
		l := math.Log10(ratio)
		l = min(max(l, chartMinLog), chartMaxLog)
		return chartLabelW + (l-chartMinLog)/(chartMaxLog-chartMinLog)*chartPlotW
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="14" font-weight="bold">inmem against the alternatives at %s keys: each peer's time over inmem's (inmem = 1)</text>`+"\n", 8, count(size))
	fmt.Fprintf(&b, `<text x="%d" y="36" fill="#444">right of the line: the peer is slower than inmem; left: faster (memory: bytes per key). Log scale; one run, medians.</text>`+"\n", 8)
	// Legend.
	lx := float64(8)
	for i, p := range peers {
		fmt.Fprintf(&b, `<rect x="%.0f" y="46" width="10" height="10" fill="%s"/><text x="%.0f" y="55">%s</text>`+"\n", lx, chartColors[i%len(chartColors)], lx+14, html.EscapeString(p))
		lx += 14 + 8*float64(len(p)) + 16
	}
	// Grid: decades and the centre line.
	plotBottom := height - chartBottom
	for l := chartMinLog; l <= chartMaxLog; l++ {
		ratio := math.Pow(10, float64(l))
		gx := x(ratio)
		stroke, sw := "#ddd", 1
		if l == 0 {
			stroke, sw = "#000", 2
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="%d"/>`+"\n", gx, chartTop-4, gx, plotBottom, stroke, sw)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", gx, plotBottom+16, chartTick(ratio))
	}
	for _, l := range []float64{0.5, 2} {
		gx := x(l)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eee"/>`+"\n", gx, chartTop-4, gx, plotBottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#888">%s</text>`+"\n", gx, plotBottom+16, chartTick(l))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#444">peer ÷ inmem</text>`+"\n", chartLabelW+chartPlotW/2, plotBottom+34)
	// Bars.
	y := chartTop
	one := x(1)
	for _, g := range groups {
		gh := len(g.bars) * chartBarH
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", chartLabelW-8, y+gh/2, html.EscapeString(g.label))
		for _, br := range g.bars {
			bx := x(br.ratio)
			lo, hi := min(bx, one), max(bx, one)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %s</title></rect>`+"\n",
				lo, y, max(hi-lo, 1), chartBarH-1, chartColors[br.peer%len(chartColors)], html.EscapeString(peers[br.peer]), formatRatio(br.ratio))
			// The ratio beside the bar's far end, or inside it when the bar runs off the plot.
			anchor, tx, fill := "start", hi+3, "#333"
			if br.ratio < 1 {
				anchor, tx = "end", lo-3
			}
			if l := math.Log10(br.ratio); l > chartMaxLog || l < chartMinLog {
				anchor, tx, fill = "end", hi-2, "white"
				if l < chartMinLog {
					anchor, tx = "start", lo+2
				}
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="8" fill="%s" text-anchor="%s">%s</text>`+"\n", tx, y+chartBarH-2, fill, anchor, formatRatio(br.ratio))
			y += chartBarH
		}
		y += chartGroupP
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// chartTick labels a ratio on the axis: 0.01x, 0.5x, 1x, 100x.
func chartTick(r float64) string {
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", r), "0"), ".")
	return s + "x"
}

// ChartSize returns the size the chart is drawn at: the largest measured.
func (r *Results) ChartSize() int {
	if len(r.Sizes) == 0 {
		return 0
	}
	return slices.Max(r.Sizes)
}
