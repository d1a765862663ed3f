package mvcc

import (
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/wal"
)

// Open returns the store kept in dir, made durable: it creates the directory
// (and an empty store at version 0) or recovers what dir holds — the newest
// valid checkpoint plus the log after it — exactly: values, versions,
// timestamps, TTL deadlines, and expired values not yet removed. Versions
// continue: after recovering 1..n the next write gets n+1. The history
// window is rebuilt from the log after the checkpoint: GetVersioned,
// SnapshotAt, page tokens and Watch(after) reach the versions it holds (up
// to WithHistory of them) as if the store had never stopped; older ones
// give ErrCompacted.
//
// Every commit is appended to the log before it becomes visible; under
// SyncAlways (the default, see WithSync) a write returns only after its
// commit is on stable storage, and concurrent writers share one fsync. After
// a crash, a torn or damaged tail of the log (a crash in mid-write) is cut
// off and reported (Recovery, and as a warning to WithLogger's logger);
// damage anywhere else, and any loss from a store that Close closed, is an
// error wrapping core.ErrCorrupt, never silent loss (docs/format.md says
// what a crash can leave that no log can tell from a clean end). One Store
// at a time holds a directory: a second Open of it, from this process or
// another, fails with an error wrapping ErrLocked while the first is open
// (WithReadOnly opens a held directory for reading).
//
// Close the store to release the directory. Options as for New, plus
// WithSync, WithSyncInterval, WithCheckpointBytes, WithLogger and
// WithReadOnly.
func Open(dir string, opts ...Option) (*Store, error) {
	return open(dir, newConfig(opts), nil)
}

// ErrLocked is returned (wrapped) by Open and RestoreDir when another store,
// in this process or another, holds the directory. Compare with errors.Is.
var ErrLocked = wal.ErrLocked

// readOnlyRetries bounds how often a read-only Open reads the directory
// again when the process holding it changed the files meanwhile.
const readOnlyRetries = 20

// open opens dir's log and recovers the store from it. install, when set,
// runs on the recovered log and returns the state to start from instead of
// the recovered one, and the report to give (RestoreDir).
func open(dir string, cfg config, install func(*wal.Log) (*state, RecoveryReport, error)) (*Store, error) {
	if !cfg.loggerSet {
		cfg.logger = slog.Default()
	}
	wopts := wal.Options{
		Sync:         wal.SyncPolicy(cfg.sync),
		SyncInterval: cfg.syncInterval,
		SegmentSize:  segmentSize(cfg.checkpointBytes),
		Logger:       cfg.logger,
		FS:           cfg.fs,
		ReadOnly:     cfg.readOnly,
	}
	for attempt := 0; ; attempt++ {
		lg, err := wal.Open(dir, wopts)
		if err != nil {
			return nil, fmt.Errorf("mvcc: open %s: %w", dir, err)
		}
		rec, rep, err := recoverState(lg, cfg.history, cfg.vectors)
		report := recoveryOf(rep)
		if err == nil && install != nil {
			rec.base, rec.window = nil, nil
			rec.base, report, err = install(lg)
		}
		if err != nil {
			lg.Close()
			if errors.Is(err, wal.ErrChanged) && attempt < readOnlyRetries {
				continue // the holder checkpointed or rotated while we read: read again
			}
			return nil, fmt.Errorf("mvcc: recover %s: %w", dir, err)
		}
		s := newStore(cfg, rec.base)
		if err := s.replayWindow(rec.window); err != nil {
			lg.Close()
			return nil, fmt.Errorf("mvcc: recover %s: %w", dir, err)
		}
		s.log = lg
		s.recovery = report
		return s, nil
	}
}

// segmentSize is the log segment size for a store that checkpoints past n
// bytes of log: a checkpoint drops only whole segments, so segments much
// smaller than n keep what is left after one (and what recovery replays)
// near n, and keep the log from staying over n, checkpoint after checkpoint.
func segmentSize(checkpointBytes int64) int64 {
	if checkpointBytes <= 0 {
		return wal.DefaultSegmentSize
	}
	return min(max(checkpointBytes/4, 1), wal.DefaultSegmentSize)
}

