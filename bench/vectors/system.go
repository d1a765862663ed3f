// Package vectors measures vector search in inmem against the Go libraries a
// user would pick instead, on the same fixed-seed clustered data in one run:
// chromem-go (exact search) and coder/hnsw (an HNSW graph without snapshots).
// Command vectorbench prints its report.
package vectors

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/coder/hnsw"
	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	chromem "github.com/philippgille/chromem-go"
)

// Item is one vector of a data set: the agent whose memory holds it (the
// scope of a filtered search), and its vector.
type Item struct {
	Agent int
	Vec   []float32
}

// System is a vector store under measurement. Hits are indices into the
// items loaded.
type System interface {
	Name() string
	// Approximate reports whether searches may miss (a breadth applies).
	Approximate() bool
	// Add loads item i.
	Add(i int, it Item) error
	// Search returns the k items closest to q by cosine similarity, in the
	// scope of agent (-1: every item), walking breadth candidates where that
	// applies.
	Search(q []float32, k, breadth, agent int) ([]int, error)
	// Scoped reports whether Search honours a scope.
	Scoped() bool
}

const tenant = "bench"

func agentNS(a int) core.Namespace {
	return core.Namespace{Tenant: tenant, App: "app", Agent: fmt.Sprintf("agent-%04d", a), RunID: core.RunID{1}}
}

// Inmem is an mvcc store; with an index over the tenant when indexed.
type Inmem struct {
	S       *mvcc.Store
	indexed bool
}

// NewInmem returns an in-memory store, with a cosine index over every vector
// of the data set when indexed.
func NewInmem(dims int, indexed bool, opts ...mvcc.Option) *Inmem {
	if indexed {
		opts = append(opts, mvcc.WithVectorIndex(mvcc.VectorIndex{Within: core.TenantPrefix(tenant), Dims: dims, Metric: core.Cosine}))
	}
	return &Inmem{S: mvcc.New(opts...), indexed: indexed}
}

func (s *Inmem) Name() string {
	if s.indexed {
		return "inmem"
	}
	return "inmem-exact"
}
func (s *Inmem) Approximate() bool { return s.indexed }
func (s *Inmem) Scoped() bool      { return true }

// Key returns the key of item i.
func Key(i int, it Item) core.Key { return core.VectorKey(agentNS(it.Agent), strconv.Itoa(i)) }

func (s *Inmem) Add(i int, it Item) error {
	_, err := s.S.Put(Key(i, it), core.VectorValue(it.Vec), 0)
	return err
}

func (s *Inmem) Search(q []float32, k, breadth, agent int) ([]int, error) {
	p := core.TenantPrefix(tenant)
	if agent >= 0 {
		ns := agentNS(agent)
		p = core.AgentPrefix(ns.Tenant, ns.App, ns.Agent)
	}
	hits, err := s.S.Search(p, q, k, mvcc.SearchBreadth(breadth))
	if err != nil {
		return nil, err
	}
	out := make([]int, len(hits))
	for j, h := range hits {
		out[j], _ = strconv.Atoi(string(h.Key.UserKey))
	}
	return out, nil
}

// Chromem is a chromem-go collection: exact search over every document (or
// over the documents whose metadata names the agent).
type Chromem struct {
	c *chromem.Collection
}

func NewChromem() (*Chromem, error) {
	noEmbed := func(context.Context, string) ([]float32, error) {
		return nil, errors.New("the benchmark gives embeddings")
	}
	c, err := chromem.NewDB().CreateCollection("bench", nil, noEmbed)
	if err != nil {
		return nil, err
	}
	return &Chromem{c: c}, nil
}

func (s *Chromem) Name() string      { return "chromem-go" }
func (s *Chromem) Approximate() bool { return false }
func (s *Chromem) Scoped() bool      { return true }

func (s *Chromem) Add(i int, it Item) error {
	return s.c.AddDocument(context.Background(), chromem.Document{
		ID: strconv.Itoa(i), Embedding: it.Vec, Metadata: map[string]string{"agent": strconv.Itoa(it.Agent)}, Content: "x",
	})
}

func (s *Chromem) Search(q []float32, k, _, agent int) ([]int, error) {
	var where map[string]string
	if agent >= 0 {
		where = map[string]string{"agent": strconv.Itoa(agent)}
	}
	res, err := s.c.QueryEmbedding(context.Background(), q, min(k, s.c.Count()), where, nil)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(res))
	for j, r := range res {
		out[j], _ = strconv.Atoi(r.ID)
	}
	return out, nil
}

// CoderHNSW is a coder/hnsw graph with cosine distance, M = 16 and a
// construction breadth of 64 (inmem's defaults; coder/hnsw builds with its
// search breadth, 20 by default).
type CoderHNSW struct {
	g *hnsw.Graph[int]
}

func NewCoderHNSW() *CoderHNSW {
	g := hnsw.NewGraph[int]()
	g.Distance = hnsw.CosineDistance
	g.M = 16
	g.EfSearch = 64
	return &CoderHNSW{g: g}
}

func (s *CoderHNSW) Name() string      { return "coder/hnsw" }
func (s *CoderHNSW) Approximate() bool { return true }
func (s *CoderHNSW) Scoped() bool      { return false }

func (s *CoderHNSW) Add(i int, it Item) error {
	s.g.EfSearch = 64
	s.g.Add(hnsw.MakeNode(i, it.Vec))
	return nil
}

func (s *CoderHNSW) Search(q []float32, k, breadth, agent int) ([]int, error) {
	if agent >= 0 {
		return nil, errors.New("coder/hnsw has no filtered search")
	}
	s.g.EfSearch = max(breadth, k)
	nodes := s.g.Search(q, k)
	out := make([]int, len(nodes))
	for j, n := range nodes {
		out[j] = n.Key
	}
	return out, nil
}
