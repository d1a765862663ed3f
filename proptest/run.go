package proptest

import (
	"io"
	"testing"

	"github.com/inmemdb/inmem/core"
	"pgregory.net/rapid"
)

// Option configures Run and Replay.
type Option func(*options)

type options struct {
	clock    *core.ManualClock
	retained func(core.Storage) uint64
	proven   bool
	reopen   func(core.Storage) (core.Storage, error)
	restore  func(io.Reader) (core.Storage, error)
	check    func(s core.Storage, stored []core.Entry) error
	vindex   *modelIndex
}

// WithClock tells Run the clock the stores newStore returns judge time by
// (the factory must close over the same c). With it, Run generates TTLs and
// clock advances, uses c as the Model's clock, compares commit timestamps and
// snapshot times, and draws the steps that need time to pass (a transaction
// over an expired value, expiry removal); without it, every TTL is 0 and
// times are not compared. Sequences share c, so tests that pass the same c
// must not run in parallel.
func WithClock(c *core.ManualClock) Option {
	return func(o *options) { o.clock = c }
}

// WithRetained tells Run which versions the store keeps exactly: oldest(s)
// returns the oldest version s still answers exactly (its history window).
// Versioned reads and scans at or after it must equal the model's, and so
// must SnapshotAt and the commits a watcher delivers; below it, SnapshotAt
// must answer ErrCompacted and so must a watcher that has to look at such a
// version. Without it, any version older than the current one may answer
// ErrCompacted (unless the key read has not changed since).
func WithRetained(oldest func(s core.Storage) uint64) Option {
	return func(o *options) { o.retained = oldest }
}

// WithProvenReads tells Run that the store answers a versioned read beyond
// its retained history from its current data whenever that data proves the
// answer: a key absent now when nothing was removed after the version read,
// and a scan whose every stored record was written at or before it with
// nothing removed since. Then ErrCompacted there is a failure.
func WithProvenReads() Option {
	return func(o *options) { o.proven = true }
}

// WithReopen gives Run a way to reopen a durable store: now and then the
// suite closes the store (its watchers first; the store must be an
// io.Closer, and a write after Close must fail with ErrClosed) and calls
// reopen with it, which must return the same store opened again from what it
// stored. The reopened store must hold exactly what it held (values,
// versions, timestamps, TTLs, expired values not yet removed) and continue
// the versions; a read of a version before the reopen may answer
// ErrCompacted as WithRetained and WithProvenReads allow (a reopen counts as
// removing everything before it), and a watcher may find the commits up to
// it gone.
func WithReopen(reopen func(old core.Storage) (core.Storage, error)) Option {
	return func(o *options) { o.reopen = reopen }
}

// WithRestore gives Run a way to restore a backup: the Backup step writes a
// snapshot with its WriteTo method (the store's snapshot must be an
// io.WriterTo), calls restore with the bytes, and checks that the store
// returned holds exactly the snapshot's data at the snapshot's version.
func WithRestore(restore func(r io.Reader) (core.Storage, error)) Option {
	return func(o *options) { o.restore = restore }
}

// WithCheck adds an invariant that Run checks after every step: check gets
// the store and everything it must hold (the model's stored entries, expired
// ones not yet removed included, in key order), and returns an error when
// the store disagrees, for what only that store can report (mvcc's Stats).
func WithCheck(check func(s core.Storage, stored []core.Entry) error) Option {
	return func(o *options) { o.check = check }
}

// WithVectorIndex tells Run that the store keeps a vector index over
// within, of vectors of dims elements scored by metric
// (mvcc.WithVectorIndex): the Model then refuses what the store must refuse
// (a vector of another length, or with a NaN or an infinity, under within:
// ErrInvalidValue), the vector steps draw vectors of dims elements, and a
// search under within scores by metric by default. Without it the vector
// steps draw vectors of 3 elements and every search is expected exact.
func WithVectorIndex(within core.Prefix, dims int, metric core.Metric) Option {
	return func(o *options) { o.vindex = &modelIndex{within: within, dims: dims, metric: metric} }
}

