package mvcc

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inmemdb/inmem/core"
)

// applyFunc is one write: it reads and changes the draft through its methods
// and returns an error to refuse. It runs once, on the commit leader's
// goroutine, against the draft as the operations queued before it left it.
// Whatever it changed before returning an error is undone.
type applyFunc func(d *draft) error

// pending is one write waiting in the commit queue: apply, or when apply is
// nil the single-key put described by put (the most common write, spared a
// closure).
type pending struct {
	apply   applyFunc
	put     putOp
	version uint64
	err     error
	done    bool // set by the leader before it signals the writer
	// signal is the one signal a waiting writer gets (done, or lead now):
	// waitSpin while the writer spins or is about to park, waitPark once
	// it sleeps on wake, signaled once the signal is given (see notify).
	signal atomic.Uint32
	wake   chan struct{} // where a parked writer sleeps
}

// The values of pending.signal.
const (
	waitSpin uint32 = iota
	waitPark
	signaled
)

// notify gives p's writer its signal: it sees it while it spins, or is
// woken from its channel if it parked.
func (p *pending) notify() {
	if p.signal.Swap(signaled) == waitPark {
		p.wake <- struct{}{}
	}
}

// await waits for p's signal: first spinning briefly when first is set
// (the writer heads the queue, so the group in progress is the last it
// waits for: see spin), then parked on its channel.
func (s *Store) await(p *pending, first bool) {
	if first && s.spin(p) {
		return
	}
	if p.signal.CompareAndSwap(waitSpin, waitPark) {
		<-p.wake
	}
}

// spinFor is how long a waiting writer of a store in memory spins before it
// parks: a few commits' time. Writers of a store with a log park at once
// (their group waits for the disk).
const spinFor = 20 * time.Microsecond

// spin waits for p's signal for up to spinFor without parking, and reports
// whether it came. Spinning spares the leader a wake-up call and the writer
// a trip through the scheduler, so the next group starts at once; it is
// worth it only while another core runs the leader and the signal is near,
// so only the writer at the head of the queue spins, at most GOMAXPROCS-1
// writers spin at a time, and none when the store has a log.
func (s *Store) spin(p *pending) bool {
	if s.log != nil {
		return false
	}
	if s.spinners.Add(1) > s.maxSpinners {
		s.spinners.Add(-1)
		return false
	}
	defer s.spinners.Add(-1)
	var start time.Time
	for i := 1; ; i++ {
		if p.signal.Load() == signaled {
			return true
		}
		if i&63 == 0 {
			switch {
			case start.IsZero():
				start = time.Now()
			case time.Since(start) > spinFor:
				return false
			}
		}
	}
}

// putOp is a Put, or with cas a CompareAndSwap expecting version expected.
type putOp struct {
	enc      string // a view of the writer's scratch buffer (see draft.putView)
	value    core.Value
	ttl      time.Duration
	size     int // value.Size(), from the write's check
	cas      bool
	expected uint64
}

// apply runs the put on the draft.
func (op *putOp) apply(d *draft) error {
	if op.cas {
		if err := checkVersion(d, op.enc, op.expected); err != nil {
			return err
		}
	}
	d.putView(op.enc, op.value, op.ttl, op.size)
	return nil
}

var pendingPool = sync.Pool{New: func() any { return &pending{wake: make(chan struct{}, 1)} }}

// commit is the one publish path: every write of every kind goes through it.
//
// The writer queues its operation. If no leader is at work it becomes the
// leader; otherwise it waits. The leader takes the whole queue, applies each
// operation in queue order to one transient edit of the current state (each
// gets its own version, v+1 … v+k, and its own result), writes the group to
// the log if the store has one, and publishes the new root in one atomic
// store. It then hands the leadership to the first writer that queued
// meanwhile, which takes the next group, and only then wakes every writer
// of its own group with its result (see handOver, awaitRejoin and
// wakeGroup). A group of k writes costs one root, one history window update
// and one log write (and fsync), however many writers wait; the longer a
// group takes (an fsync), the larger the next one grows.
//
// It returns the version the operation committed at, or for an operation that
// changed nothing the current version then.
func (s *Store) commit(apply applyFunc) (uint64, error) {
	p := pendingPool.Get().(*pending)
	p.apply = apply
	return s.enqueue(p)
}

