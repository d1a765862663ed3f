package proptest

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/inmemdb/inmem/core"
	"pgregory.net/rapid"
)

// failer is what the machine reports a difference to: a *rapid.T, a
// *testing.T, or a recorder in the package's own tests. Fatalf must not
// return.
type failer interface {
	Helper()
	Fatalf(format string, args ...any)
}

// drawer supplies the machine's choices: a number in [0, n).
type drawer interface {
	draw(n int, label string) int
}

// rapidDrawer draws from rapid, which records, replays and shrinks the
// choices.
type rapidDrawer struct{ t *rapid.T }

func (d rapidDrawer) draw(n int, label string) int { return rapid.IntRange(0, n-1).Draw(d.t, label) }

// byteDrawer decodes choices from bytes, one byte each (0 once they run out).
type byteDrawer struct{ b []byte }

func (d *byteDrawer) draw(n int, _ string) int {
	if len(d.b) == 0 {
		return 0
	}
	v := int(d.b[0]) % n
	d.b = d.b[1:]
	return v
}

// caps are the capabilities of the store under test: the core interfaces
// it satisfies (nil where it does not).
type caps struct {
	viewer   core.Viewer
	viewerAt core.ViewerAt
	scanner  core.Scanner
	types    core.TypeScanner
	cas      core.CompareAndSwapper
	txn      core.Transactor
	watch    core.Watchable
	appender core.Appender
	deleter  core.PrefixDeleter
	toucher  core.Toucher
	expiry   core.ExpiryTarget
	expirer  core.Expirer
	lister   core.NamespaceLister
	search   core.VectorSearcher
	branch   core.Brancher
	closer   io.Closer
}

func capsOf(s core.Storage) caps {
	var c caps
	c.viewer, _ = s.(core.Viewer)
	c.viewerAt, _ = s.(core.ViewerAt)
	c.scanner, _ = s.(core.Scanner)
	c.types, _ = s.(core.TypeScanner)
	c.cas, _ = s.(core.CompareAndSwapper)
	c.txn, _ = s.(core.Transactor)
	c.watch, _ = s.(core.Watchable)
	c.appender, _ = s.(core.Appender)
	c.deleter, _ = s.(core.PrefixDeleter)
	c.toucher, _ = s.(core.Toucher)
	c.expiry, _ = s.(core.ExpiryTarget)
	c.expirer, _ = s.(core.Expirer)
	c.lister, _ = s.(core.NamespaceLister)
	c.search, _ = s.(core.VectorSearcher)
	c.branch, _ = s.(core.Brancher)
	c.closer, _ = s.(io.Closer)
	return c
}

// machine drives one operation sequence against a store and the Model and
// compares every answer.
type machine struct {
	f     failer
	d     drawer
	o     *options
	store core.Storage
	c     caps
	model *Model
	clock *core.ManualClock // nil: no TTLs and no clock advances
	ts    bool              // compare timestamps: the store and the model share the clock
	snaps []snapPair

	watchers []*watch // open watchers, at most maxWatchers

	vecs          []core.Value // the vectors the vector steps put (vectorPool)
	found, wanted int          // hits of approximate searches among the Model's top k, and the top ks' sizes

	branches []*branchPair // open forks, at most maxBranches (machine_branch.go)
	epoch    int           // how many stores the machine has driven: a Reopen makes a new one
}

// newMachine returns a machine over store, with a fresh Model on o's clock.
func newMachine(f failer, d drawer, o *options, store core.Storage) *machine {
	m := &machine{f: f, d: d, o: o, clock: o.clock, ts: o.clock != nil}
	if o.clock != nil {
		m.model = NewModel(o.clock)
	} else {
		m.model = NewModel(nil)
	}
	if o.vindex != nil {
		m.model.AddVectorIndex(o.vindex.within, o.vindex.dims, o.vindex.metric)
	}
	m.vecs = vectorPool(m.o)
	m.setStore(store)
	return m
}

