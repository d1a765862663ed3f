package mvcc

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/wal"
)

// Store is an in-memory multi-version key-value store. It implements
// core.Storage. Create one with New; the zero Store is not usable.
//
// A Store is safe for concurrent use by any number of goroutines: reads are
// lock-free and never wait for writers; writes are linearizable and each
// committed change gets the next version.
type Store struct {
	root     atomic.Pointer[root]
	writeMu  sync.Mutex   // the commit lock: held by the leader of a group commit
	queueMu  sync.Mutex   // guards queue, spare and leading
	leading  bool         // a leader is at work (or handing over)
	queue    []*pending   // writes waiting for a leader
	spare    []*pending   // a drained queue, reused
	spinners atomic.Int32 // writers spinning for their signal (see spin)
	// maxSpinners is how many writers may spin at once: one less than
	// GOMAXPROCS when the store was made.
	maxSpinners int32
	cfg         config
	commits     atomic.Uint64
	groups      atomic.Uint64
	watchers    atomic.Int64                  // Next calls that may be waiting: publishes wake them
	notify      atomic.Pointer[chan struct{}] // closed and replaced after a publish; made when a Next first waits
	closed      atomic.Pointer[chan struct{}] // closed by Close; made on first use (closedCh)
	conflict    atomic.Uint64

	isClosed      atomic.Bool
	failed        error          // sticky: a log write failed; guarded by writeMu
	log           *wal.Log       // nil for a store in memory only
	walRec        wal.Record     // reused by logGroup under writeMu
	recovery      RecoveryReport // what Open recovered
	checkpointing atomic.Bool    // a background checkpoint runs
	background    sync.WaitGroup // background checkpoints
	draft         *draft         // the commit leader's, reused for every group

	// A store with a log: arrivals counts the writes queued so far; a new
	// commit leader waits (briefly) until it reaches rejoinAt, the writers
	// of the group before coming back (see awaitRejoin). Guarded by
	// queueMu. syncTook is the last group's log write and sync, guarded by
	// writeMu.
	arrivals, rejoinAt uint64
	rejoinUntil        time.Time
	syncTook           time.Duration

	// A fork's (see Fork and Merge): the snapshot it started from, and what
	// its last merge took.
	base   *Snapshot
	merged atomic.Pointer[mergeMark]
}

// New returns an empty store at version 0 (or the WithStartVersion version),
// purely in memory. Nil options are ignored.
func New(opts ...Option) *Store {
	cfg := newConfig(opts)
	return newStore(cfg, emptyState(cfg.startVersion, cfg.vectors))
}

func newConfig(opts []Option) config {
	cfg := config{
		clock:           core.SystemClock{},
		history:         DefaultHistory,
		historyBytes:    DefaultHistoryBytes,
		updateRetries:   DefaultUpdateRetries,
		checkpointBytes: DefaultCheckpointBytes,
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return cfg
}

// newStore returns a store whose current state is st.
func newStore(cfg config, st *state) *Store {
	s := &Store{cfg: cfg, maxSpinners: int32(runtime.GOMAXPROCS(0) - 1)}
	s.start(st)
	return s
}

// start readies s, configured, to serve with st as its current state.
//
// The channels of Close and of the change feed are made when first needed:
// a store that is never watched (a fork, most often) allocates neither.
func (s *Store) start(st *state) {
	r := &root{cur: st}
	if s.cfg.history > 0 {
		r.past = r.past.Push(st.version, st, s.cfg.history+1)
	}
	s.root.Store(r)
}

// closedCh returns the channel Close closes, making it on first use.
func (s *Store) closedCh() chan struct{} {
	return lazyChan(&s.closed)
}

// lazyChan returns the channel p points at, installing a new one if there
// is none yet (the first of concurrent callers wins; all get its channel).
func lazyChan(p *atomic.Pointer[chan struct{}]) chan struct{} {
	if c := p.Load(); c != nil {
		return *c
	}
	ch := make(chan struct{})
	if p.CompareAndSwap(nil, &ch) {
		return ch
	}
	return *p.Load()
}

// Now returns the store's clock reading, stripped of any monotonic reading:
// every commit timestamp and expiry decision about this store uses it. It is
// safe for concurrent use.
func (s *Store) Now() time.Time { return s.cfg.clock.Now().Round(0) }

// CurrentVersion returns the highest version assigned so far (0, or the start
// version, for a new store). O(1), lock-free.
func (s *Store) CurrentVersion() uint64 { return s.root.Load().cur.version }

// Stats is a point-in-time description of a Store.
type Stats struct {
	Version uint64 // the current version
	Keys    int    // keys stored, expired ones not yet removed included
	Runs    int    // (run, namespace) pairs in the run index
	Types   int    // (type, namespace) pairs in the type index
	TTLKeys int    // keys with an expiry
	History int    // versions in the history window, the current one included; 0 when history is off
	// LiveBytes estimates what the stored entries hold: encoded keys,
	// versioned values and the values' own bytes (core.Value.Size), expired
	// entries not yet removed included.
	LiveBytes int64
	// HistoryBytes estimates what only the history window holds: the values
	// (with their keys) that versions inside it replaced or removed, and
	// the commit records of those of more than one change. The tree nodes
	// that retained versions share are not counted.
	HistoryBytes int64
	// Recovery is what Open recovered: the checkpoint, the log records
	// replayed, and a torn log tail cut off (TornBytes > 0). Zero for a store
	// made by New or Restore.
	Recovery  RecoveryReport
	Commits   uint64 // versions committed since New
	Groups    uint64 // publishes since New: Commits/Groups is the average group commit size
	Conflicts uint64 // transaction commits refused with ErrConflict
}

// Stats returns counters and sizes of the store. O(1); safe for concurrent
// use. The counters are read one by one, not as one atomic step.
func (s *Store) Stats() Stats {
	r := s.root.Load()
	return Stats{
		Version:      r.cur.version,
		Keys:         r.cur.data.Len(),
		Runs:         r.cur.runs.Len(),
		Types:        r.cur.types.Len(),
		TTLKeys:      r.cur.ttl.Len(),
		History:      r.past.Len(),
		LiveBytes:    r.cur.bytes,
		HistoryBytes: r.pastBytes,
		Recovery:     s.recovery,
		Commits:      s.commits.Load(),
		Groups:       s.groups.Load(),
		Conflicts:    s.conflict.Load(),
	}
}