// commitPut is commit for a single-key put.
func (s *Store) commitPut(op putOp) (uint64, error) {
	p := pendingPool.Get().(*pending)
	p.put = op
	return s.enqueue(p)
}

// enqueue queues p and waits until a leader (perhaps this goroutine) has
// committed it.
func (s *Store) enqueue(p *pending) (uint64, error) {
	if s.isClosed.Load() {
		release(p)
		return 0, errClosed
	}
	if s.cfg.readOnly && s.log != nil {
		release(p)
		return 0, errReadOnly
	}
	s.queueMu.Lock()
	first := len(s.queue) == 0
	s.queue = append(s.queue, p)
	s.arrivals++
	leader := !s.leading
	s.leading = true
	s.queueMu.Unlock()

	if !leader {
		s.await(p, first) // done, or the previous leader handed over
	}
	if !p.done {
		if s.log != nil {
			s.awaitRejoin()
		}
		s.writeMu.Lock()
		batch := s.lead()
		took := s.syncTook
		s.writeMu.Unlock()
		// The next group starts before this one's writers are woken: its
		// log write and sync need not wait for the wake-ups.
		s.handOver(len(batch), took)
		s.wakeGroup(batch)
	}

	v, err := p.version, p.err
	release(p)
	return v, err
}

// release clears p and returns it to the pool: a pooled pending must carry
// nothing of the write it held.
func release(p *pending) {
	p.apply, p.put, p.version, p.err, p.done = nil, putOp{}, 0, nil, false
	p.signal.Store(waitSpin)
	pendingPool.Put(p)
}

// handOver passes the leadership to the first writer waiting in the queue,
// or ends it when the queue is empty. For a store with a log it first sets
// what the next leader waits for (see awaitRejoin): the group of size
// writers that just committed coming back, for at most rejoinWait(took),
// took being the time its log write and sync took.
func (s *Store) handOver(size int, took time.Duration) {
	s.queueMu.Lock()
	defer s.queueMu.Unlock()
	if s.log != nil {
		s.rejoinAt = s.arrivals + uint64(size)
		s.rejoinUntil = time.Now().Add(rejoinWait(took))
	}
	if len(s.queue) == 0 {
		s.leading = false
		return
	}
	s.queue[0].notify()
}

// rejoinWait is how long a new leader waits at most for the writers of the
// group before it (see awaitRejoin): a quarter of the time that group's log
// write and sync took, so that the wait costs at most a quarter of a sync
// while it can double the writers a sync serves. A variable for tests.
var rejoinWait = func(took time.Duration) time.Duration { return took / 4 }

// awaitRejoin waits, yielding its core, until as many writes have queued
// since the last hand-over as the group before had writers, or until the
// wait handOver allowed has passed. The writers of a group are woken after
// the leadership passes; a writer that puts again right away would
// otherwise miss the next group (it takes only the writers that queued
// during the sync before) and wait a whole sync more, so that with many
// writers groups alternate at half of them each. Waiting a fraction of a
// sync for them lets one sync serve nearly all of them. A single writer
// never waits: its own write is the one the group before had. Called by
// a new leader of a store with a log, before it takes the commit lock.
func (s *Store) awaitRejoin() {
	for {
		s.queueMu.Lock()
		short := s.arrivals < s.rejoinAt
		until := s.rejoinUntil
		s.queueMu.Unlock()
		if !short || !time.Now().Before(until) {
			return
		}
		runtime.Gosched()
	}
}