func (m *machine) setStore(s core.Storage) {
	m.store, m.c = s, capsOf(s)
	m.epoch++
}

// close closes the watchers and, if it can be closed, the store.
func (m *machine) close() {
	m.closeWatchers()
	if m.c.closer != nil {
		_ = m.c.closer.Close()
	}
}

// step is one kind of action; weight is how many of the draws' slots it has.
type step struct {
	name   string
	weight int
	fn     func()
}

// maxSnaps is how many snapshots a sequence keeps re-checking.
const maxSnaps = 4

// steps returns the steps the store's capabilities allow.
func (m *machine) steps() []step {
	ss := []step{
		{"Put", 3, m.put},
		{"Get", 1, m.get},
		{"GetVersioned", 1, m.getVersioned},
		{"Delete", 2, m.delete},
		{"ScanPrefix", 1, m.scanPrefix},
		{"ScanByRun", 1, m.scanByRun},
	}
	add := func(ok bool, more ...step) {
		if ok {
			ss = append(ss, more...)
		}
	}
	clock := m.clock != nil
	add(clock, step{"Advance", 1, m.advance})
	add(m.c.types != nil, step{"ScanByType", 1, m.scanByType})
	add(m.c.viewer != nil,
		step{"Snapshot", 1, m.snapshot},
		step{"Scan", 2, m.scanRange})
	add(m.c.viewerAt != nil, step{"SnapshotAt", 1, m.snapshotAt})
	add(m.c.cas != nil,
		step{"CompareAndSwap", 2, m.cas},
		step{"CompareAndDelete", 1, m.cad})
	add(m.c.txn != nil,
		step{"Txn", 2, m.txn},
		step{"Update", 1, m.update})
	add(m.c.txn != nil && clock, step{"TxnOverExpired", 1, m.txnOverExpired})
	add(m.c.expiry != nil && clock,
		step{"RemoveExpired", 1, m.expire},
		step{"ExpireRewritten", 1, m.expireRewritten})
	add(m.c.expirer != nil, step{"Expire", 1, m.expireAll})
	add(m.c.appender != nil, step{"Append", 2, m.append})
	add(m.c.deleter != nil, step{"DeletePrefix", 1, m.deletePrefix})
	add(m.c.toucher != nil, step{"Touch", 1, m.touch})
	add(m.c.lister != nil, step{"Namespaces", 1, m.namespaces})
	add(m.c.viewer != nil && m.o.restore != nil, step{"Backup", 1, m.backup})
	add(m.c.watch != nil,
		step{"Watch", 1, m.watch},
		step{"WatchDrain", 2, m.watchDrain},
		step{"WatchIdle", 1, m.watchIdle},
		step{"WatchClose", 1, m.watchClose})
	add(m.c.branch != nil && m.c.viewer != nil, step{"Branch", 1, m.branchStep})
	add(m.o.reopen != nil, step{"Reopen", 1, m.reopenStore})
	add(m.c.search != nil,
		step{"PutVector", 1, m.putVector},
		step{"Search", 1, m.search})
	return ss
}

// actions returns the steps as a rapid state machine, weights as repeated
// names, with check as the invariant.
func (m *machine) actions() map[string]func(*rapid.T) {
	acts := map[string]func(*rapid.T){"": func(*rapid.T) { m.check() }}
	for _, s := range m.steps() {
		for i := range s.weight {
			name := s.name
			if i > 0 {
				name = fmt.Sprintf("%s#%d", s.name, i+1)
			}
			acts[name] = func(*rapid.T) { s.fn() }
		}
	}
	return acts
}

// replay runs steps chosen by d, checking after each, until d runs out.
func (m *machine) replay(d *byteDrawer) {
	var slots []func()
	for _, s := range m.steps() {
		for range s.weight {
			slots = append(slots, s.fn)
		}
	}
	m.check()
	for len(d.b) > 0 {
		slots[d.draw(len(slots), "action")]()
		m.check()
	}
}

