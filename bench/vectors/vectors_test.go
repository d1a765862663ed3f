package vectors

import (
	"bytes"
	"strings"
	"testing"
)

// TestRunSmall runs every measurement on a tiny data set: every system
// loads and answers, the exact systems find the exact answers, and the
// report prints the targets.
func TestRunSmall(t *testing.T) {
	set := Set{N: 2000, Dims: 32, Agents: 20}
	rep, err := Run(Config{Sets: []Set{set}, Queries: 20, K: 10, Breadths: []int{16, 64}, Exact: 1000, Recovery: set})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Sets[0].Systems {
		if s.Err != "" {
			t.Fatalf("%s: %s", s.Name, s.Err)
		}
		if !strings.Contains(s.Name, "hnsw") && s.Name != "inmem" && s.Curve[0].Recall != 1 {
			t.Errorf("%s is exact but recalls %.3f", s.Name, s.Curve[0].Recall)
		}
		// coder/hnsw's walk stops at the first expansion that improves
		// nothing: its recall on clustered data is what it is (the report
		// shows it); it must answer, and inmem must recall well.
		if last := s.Curve[len(s.Curve)-1]; last.Recall < 0.9 && s.Name != "coder/hnsw" || last.Recall == 0 {
			t.Errorf("%s recalls %.3f at breadth %d", s.Name, last.Recall, last.Breadth)
		}
		if s.Filtered != nil && s.Filtered.Recall < 0.99 {
			t.Errorf("%s recalls %.3f in one agent's scope", s.Name, s.Filtered.Recall)
		}
	}
	for _, s := range rep.Exact {
		if s.Filtered.Recall != 1 {
			t.Errorf("exact %s recalls %.3f", s.Name, s.Filtered.Recall)
		}
	}
	var out bytes.Buffer
	rep.Write(&out)
	for _, want := range []string{"chromem-go", "coder/hnsw", "inmem-exact", "### Targets", "Recovery"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}
