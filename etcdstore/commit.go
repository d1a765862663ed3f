package etcdstore

import (
	"fmt"
	"strings"
	"sync"

	"github.com/inmemdb/inmem/core"
)

// request is one write waiting to commit: what it reads, its plan, and its
// outcome. The committer (commit, lead) gathers the requests of concurrent
// writers of this Store into batches that share one etcd transaction (a
// group commit): each request still gets a version of its own, the next in
// the batch's order.
type request struct {
	what    string
	keys    []core.Key     // keys whose records plan reads and may change
	scan    string         // a data-key prefix whose every record plan reads and may remove (DeletePrefix)
	scanLog string         // the log index range of scan's keys ("": none)
	tail    string         // the data-key prefix of an event log whose highest sequence plan reads (Append)
	tailNS  core.Namespace // tail's namespace
	guards  []string       // data-key prefixes plan checks by reading etcd itself (a Txn's scans)
	expire  bool           // the commit removes expired values (RemoveExpired)
	alone   bool           // commits in an etcd transaction of its own (DeletePrefix's range delete)
	fresh   bool           // plans on a read of etcd, never on what the Store knows (a Txn's commit)
	plan    func(st *state) error

	spans []span // what it reads and writes: batched requests' spans do not overlap

	// One attempt's bookkeeping.
	tailPrev uint64
	bumped   bool
	changes  []*slot
	recs     map[*slot][]byte

	// The outcome.
	version  uint64
	err      error
	finished bool
	wake     chan bool // the committer's signal: true, lead the next batch; false, finished
}

// span is a part of the data key space a request reads or writes: one data
// key, or every key under a prefix. Two requests whose spans overlap do not
// share a batch, except appends to one event log (two tail spans of one
// prefix), which the batch chains.
type span struct {
	key    string
	prefix bool
	tail   bool
}

func (a span) overlaps(b span) bool {
	switch {
	case a.tail && b.tail && a.key == b.key:
		return false
	case !a.prefix && !b.prefix:
		return a.key == b.key
	case a.prefix && b.prefix:
		return strings.HasPrefix(a.key, b.key) || strings.HasPrefix(b.key, a.key)
	case a.prefix:
		return strings.HasPrefix(b.key, a.key)
	default:
		return strings.HasPrefix(a.key, b.key)
	}
}

// footprint computes rq's spans.
func (rq *request) footprint(l layout) {
	rq.spans = rq.spans[:0]
	for _, k := range rq.keys {
		rq.spans = append(rq.spans, span{key: l.dataKey(k)})
	}
	if rq.scan != "" {
		rq.spans = append(rq.spans, span{key: rq.scan, prefix: true})
	}
	if rq.tail != "" {
		rq.spans = append(rq.spans, span{key: rq.tail, prefix: true, tail: true})
	}
	for _, g := range rq.guards {
		rq.spans = append(rq.spans, span{key: g, prefix: true})
	}
}

func (rq *request) overlaps(o *request) bool {
	for _, a := range rq.spans {
		for _, b := range o.spans {
			if a.overlaps(b) {
				return true
			}
		}
	}
	return false
}

// committer is the queue of a Store's waiting requests and whether one of
// them leads: the leader commits batches until its own request is done,
// then hands the lead to the first request still waiting.
type committer struct {
	mu      sync.Mutex
	queue   []*request
	leading bool
	gate    func() // tests: the leader calls it before it takes a batch
}

// maxBatch is the most requests one batch considers; etcd's operation and
// size limits usually cut it shorter.
const maxBatch = 256

// commit runs rq: it joins the queue, waits for the leader to commit its
// batch or leads itself, and returns rq's version (the current version when
// its plan changed nothing) or error. A batch whose transaction fails
// ambiguously (etcd unreachable, a leader change) sends it again unchanged
// (see runBatch), so it is applied at most once.
func (s *Store) commit(rq *request) (uint64, error) {
	if s.closed.Load() {
		return 0, fmt.Errorf("etcdstore: %s: %w", rq.what, core.ErrClosed)
	}
	rq.footprint(s.l)
	rq.wake = make(chan bool, 1)
	c := &s.gc
	c.mu.Lock()
	c.queue = append(c.queue, rq)
	lead := !c.leading
	c.leading = true
	c.mu.Unlock()
	if !lead {
		lead = <-rq.wake
	}
	if lead {
		s.lead(rq)
	}
	return rq.version, rq.err
}

// lead commits batches of the queue until rq is finished, then hands the
// lead on.
func (s *Store) lead(rq *request) {
	c := &s.gc
	for {
		if c.gate != nil {
			c.gate()
		}
		c.mu.Lock()
		queue := c.queue
		c.queue = nil
		c.mu.Unlock()
		rest := s.runBatch(queue)
		c.mu.Lock()
		c.queue = append(rest, c.queue...)
		if rq.finished {
			if len(c.queue) == 0 {
				c.leading = false
			} else {
				c.queue[0].wake <- true
			}
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
}

// pick splits the queue into a batch (requests whose spans do not overlap,
// in queue order; a request that commits alone only by itself) and the rest,
// in queue order.
func pick(queue []*request) (batch, rest []*request) {
	for i, rq := range queue {
		fits := len(batch) < maxBatch && !rq.alone && (len(batch) == 0 || !batch[0].alone)
		for _, b := range batch {
			if !fits {
				break
			}
			fits = !rq.overlaps(b)
		}
		if len(batch) == 0 || fits {
			batch = append(batch, rq)
			continue
		}
		rest = append(rest, queue[i])
	}
	return batch, rest
}

// finish sets rq's outcome and wakes it.
func finish(rq *request, v uint64, err error) {
	rq.version, rq.err, rq.finished = v, err, true
	rq.changes, rq.recs = nil, nil
	rq.wake <- false
}
