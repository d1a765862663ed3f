package proptest

import (
	"errors"
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
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

// machine drives one operation sequence against a store and the Model and
// compares every answer.
type machine struct {
	f     failer
	d     drawer
	store core.Storage
	ms    *mvcc.Store // set by RunStore and Replay: the mvcc-only steps and checks
	model *Model
	clock *core.ManualClock // nil: no TTLs and no clock advances
	ts    bool              // compare timestamps: the store and the model share the clock
	snaps []snapPair

	// appendFn, when set, stands in for Store.Append and watchFn for
	// Store.Watch: the package's own tests plant defects through them.
	appendFn func(s *mvcc.Store, ns core.Namespace, value core.Value, ttl time.Duration) (core.Key, uint64, error)
	watchFn  func(s *mvcc.Store, after uint64, opts ...mvcc.WatchOption) nexter
	watchers []*watch // open watchers, at most maxWatchers
	// reopen, set by RunDurable, closes the store and opens it again from
	// its directory.
	reopen func() (*mvcc.Store, error)
}

// step is one kind of action; weight is how many of the draws' slots it has.
type step struct {
	name   string
	weight int
	fn     func()
}

// maxSnaps is how many snapshots a sequence keeps re-checking.
const maxSnaps = 4

func (m *machine) steps() []step {
	ss := []step{
		{"Put", 3, m.put},
		{"Get", 1, m.get},
		{"GetVersioned", 1, m.getVersioned},
		{"Delete", 2, m.delete},
		{"ScanPrefix", 1, m.scanPrefix},
		{"ScanByRun", 1, m.scanByRun},
	}
	if m.clock != nil {
		ss = append(ss, step{"Advance", 1, m.advance})
	}
	if m.ms != nil {
		ss = append(ss,
			step{"ScanByType", 1, m.scanByType},
			step{"Snapshot", 1, m.snapshot},
			step{"CompareAndSwap", 2, m.cas},
			step{"CompareAndDelete", 1, m.cad},
			step{"Txn", 2, m.txn},
			step{"TxnOverExpired", 1, m.txnOverExpired},
			step{"RemoveExpired", 1, m.expire},
			step{"ExpireRewritten", 1, m.expireRewritten},
			step{"Append", 2, m.append},
			step{"DeletePrefix", 1, m.deletePrefix},
			step{"Touch", 1, m.touch},
			step{"Expire", 1, m.expireAll},
			step{"Scan", 2, m.scanRange},
			step{"SnapshotAt", 1, m.snapshotAt},
			step{"Backup", 1, m.backup},
			step{"Watch", 1, m.watch},
			step{"WatchDrain", 2, m.watchDrain},
			step{"WatchIdle", 1, m.watchIdle},
			step{"WatchClose", 1, m.watchClose},
		)
	}
	if m.reopen != nil {
		ss = append(ss, step{"Reopen", 1, m.reopenStore})
	}
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

var values = []core.Value{
	core.NullValue(), core.BoolValue(true), core.Int64Value(1), core.Int64Value(2),
	core.StringValue("x"), core.BytesValue([]byte{0, 1}),
	core.ArrayValue(core.Int64Value(1), core.StringValue("x")),
	core.MapValue(map[string]core.Value{"k": core.Int64Value(3)}),
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

// mayCompact reports whether a versioned read at v may answer ErrCompacted:
// v is older than the current version and, for an mvcc store, outside its
// history window.
func (m *machine) mayCompact(v uint64) bool {
	if v >= m.model.CurrentVersion() {
		return false
	}
	return m.ms == nil || v < m.windowLow()
}

// unchangedSince reports whether the value stored under k now was already
// stored at v: then the contract wants the current answer, not ErrCompacted.
func (m *machine) unchangedSince(k core.Key, v uint64) bool {
	sv := m.model.storedVersion(k)
	return sv != 0 && sv <= v
}

// provedAbsent reports whether an mvcc store must answer a read of k at v
// from its current data, k being absent now and nothing removed after v
// (mvcc's rule; a Reopen counts as removing everything before it).
func (m *machine) provedAbsent(k core.Key, v uint64) bool {
	return m.ms != nil && m.model.storedVersion(k) == 0 && m.model.LastRemoval() <= v
}

// windowLow returns the oldest version an mvcc store must still answer
// exactly, by its own Stats.
func (m *machine) windowLow() uint64 {
	st := m.ms.Stats()
	h := uint64(max(st.History, 1))
	if h > st.Version {
		return 0
	}
	return st.Version + 1 - h
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

// versionedScan compares the answer of a versioned scan of the keys keep
// accepts (ErrCompacted allowed where mayCompact says so and, for an mvcc
// store, where its rule does not prove the answer: every record in the
// range written at or before v, nothing removed after v), then scribbles
// over the result.
func (m *machine) versionedScan(v uint64, keep func(core.Key) bool, got []core.Entry, gotErr error, want []core.Entry, wantErr error, format string, args ...any) {
	proved := m.ms != nil && m.model.newestStored(keep) <= v && m.model.LastRemoval() <= v
	if !(m.mayCompact(v) && !proved && errors.Is(gotErr, core.ErrCompacted)) {
		m.fail(diffScan(got, gotErr, want, wantErr, m.ts), format, args...)
	}
	scribble(got)
}

var advances = []time.Duration{1, tick / 2, tick, tick, 2 * tick, 3 * tick}

func (m *machine) advance() {
	m.clock.Advance(advances[m.d.draw(len(advances), "advance")])
}

// --- invariants ---

// check runs after every step: versions agree (gapless), and every run scan
// equals the model's; for an mvcc store, much more (see checkStore).
func (m *machine) check() {
	if got, want := m.store.CurrentVersion(), m.model.CurrentVersion(); got != want {
		m.f.Fatalf("CurrentVersion() = %d, want %d", got, want)
	}
	for _, r := range allRuns() {
		want, wantErr := m.model.ScanByRun(r, core.Latest)
		got, gotErr := m.store.ScanByRun(r, core.Latest)
		m.fail(diffScan(got, gotErr, want, wantErr, m.ts), "check: ScanByRun(%s, Latest)", r)
	}
	if m.ms != nil {
		m.checkStore()
	}
}