// recoveredLog is what recoverState read: the state at the version before
// the window, and the window's records, oldest first.
type recoveredLog struct {
	base   *state
	window []wal.Record
}

// recoverState loads the log's checkpoint and replays its records: the last
// history of them (the ones the history window will hold) are kept aside,
// to be published one by one with their commit records (replayWindow); the
// ones before go straight into one draft.
func recoverState(lg *wal.Log, history int, vectors []*vectorSpec) (recoveredLog, wal.RecoveryReport, error) {
	d := newDraft(emptyState(0, vectors), time.Time{})
	var version uint64
	var at time.Time // the commit time of version
	load := func(h wal.SnapshotHeader, entries iter.Seq[wal.Entry]) error {
		var order keyOrder
		for e := range entries {
			if err := order.check(e.Key); err != nil {
				return err
			}
			if err := checkStored(e.Key, &e.Value, h.Version); err != nil {
				return err
			}
			d.set(e.Key, storedOf(&e.Value))
		}
		seqs, err := seqMarksOf(h.Marks)
		if err != nil {
			return err
		}
		d.seqs = seqs
		version, at = h.Version, h.Time
		return nil
	}
	// window is a ring of the last history records read, oldest at head.
	var window []wal.Record
	head := 0
	apply := func(r *wal.Record) {
		for i := range r.Changes {
			c := &r.Changes[i]
			if c.Op == core.ChangePut {
				d.set(c.Key, storedOf(&c.Value))
			} else {
				d.del(c.Key)
				d.seqRemoved(c.Key)
			}
		}
		version, at = r.Version, r.Time
	}
	replay := func(r *wal.Record) error {
		for i := range r.Changes {
			c := &r.Changes[i]
			if err := checkStored(c.Key, &c.Value, r.Version); err != nil {
				return err
			}
		}
		if history == 0 {
			apply(r)
			return nil
		}
		if len(window) < history {
			window = append(window, cloneRecord(r))
			return nil
		}
		w := &window[head]
		apply(w) // it leaves the window: into the base state
		w.Version, w.Time, w.Changes = r.Version, r.Time, append(w.Changes[:0], r.Changes...)
		head = (head + 1) % len(window)
		return nil
	}
	rep, err := lg.Recover(load, replay)
	if err != nil {
		return recoveredLog{}, rep, err
	}
	return recoveredLog{base: recovered(d, version, at), window: append(window[head:], window[:head]...)}, rep, nil
}

// cloneRecord copies r's changes out of the log's reused buffer (keys and
// values are immutable and shared).
func cloneRecord(r *wal.Record) wal.Record {
	c := *r
	c.Changes = slices.Clone(r.Changes)
	return c
}

// replayWindow publishes the records of the history window one by one, each
// with its commit record, as the commits that wrote them did: the window
// then answers reads of their versions and resumes watchers after them. A
// record that does not replay as the store wrote it (a put whose value is
// not of its commit's version and time, the removal of a key not stored, a
// commit without changes) is an error wrapping core.ErrCorrupt.
func (s *Store) replayWindow(window []wal.Record) error {
	for i := range window {
		r := &window[i]
		cur := s.root.Load()
		d := s.leaderDraft()
		d.reset(cur.cur, r.Time)
		if r.Version != d.next() {
			return fmt.Errorf("%w: log record of version %d after version %d", core.ErrCorrupt, r.Version, d.version)
		}
		for j := range r.Changes {
			c := &r.Changes[j]
			switch {
			case c.Op == core.ChangePut:
				if c.Value.Version != r.Version || !c.Value.Timestamp.Equal(r.Time) {
					return fmt.Errorf("%w: log record of version %d puts %s at version %d", core.ErrCorrupt, r.Version, keyText(c.Key), c.Value.Version)
				}
				d.put(c.Key, c.Value.Value, c.Value.TTL)
			default:
				if _, ok := d.get(c.Key); !ok {
					return fmt.Errorf("%w: log record of version %d removes %s, which is not stored", core.ErrCorrupt, r.Version, keyText(c.Key))
				}
				d.remove(c.Key, c.Op)
			}
		}
		if d.end() != r.Version {
			return fmt.Errorf("%w: log record of version %d changes nothing", core.ErrCorrupt, r.Version)
		}
		st := d.finish()
		nr := &root{cur: st, past: cur.past, pastBytes: cur.pastBytes}
		if s.cfg.history > 0 {
			nr.push(st, st.group[0], s.cfg.history+1, s.cfg.historyBytes)
		}
		s.root.Store(nr)
	}
	return nil
}