// Run is the conformance suite of a store. Each of rapid's checks (see
// -rapid.checks, -rapid.steps) runs a random sequence of operations over a
// small key space against a fresh store from newStore and a fresh Model, and
// fails t at the first answer that differs: values by Value.Equal (every
// kind is drawn: vectors, floats including NaN, the infinities and -0,
// nested arrays and maps, a JSON document), versions, TTLs, timestamps (with
// WithClock), errors by errors.Is.
//
// The steps are core.Storage's (Put, Get, GetVersioned, Delete, ScanPrefix,
// ScanByRun; clock advances with WithClock) and, for each capability the
// store offers (core's interfaces), that capability's:
//
//   - core.TypeScanner: ScanByType at a version;
//   - core.Viewer: snapshots, kept and compared again after every later step
//     (Get of every key, prefix, run and type scans, Scan of everything,
//     Version, Time, Err, and Len, All and Prefix when the snapshot has
//     them), and range scans with Reverse, Limit, After (and Within, ScanRun
//     and ScanType when the snapshot is a core.IndexScanner), sometimes
//     stopped early, on the store (core.Scanner), a kept snapshot or a past
//     one;
//   - core.ViewerAt: SnapshotAt below, inside and above the retained
//     history;
//   - core.CompareAndSwapper: compare-and-swap and -delete expecting the
//     live version, 0, the stored version or a wrong one;
//   - core.Transactor: transactions of a few Gets, Puts, Deletes, Appends
//     (core.TxnAppender) and ScanPrefixes, sometimes with a conflicting write
//     before Commit (ErrConflict exactly when the Model's transaction
//     conflicts), transactions over a range holding an expired value, and
//     UpdateTxn with a function that fails, commits itself or returns;
//   - core.ExpiryTarget (with WithClock): FindExpired and RemoveExpired with
//     stale, invalid, duplicate and rewritten entries mixed in;
//   - core.Expirer, core.Appender, core.PrefixDeleter, core.Toucher: Expire
//     with a limit; Append (a log's sequences only grow: never one handed
//     out before), also on logs whose tail is expired, deleted or at the
//     last sequence; DeletePrefix at every prefix level; Touch;
//   - core.NamespaceLister: the namespaces under a prefix of every level,
//     listed by the store or by a kept snapshot that lists them;
//   - core.Watchable: watchers after a drawn version with no filter, a
//     WatchPrefix at any level, a WatchRun or both, drained at random steps
//     (each Next with a deadline) and compared with the model's commits
//     filtered the same way, or ErrCompacted where a version has gone;
//     closed at random;
//   - core.VectorSearcher: puts of vectors (of the index's length, of
//     another length, with a NaN, all zeros, ties), and searches at every
//     prefix level on the store, a kept snapshot or a past one, with
//     Similarity, MinScore, a bad k or query: with Exact() the hits must be
//     the Model's brute force exactly; without it (the store may use an
//     index) every hit must be a live value of the view under the prefix,
//     scored as the Model scores it, best first, and the hits must recall at
//     least 90% of the Model's top k over the sequence;
//   - core.Brancher (with core.Viewer): forks of the store, of a kept
//     snapshot and of forks (forks of forks; at most three at once), puts
//     and deletes on them, DiffViews between any two views of the family
//     (the store's, the kept snapshots, each fork's base and current view)
//     with drawn options, and merges back into the parent with no option,
//     PreferFork, PreferStore or a Resolve function, against the Model's
//     forks (copies): the version or *MergeConflict's keys, the conflicts
//     Resolve is asked about, and both sides after;
//   - with WithRestore, backups; with WithReopen, reopening the store.
//
// After every step it checks: CurrentVersion equals the Model's (versions
// are gapless); ScanByRun of every run, and ScanByType of every type, equal
// the Model's; the current snapshot and every kept one answer as the
// Model's did; FindExpired at now and in the far future equals the Model's;
// versioned reads inside the retained history (WithRetained) equal the
// Model's past; and WithCheck's invariant holds.
//
// newStore must return an empty store at version 0. A store that is an
// io.Closer is closed at the end of its sequence. Run calls t.Helper and is
// safe to call from parallel tests unless they share a clock.
func Run(t *testing.T, newStore func() core.Storage, opts ...Option) {
	t.Helper()
	o := buildOptions(opts)
	rapid.Check(t, func(rt *rapid.T) {
		m := newMachine(rt, rapidDrawer{rt}, o, newStore())
		defer m.close()
		rt.Repeat(m.actions())
	})
}

// RunStore is Run for a store type judged by a clock: it makes one
// core.ManualClock, passes it to every newStore call (the store must judge
// TTLs and commit times by it) and runs Run with WithClock(clock) and opts,
// so every capability S offers is drawn with time passing. newStore must
// return an empty store at version 0. For an *mvcc.Store, the package
// mvcc/mvcctest's RunStore also checks what mvcc promises beyond core's
// interfaces (its history window, backups, Stats). Safe to call from
// parallel tests: each call has its own clock.
func RunStore[S core.Storage](t *testing.T, newStore func(clock core.Clock) S, opts ...Option) {
	t.Helper()
	clock := core.NewManualClock(epoch)
	Run(t, func() core.Storage { return newStore(clock) }, append([]Option{WithClock(clock)}, opts...)...)
}

// Replay decodes data as an operation sequence (one byte per choice) and runs
// it as Run would run one sequence, against a store from newStore and the
// Model, failing t at the first difference. Any bytes are a valid sequence,
// which makes it a fuzz target's engine: f.Fuzz(func(t *testing.T, b
// []byte) { proptest.Replay(t, b, newStore, opts...) }).
func Replay(t testing.TB, data []byte, newStore func() core.Storage, opts ...Option) {
	t.Helper()
	replay(t, data, newStore(), buildOptions(opts))
}

func replay(f failer, data []byte, store core.Storage, o *options) {
	f.Helper()
	d := &byteDrawer{b: data}
	m := newMachine(f, d, o, store)
	defer m.close()
	m.replay(d)
}

func buildOptions(opts []Option) *options {
	o := &options{}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	return o
}