// lead applies and publishes everything queued and returns the group it
// committed, its writers' results set, for wakeGroup. The commit lock is
// held: Close takes it to wait for the group in progress.
func (s *Store) lead() []*pending {
	s.queueMu.Lock()
	batch := s.queue
	s.queue, s.spare = s.spare[:0], nil
	s.queueMu.Unlock()

	cur := s.root.Load()
	switch {
	case s.isClosed.Load():
		fail(batch, errClosed)
	case s.failed != nil:
		fail(batch, s.failed)
	default:
		d := s.leaderDraft()
		d.reset(cur.cur, s.Now())
		d.applyAll(batch)
		if s.log == nil {
			// Writers that queued while the group was applied join it: two
			// writers taking turns then share groups instead of each
			// committing alone.
			s.queueMu.Lock()
			late := len(batch)
			batch = append(batch, s.queue...)
			clear(s.queue)
			s.queue = s.queue[:0]
			s.queueMu.Unlock()
			if late < len(batch) {
				d.now = s.Now()
				d.applyAll(batch[late:])
			}
		}
		if len(d.group) == 0 {
			break
		}
		if s.log != nil {
			start := time.Now()
			err := s.logGroup(d.group)
			s.syncTook = time.Since(start)
			if err != nil {
				if s.log.Err() != nil {
					s.failed = err
				}
				// Nothing of the group is visible: its writes fail.
				for _, p := range batch {
					if p.err == nil && p.version > cur.cur.version {
						p.version, p.err = 0, err
					}
				}
				break
			}
			if commitHook != nil {
				commitHook(hookLogged)
			}
		}
		s.publish(cur, d)
		s.maybeCheckpoint()
	}
	return batch
}

// wakeGroup ends the group lead committed: it wakes every writer of batch
// with its result, except the leader's own write (the first: the leader
// queued first among the writers it found), and returns batch to the queue
// as its spare. It runs after the commit lock is released and the
// leadership handed over, so the next group is at work meanwhile.
func (s *Store) wakeGroup(batch []*pending) {
	if commitHook != nil {
		commitHook(hookWake)
	}
	self := batch[0]
	for _, p := range batch {
		p.done = true
		if p != self {
			p.notify()
		}
	}
	clear(batch)
	s.queueMu.Lock()
	if s.spare == nil {
		s.spare = batch[:0]
	}
	s.queueMu.Unlock()
}

// commitHook, when set (by tests only), is called by the commit leader at
// the points of a group commit named by hookPoint.
var commitHook func(hookPoint)

// hookPoint is a point of a group commit where commitHook is called.
type hookPoint int

const (
	hookLogged hookPoint = iota // a group's records are written (and synced), before it is published
	hookWake                    // a group is published and the leadership handed over, before its writers are woken
)

// applyAll applies the operations of batch in order, each getting its
// result.
func (d *draft) applyAll(batch []*pending) {
	for _, p := range batch {
		fn := p.apply
		if fn == nil {
			fn = p.put.apply
		}
		p.version, p.err = d.apply(fn)
	}
}

// leaderDraft returns the commit leader's draft, made on the first write: a
// store that is only read (a fork, say) needs none. The commit lock is
// held (or the store is not yet shared).
func (s *Store) leaderDraft() *draft {
	if s.draft == nil {
		s.draft = new(draft)
	}
	return s.draft
}

// apply runs one operation on the draft: its version if it changed
// anything, the draft's version if not.
func (d *draft) apply(fn applyFunc) (uint64, error) {
	if d.version >= maxVersion {
		return 0, fmt.Errorf("%w: at version %d", core.ErrVersionExhausted, d.version)
	}
	if err := fn(d); err != nil {
		d.abort()
		return 0, err
	}
	return d.end(), nil
}

// publish makes the draft's state current: one atomic store, after which
// every read sees all of the group's versions.
func (s *Store) publish(cur *root, d *draft) {
	// The state is allocated on its own, not with its root: a snapshot or
	// the history window holds a state, and must not keep a root (and so
	// an older window) alive.
	st := d.finish()
	nr := &root{cur: st, past: cur.past, pastBytes: cur.pastBytes}
	if s.cfg.history > 0 {
		for _, rec := range st.group {
			nr.push(st, rec, s.cfg.history+1, s.cfg.historyBytes)
		}
	}
	s.root.Store(nr)
	s.wake()
	s.commits.Add(uint64(len(st.group)))
	s.groups.Add(1)
}

// fail ends every operation of batch with err.
func fail(batch []*pending, err error) {
	for _, p := range batch {
		p.version, p.err = 0, err
	}
}