// recovered freezes a draft rebuilt from a checkpoint, a log or a backup
// into the state at version, committed at t. What was removed before is not
// known, so versioned reads beyond the (new) window answer only what the
// current state proves. The state carries an empty commit record of its
// version: its commit time, which SnapshotAt and Checkpoint read.
func recovered(d *draft, version uint64, t time.Time) *state {
	if version == 0 {
		return d.finishAt(0, nil)
	}
	rec := newCommitRec(version, t)
	rec.lastRemoval, rec.unknown = version, true
	return d.finishAt(version, &rec)
}

// keyOrder checks that the entries of a checkpoint or a backup come in
// strictly increasing key order, as they are written: a stream that repeats
// or reorders keys is not one the store wrote.
type keyOrder struct {
	prev string
	any  bool
}

func (o *keyOrder) check(enc string) error {
	if o.any && enc <= o.prev {
		return fmt.Errorf("%w: entry %s out of key order (after %s)", core.ErrCorrupt, keyText(enc), keyText(o.prev))
	}
	o.prev, o.any = enc, true
	return nil
}

// checkStored refuses a recovered entry whose key is not an encoding the
// store writes or whose version is from the future.
func checkStored(enc string, vv *core.VersionedValue, version uint64) error {
	if !validEnc(enc) || vv.Version > version || vv.TTL < 0 {
		return fmt.Errorf("%w: entry %s at version %d", core.ErrCorrupt, keyText(enc), vv.Version)
	}
	return nil
}

// keyText names an encoded key read from a file in an error: as Key.String
// prints it when it decodes, else quoted.
func keyText(enc string) string {
	if k, err := core.DecodeKey([]byte(enc)); err == nil {
		return k.String()
	}
	return strconv.Quote(enc)
}

// validEnc reports whether enc has the shape of a key encoding: three
// terminated strings, a run id and a valid type tag.
func validEnc(enc string) bool {
	n := nsLen(enc)
	return n < len(enc) && n >= 22 && core.TypeTag(enc[n]).Valid()
}

// logGroup appends the group's commit records to the log and writes them
// (synced under SyncAlways). The commit lock is held. On error nothing of
// the group is visible; a failed write leaves the log (and so the store)
// refusing writes.
func (s *Store) logGroup(group []*commitRec) error {
	r := &s.walRec
	for _, rec := range group {
		r.Version, r.Time, r.Changes = rec.version, rec.time(), r.Changes[:0]
		for i := range rec.changes {
			c := &rec.changes[i]
			v := c.value(rec)
			r.Changes = append(r.Changes, wal.Change{Key: c.enc, Op: c.op, Value: v.public()})
		}
		if err := s.log.Append(r); err != nil {
			s.log.Discard()
			clear(r.Changes)
			return fmt.Errorf("mvcc: log: %w", err)
		}
	}
	clear(r.Changes)
	if err := s.log.Write(); err != nil {
		return fmt.Errorf("mvcc: log: %w", err)
	}
	return nil
}