// fail reports a difference d, if there is one, in the answer to the
// operation described by format and args (formatted only then).
func (m *machine) fail(d string, format string, args ...any) {
	if d != "" {
		m.f.Helper()
		m.f.Fatalf("%s: %s", fmt.Sprintf(format, args...), d)
	}
}

// --- drawing arguments ---

// key draws a key of the key space (a fresh copy), or now and then one with
// an invalid type tag.
func (m *machine) key() core.Key {
	i := m.d.draw(len(space.drawn)+1, "key")
	if i == len(space.drawn) {
		return core.NewKey(space.namespaces[0], invalidType, []byte("a"))
	}
	return ownKey(space.drawn[i])
}

// prefix draws a (namespace, type, user-key prefix) scan prefix, now and
// then an invalid one.
func (m *machine) prefix() core.Key {
	ns := space.namespaces[m.d.draw(len(space.namespaces), "prefix namespace")]
	t := invalidType
	if i := m.d.draw(len(spaceTypes)*4+1, "prefix type"); i < len(spaceTypes)*4 {
		t = spaceTypes[i%len(spaceTypes)]
	}
	return core.NewKey(ns, t, []byte(spacePrefixes[m.d.draw(len(spacePrefixes), "prefix user key")]))
}

func (m *machine) value() core.Value { return values[m.d.draw(len(values), "value")] }

// ttl draws a TTL: mostly 0, whole ticks when there is a clock, now and then
// a negative (invalid) one.
func (m *machine) ttl() time.Duration {
	i := m.d.draw(16, "ttl")
	switch {
	case i == 15:
		return -tick
	case m.clock == nil || i < 9:
		return 0
	case i == 14:
		return tick / 2
	default:
		return time.Duration(i-8) * tick // 1..5 ticks
	}
}

// version draws a maxVersion in [0, current+1], or core.Latest.
func (m *machine) version() uint64 {
	cur := m.model.CurrentVersion()
	v := uint64(m.d.draw(int(cur)+3, "version"))
	if v == cur+2 {
		return core.Latest
	}
	return v
}

func (m *machine) run() core.RunID {
	runs := allRuns()
	return runs[m.d.draw(len(runs), "run")]
}

// --- what the store keeps of its past ---

// retainedLow returns the oldest version the store keeps exactly (see
// WithRetained), and false when the suite was not told.
func (m *machine) retainedLow() (uint64, bool) {
	if m.o.retained == nil {
		return 0, false
	}
	return m.o.retained(m.store), true
}

// mayCompact reports whether a versioned read at v may answer ErrCompacted:
// v is older than the current version and not known to be retained.
func (m *machine) mayCompact(v uint64) bool {
	if v >= m.model.CurrentVersion() {
		return false
	}
	low, known := m.retainedLow()
	return !known || v < low
}

// unchangedSince reports whether the value stored under k now was already
// stored at v: then the contract wants the current answer, not ErrCompacted.
func (m *machine) unchangedSince(k core.Key, v uint64) bool {
	sv := m.model.storedVersion(k)
	return sv != 0 && sv <= v
}

// provedAbsent reports whether the store must answer a read of k at v from
// its current data (WithProvenReads): k is absent now and nothing was removed
// after v (a Reopen counts as removing everything before it).
func (m *machine) provedAbsent(k core.Key, v uint64) bool {
	return m.o.proven && m.model.storedVersion(k) == 0 && m.model.LastRemoval() <= v
}

// --- the core.Storage steps ---

func (m *machine) put() { m.doPut(m.key(), m.value(), m.ttl()) }

