package mvcc_test

import (
	"fmt"
	"strings"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// Notes stored with their embeddings are recalled by meaning: Search returns
// the vectors closest to the query, best first, through the index that
// covers the scope. A snapshot keeps searching what it held.
func ExampleStore_Search() {
	store := mvcc.New(mvcc.WithVectorIndex(mvcc.VectorIndex{
		Within: core.TenantPrefix("acme"), Dims: 3, Metric: core.Cosine,
	}))
	ns := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: core.RunID{1}}
	for name, embedding := range map[string][]float32{
		"billing": {0.9, 0.1, 0},
		"login":   {0, 1, 0.1},
		"outage":  {0.1, 0, 1},
	} {
		if _, err := store.Put(core.VectorKey(ns, name), core.VectorValue(embedding), 0); err != nil {
			panic(err)
		}
	}
	snap := store.Snapshot()
	store.Delete(core.VectorKey(ns, "billing"))

	query := []float32{1, 0.2, 0} // "a payment problem"
	for _, s := range []interface {
		Search(core.Prefix, []float32, int, ...mvcc.SearchOption) ([]mvcc.Hit, error)
	}{store, snap} {
		hits, err := s.Search(core.AgentPrefix("acme", "support", "triage"), query, 2)
		if err != nil {
			panic(err)
		}
		var line []string
		for _, h := range hits {
			line = append(line, fmt.Sprintf("%s %.2f", h.Key.UserKey, h.Score))
		}
		fmt.Println(strings.Join(line, ", "))
	}
	_, err := store.Put(core.VectorKey(ns, "bad"), core.VectorValue([]float32{1, 2}), 0)
	fmt.Println(err != nil)
	// Output:
	// login 0.20, outage 0.10
	// billing 1.00, login 0.20
	// true
}