// Checkpoint writes the current state to a checkpoint file in the store's
// directory and drops the log before it, so that recovery reads the
// checkpoint and only the log after it. Writers keep going while it runs (it
// writes from a snapshot). A store made by New has no directory: its
// Checkpoint fails with an error wrapping core.ErrInvalidArgument. It fails
// with core.ErrClosed after Close, core.ErrReadOnly on a store opened
// WithReadOnly, and with the file system's error when the file cannot be
// written (the directory then holds what it held before, and the store goes
// on). Safe for concurrent use; checkpoints run one at a time.
func (s *Store) Checkpoint() error {
	if s.isClosed.Load() {
		return errClosed
	}
	if s.log == nil {
		return fmt.Errorf("%w: Checkpoint needs a store made by Open", core.ErrInvalidArgument)
	}
	if s.cfg.readOnly {
		return errReadOnly
	}
	st := s.root.Load().cur
	var t time.Time
	if rec := st.commit(st.version); rec != nil {
		t = rec.time()
	}
	if err := s.log.WriteCheckpoint(st.version, t, walEntries(st), st.seqs.wal()...); err != nil {
		if errors.Is(err, wal.ErrInvalid) && s.log.CheckpointVersion() >= st.version {
			// A concurrent checkpoint of a newer state got there first: it
			// holds everything this one would have.
			return nil
		}
		return fmt.Errorf("mvcc: checkpoint at version %d: %w", st.version, err)
	}
	return nil
}

// walEntries yields every stored entry of st in key order, expired ones
// included.
func walEntries(st *state) iter.Seq[wal.Entry] {
	return func(yield func(wal.Entry) bool) {
		st.rangeRecords("", func(enc string, r *stored) bool {
			return yield(wal.Entry{Key: enc, Value: r.public()})
		})
	}
}

// maybeCheckpoint starts a background checkpoint when the log has grown
// past the configured size and none is running. Called by the commit leader.
func (s *Store) maybeCheckpoint() {
	if s.log == nil || s.cfg.checkpointBytes <= 0 || s.log.Size() < s.cfg.checkpointBytes {
		return
	}
	if !s.checkpointing.CompareAndSwap(false, true) {
		return
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		defer s.checkpointing.Store(false)
		if err := s.Checkpoint(); err != nil && !errors.Is(err, core.ErrClosed) && s.cfg.logger != nil {
			s.cfg.logger.Error("inmem: background checkpoint failed", "err", err)
		}
	}()
}

// Close ends the store: it waits for the commit in progress and a running
// background checkpoint, then, for a store made by Open, writes and syncs
// what is pending and releases the directory. Afterwards every operation
// that can fail fails with an error wrapping core.ErrClosed, watchers
// included; snapshots taken before stay readable (they are in memory). A
// second Close returns such an error too; a failure to write or sync what is
// pending gives the file system's error (the directory is released all the
// same). Safe for concurrent use.
func (s *Store) Close() error {
	if !s.isClosed.CompareAndSwap(false, true) {
		return errClosed
	}
	close(s.closedCh())
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.background.Wait()
	if s.log != nil {
		if err := s.log.Close(); err != nil {
			return fmt.Errorf("mvcc: close: %w", err)
		}
	}
	return nil
}

var (
	errClosed   = fmt.Errorf("mvcc: %w", core.ErrClosed)
	errReadOnly = fmt.Errorf("mvcc: the store was opened with WithReadOnly: %w", core.ErrReadOnly)
)

// RecoveryReport says what Open found in the store's directory.
type RecoveryReport struct {
	CheckpointVersion uint64   // the version of the checkpoint loaded; 0: none
	Checkpoint        string   // its file name; "": none
	Skipped           []string // damaged checkpoint files passed over for an older one
	Records           int      // log records replayed after the checkpoint
	LastVersion       uint64   // the version recovered: the next write gets LastVersion+1
	TornBytes         int64    // bytes of a torn or damaged log tail cut off; 0: none
	TornAt            string   // where: "<segment file>@<offset>"; "": none
	TornReason        string   // what was found there
	ClosedCleanly     bool     // the store was closed by Close, not by a crash, and nothing of it was lost
}

func recoveryOf(r wal.RecoveryReport) RecoveryReport {
	return RecoveryReport{
		CheckpointVersion: r.CheckpointVersion, Checkpoint: r.Checkpoint, Skipped: r.Skipped,
		Records: r.Records, LastVersion: r.LastVersion,
		TornBytes: r.TornBytes, TornAt: r.TornAt, TornReason: r.TornReason,
		ClosedCleanly: r.ClosedCleanly,
	}
}

// Recovery returns what Open recovered (the zero report for a store made by
// New or Restore). Safe for concurrent use.
func (s *Store) Recovery() RecoveryReport { return s.recovery }