func (m *machine) doPut(k core.Key, val core.Value, ttl time.Duration) {
	want, wantErr := m.model.Put(k, val, ttl)
	got, gotErr := m.store.Put(k, val, ttl)
	scribble([]core.Entry{{Key: k}}) // the store must have copied the user key
	m.fail(diffVersion(got, gotErr, want, wantErr), "Put(%s, %v, %v)", k, val, ttl)
}

// diffVersion describes how a (version, error) answer differs, or returns "".
func diffVersion(got uint64, gotErr error, want uint64, wantErr error) string {
	if d := diffErr(gotErr, wantErr); d != "" || gotErr != nil {
		return d
	}
	if got != want {
		return fmt.Sprintf("version %d, want %d", got, want)
	}
	return ""
}

func (m *machine) get() {
	k := m.key()
	want, wantErr := m.model.Get(k)
	got, gotErr := m.store.Get(k)
	m.fail(diffRead(got, gotErr, want, wantErr, m.ts), "Get(%s)", k)
}

func (m *machine) getVersioned() {
	k, v := m.key(), m.version()
	want, wantErr := m.model.GetVersioned(k, v)
	got, gotErr := m.store.GetVersioned(k, v)
	if m.mayCompact(v) && k.Type.Valid() && !m.unchangedSince(k, v) && !m.provedAbsent(k, v) && errors.Is(gotErr, core.ErrCompacted) {
		return
	}
	m.fail(diffRead(got, gotErr, want, wantErr, m.ts), "GetVersioned(%s, %d)", k, v)
}

func (m *machine) delete() { m.doDelete(m.key()) }

func (m *machine) doDelete(k core.Key) {
	want, wantErr := m.model.Delete(k)
	got, gotErr := m.store.Delete(k)
	m.fail(diffRead(got, gotErr, want, wantErr, m.ts), "Delete(%s)", k)
}

func (m *machine) scanPrefix() {
	p, v := m.prefix(), m.version()
	want, wantErr := m.model.ScanPrefix(p, v)
	got, gotErr := m.store.ScanPrefix(p, v)
	m.versionedScan(v, func(k core.Key) bool { return k.HasPrefix(p) }, got, gotErr, want, wantErr, "ScanPrefix(%s, %d)", p, v)
}

func (m *machine) scanByRun() {
	r, v := m.run(), m.version()
	want, wantErr := m.model.ScanByRun(r, v)
	got, gotErr := m.store.ScanByRun(r, v)
	m.versionedScan(v, func(k core.Key) bool { return k.Namespace.RunID == r }, got, gotErr, want, wantErr, "ScanByRun(%s, %d)", r, v)
}

func (m *machine) scanByType() {
	t := core.TypeTag(m.d.draw(len(allTypes())+1, "type")) // the last one is invalid
	v := m.version()
	want, wantErr := m.model.ScanByType(t, v)
	got, gotErr := m.c.types.ScanByType(t, v)
	m.versionedScan(v, func(k core.Key) bool { return k.Type == t }, got, gotErr, want, wantErr, "ScanByType(%v, %d)", t, v)
}

// versionedScan compares the answer of a versioned scan of the keys keep
// accepts (ErrCompacted allowed where mayCompact says so and, with
// WithProvenReads, where the current data does not prove the answer: every
// record in the range written at or before v, nothing removed after v), then
// scribbles over the result.
func (m *machine) versionedScan(v uint64, keep func(core.Key) bool, got []core.Entry, gotErr error, want []core.Entry, wantErr error, format string, args ...any) {
	proved := m.o.proven && m.model.newestStored(keep) <= v && m.model.LastRemoval() <= v
	if !(m.mayCompact(v) && !proved && errors.Is(gotErr, core.ErrCompacted)) {
		m.fail(diffScan(got, gotErr, want, wantErr, m.ts), format, args...)
	}
	scribble(got)
}

var advances = []time.Duration{1, tick / 2, tick, tick, 2 * tick, 3 * tick}

func (m *machine) advance() {
	m.clock.Advance(advances[m.d.draw(len(advances), "advance")])
}
