package hnsw

import (
	"math"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/btree"
)

// Defaults of Config's tuning fields.
const (
	DefaultM              = 16
	DefaultEfConstruction = 64
	DefaultEfSearch       = 80
	maxLevel              = 16
)

// Config describes an index: the vectors it holds and how its graph is built.
type Config struct {
	Dims   int         // the length of every vector
	Metric core.Metric // the score the graph is built and searched by
	// M is the number of links a node keeps per level above the lowest
	// (which keeps 2M). More links: better recall, more memory, slower
	// inserts. Default DefaultM; at least 2.
	M int
	// EfConstruction is the breadth of the search that places a new node.
	// Default DefaultEfConstruction; at least M.
	EfConstruction int
	// EfSearch is the default breadth of a search (at least k). Default
	// DefaultEfSearch.
	EfSearch int
}

// normalized returns c with its defaults filled in.
func (c Config) normalized() Config {
	if c.M <= 0 {
		c.M = DefaultM
	}
	c.M = max(c.M, 2)
	if c.EfConstruction <= 0 {
		c.EfConstruction = DefaultEfConstruction
	}
	c.EfConstruction = max(c.EfConstruction, c.M)
	if c.EfSearch <= 0 {
		c.EfSearch = DefaultEfSearch
	}
	if !c.Metric.Valid() {
		c.Metric = core.Cosine
	}
	return c
}

// params is a Config with what follows from it, shared by every version of
// one index.
type params struct {
	Config
	m0 int     // links on level 0
	ml float64 // the level multiplier, 1/ln(M)
}

// Deadline is when a vector expires: seconds since year 1 and nanoseconds, as
// the store computes a value's expiry. A node is live at now while its
// deadline is after now. Never is the deadline of a vector without expiry.
type Deadline struct {
	Sec  int64
	Nsec int32
}

// Never is later than every moment.
var Never = Deadline{Sec: math.MaxInt64, Nsec: 1e9}

// After reports whether d is after now.
func (d Deadline) After(now Deadline) bool {
	return d.Sec > now.Sec || (d.Sec == now.Sec && d.Nsec > now.Nsec)
}

// node is one vector of the graph. Published nodes are never changed.
type node struct {
	owner uint64
	key   string     // the store's encoded key; "" for a tombstone
	val   core.Value // the vector: its elements are the stored Value's
	c     code       // the vector quantized: what walks score
	dl    Deadline
	level uint8
	dead  bool
	// links holds one list per level l <= level, at off(l): a count, then
	// the ids (room for m0 on level 0, m above).
	links []uint32
}

// off returns where level l's list starts in a node's links.
func (p *params) off(l int) int {
	if l == 0 {
		return 0
	}
	return 1 + p.m0 + (l-1)*(1+p.M)
}

// linkCap returns the most links a node keeps on level l.
func (p *params) linkCap(l int) int {
	if l == 0 {
		return p.m0
	}
	return p.M
}

// newLinks returns the empty link lists of a node of level lv.
func (p *params) newLinks(lv int) []uint32 { return make([]uint32, p.off(lv+1)) }

// neighbors returns n's links on level l (a view into n).
func (p *params) neighbors(n *node, l int) []uint32 {
	o := p.off(l)
	return n.links[o+1 : o+1+int(n.links[o])]
}

// setNeighbors replaces n's links on level l by ids (at most linkCap(l)).
func (p *params) setNeighbors(n *node, l int, ids []uint32) {
	o := p.off(l)
	n.links[o] = uint32(copy(n.links[o+1:o+1+p.linkCap(l)], ids))
}

// freeCell is one reusable id in a persistent stack of them.
type freeCell struct {
	id   uint32
	next *freeCell
}

// Graph is one version of an index: immutable, safe for concurrent use by any
// number of searches. The zero Graph is not usable: start from New. Copying a
// Graph copies a handful of words (an O(1) snapshot).
type Graph struct {
	p     *params
	nodes trie
	keys  btree.Map[uint32] // key -> id of every live node
	free  *freeCell         // tombstones whose ids a later insert reuses
	n     uint32            // ids issued: the nodes are 0 … n-1
	entry uint32            // where every walk starts: a node of the top level
	top   int32             // the entry's level; -1 when the graph is empty
	dead  int               // tombstones
}

// New returns an empty index configured by cfg (defaults filled in; an
// invalid metric becomes Cosine).
func New(cfg Config) Graph {
	c := cfg.normalized()
	return Graph{p: &params{Config: c, m0: 2 * c.M, ml: 1 / math.Log(float64(c.M))}, top: -1}
}

// Config returns the index's configuration, with its defaults filled in.
func (g *Graph) Config() Config { return g.p.Config }

// Len returns the number of vectors the index holds (tombstones excluded).
func (g *Graph) Len() int { return g.keys.Len() }

// Nodes returns the number of node slots, tombstones included.
func (g *Graph) Nodes() int { return int(g.n) }

// Tombstones returns the number of removed vectors whose nodes wait for reuse.
func (g *Graph) Tombstones() int { return g.dead }

// Has reports whether key's vector is in the index.
func (g *Graph) Has(key string) bool {
	_, ok := g.keys.Get(key)
	return ok
}

// levelOf draws the level of key's node: -ln(u)/ln(M) for u uniform in
// (0, 1], u a hash of the key, so that the graph built from given keys does
// not depend on the order or the process they were inserted in.
func (p *params) levelOf(key string) int {
	h := uint64(14695981039346656037)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	// splitmix64's finalizer spreads FNV's low-entropy high bits.
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	u := (float64(h>>11) + 1) / (1 << 53) // (0, 1]
	return min(int(-math.Log(u)*p.ml), maxLevel)
}

// Range calls fn with the key, vector and deadline of each vector of the
// index whose key starts with prefix, in key order, until fn returns false.
func (g *Graph) Range(prefix string, fn func(key string, v core.Value, dl Deadline) bool) {
	c := g.keys.Cursor()
	for ok := c.SeekGE(prefix); ok && c.HasPrefix(prefix); ok = c.Next() {
		n := g.nodes.get(*c.Value())
		if !fn(n.key, n.val, n.dl) {
			return
		}
	}
}
