package hnsw

import (
	"sync"
	"unsafe"

	"github.com/inmemdb/inmem/core"
)

// item is a node and its score against the query of a walk.
type item struct {
	s  float32
	id uint32
}

// scratch is the working memory of one walk, pooled: a walk allocates
// nothing once its scratch has grown to the sizes it needs.
type scratch struct {
	seen visitSet
	cand []item // max-heap: the best unexpanded node first
	res  []item // min-heap: the worst result first
	best item   // the best node a walk met, accepted or not
	out  []item
	ids  []uint32
	hits []Hit
	// a batch of neighbours to score (searchLayer)
	bIDs    []uint32
	bNodes  []*node
	bVals   []core.Value
	bScores []float32
	bOK     []bool
	vec     []float32 // the query's elements
	qc      code      // the query quantized
	kept    []*code   // selectNeighbors
}

// scoreCodes scores the codes of the batch s.bNodes against qc into
// s.bScores. The nodes and their codes lie scattered in memory: it asks the
// processor to load all the nodes of the batch, then all their codes, so
// that the loads overlap instead of waiting one after another.
func (s *scratch) scoreCodes(m core.Metric, qc *code) {
	n := len(s.bNodes)
	if cap(s.bScores) < n {
		s.bScores, s.bOK = make([]float32, n), make([]bool, n)
	}
	s.bScores = s.bScores[:n]
	for _, nd := range s.bNodes {
		prefetch(unsafe.Pointer(unsafe.SliceData(nd.c.b)))
	}
	for i, nd := range s.bNodes {
		s.bScores[i] = approx(m, qc, &nd.c)
	}
}

// score scores the batch s.bVals into s.bScores and s.bOK.
func (s *scratch) score(q *core.VectorQuery) {
	if n := len(s.bVals); cap(s.bScores) < n {
		s.bScores, s.bOK = make([]float32, n), make([]bool, n)
	}
	s.bScores, s.bOK = s.bScores[:len(s.bVals)], s.bOK[:len(s.bVals)]
	q.ScoreMany(s.bVals, s.bScores, s.bOK)
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

// release returns s to the pool, dropping the Values its buffers point at so
// that a pooled scratch keeps no vector alive.
func (s *scratch) release() {
	clear(s.hits[:cap(s.hits)])
	s.hits = s.hits[:0]
	scratchPool.Put(s)
}

// start empties the heaps and the visited set for a walk that expects to
// visit about hint nodes.
func (s *scratch) start(hint int) {
	s.cand, s.res = s.cand[:0], s.res[:0]
	s.seen.reset(hint)
}

func pushMax(h *[]item, x item) {
	a := append(*h, x)
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p].s >= a[i].s {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
	*h = a
}

func popMax(h *[]item) item {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && a[r].s > a[l].s {
			l = r
		}
		if a[i].s >= a[l].s {
			break
		}
		a[i], a[l] = a[l], a[i]
		i = l
	}
	*h = a
	return top
}

func pushMin(h *[]item, x item) {
	a := append(*h, x)
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p].s <= a[i].s {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
	*h = a
}

func popMin(h *[]item) item {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && a[r].s < a[l].s {
			l = r
		}
		if a[i].s <= a[l].s {
			break
		}
		a[i], a[l] = a[l], a[i]
		i = l
	}
	*h = a
	return top
}

// visitSet is a set of node ids: open addressing over a power-of-two table,
// emptied by clearing the part of it in use.
type visitSet struct {
	slots []uint32 // id+1; 0 is empty
	n     int
	shift uint
}

func (v *visitSet) reset(hint int) {
	size := 1024
	for size < 2*hint {
		size *= 2
	}
	v.alloc(size)
}

func (v *visitSet) alloc(size int) {
	if cap(v.slots) >= size {
		v.slots = v.slots[:size]
		clear(v.slots)
	} else {
		v.slots = make([]uint32, size)
	}
	v.n = 0
	v.shift = 32
	for s := size; s > 1; s >>= 1 {
		v.shift--
	}
}

// add adds id and reports whether it was new.
func (v *visitSet) add(id uint32) bool {
	k := id + 1
	mask := uint32(len(v.slots) - 1)
	i := (k * 0x9E3779B1) >> v.shift
	for {
		s := v.slots[i]
		if s == k {
			return false
		}
		if s == 0 {
			v.slots[i] = k
			v.n++
			if 2*v.n > len(v.slots) {
				v.grow()
			}
			return true
		}
		i = (i + 1) & mask
	}
}

func (v *visitSet) grow() {
	old := append([]uint32(nil), v.slots...)
	v.alloc(2 * len(old))
	for _, k := range old {
		if k != 0 {
			v.add(k - 1)
		}
	}
}
