package proptest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/inmemdb/inmem/core"
)

// The steps of the capabilities beyond core.Storage that write or read
// ranges: Append, DeletePrefix, Touch, Expire, range scans with options,
// SnapshotAt, backup and restore, and reopening a durable store.

// corePrefix draws a core.Prefix at any level: everything, a tenant, an app,
// an agent (each sometimes one with no keys), a namespace, or a key prefix
// (now and then an invalid one).
func (m *machine) corePrefix() core.Prefix {
	tenants := append(append([]string{}, spaceTenants...), "none")
	tenant := tenants[m.d.draw(len(tenants), "prefix tenant")]
	switch m.d.draw(7, "prefix level") {
	case 0:
		return core.AllKeys()
	case 1:
		return core.TenantPrefix(tenant)
	case 2:
		return core.AppPrefix(tenant, []string{"app", "other"}[m.d.draw(2, "prefix app")])
	case 3:
		return core.AgentPrefix(tenant, "app", []string{"agent", "other"}[m.d.draw(2, "prefix agent")])
	case 4:
		return core.NamespacePrefix(space.namespaces[m.d.draw(len(space.namespaces), "prefix namespace")])
	default:
		return core.KeyPrefix(m.prefix())
	}
}

func (m *machine) namespace() core.Namespace {
	return space.namespaces[m.d.draw(len(space.namespaces), "namespace")]
}

func (m *machine) append() {
	ns, val, ttl := m.namespace(), m.value(), m.ttl()
	wantKey, want, wantErr := m.model.Append(ns, val, ttl)
	gotKey, got, gotErr := m.c.appender.Append(ns, val, ttl)
	d := diffVersion(got, gotErr, want, wantErr)
	if d == "" && gotErr == nil && !gotKey.Equal(wantKey) {
		d = fmt.Sprintf("key %s, want %s", gotKey, wantKey)
	}
	m.fail(d, "Append(%s, %v, %v)", ns, val, ttl)
}

func (m *machine) deletePrefix() {
	p := m.corePrefix()
	wantN, want, wantErr := m.model.DeletePrefix(p)
	gotN, got, gotErr := m.c.deleter.DeletePrefix(p)
	d := diffVersion(got, gotErr, want, wantErr)
	if d == "" && gotN != wantN {
		d = fmt.Sprintf("%d live keys removed, want %d", gotN, wantN)
	}
	m.fail(d, "DeletePrefix(%s)", p)
}

func (m *machine) touch() {
	k, ttl := m.key(), m.ttl()
	want, wantErr := m.model.Touch(k, ttl)
	got, gotErr := m.c.toucher.Touch(k, ttl)
	m.fail(diffVersion(got, gotErr, want, wantErr), "Touch(%s, %v)", k, ttl)
}

// expireAll removes expired values with Expire, at most a drawn limit.
func (m *machine) expireAll() {
	limit := m.d.draw(4, "expire limit")
	want, wantErr := m.model.Expire(limit)
	got, gotErr := m.c.expirer.Expire(limit)
	if d := diffErr(gotErr, wantErr); d != "" || got != want {
		m.f.Fatalf("Expire(%d) = %+v, %v; want %+v, %v", limit, got, gotErr, want, wantErr)
	}
}

// scanOptions draws a scan's options: a direction, a limit, a cursor (any
// drawn key, now and then an invalid one) and, for type scans, a scope. It
// returns them with their description.
func (m *machine) scanOptions(typed bool) ([]core.ScanOption, string) {
	var opts []core.ScanOption
	var desc []string
	if m.d.draw(2, "reverse") == 0 {
		opts, desc = append(opts, core.Reverse()), append(desc, "Reverse")
	}
	if n := m.d.draw(5, "limit") - 1; n != 0 { // -1..3
		opts, desc = append(opts, core.Limit(n)), append(desc, fmt.Sprintf("Limit(%d)", n))
	}
	if m.d.draw(3, "after") == 0 {
		k := m.key()
		opts, desc = append(opts, core.After(k)), append(desc, fmt.Sprintf("After(%s)", k))
	}
	if typed && m.d.draw(2, "within") == 0 {
		p := m.corePrefix()
		opts, desc = append(opts, core.Within(p)), append(desc, fmt.Sprintf("Within(%s)", p))
	}
	return opts, "[" + strings.Join(desc, " ") + "]"
}

// scanRange runs a Scan (and, on snapshots that offer them, a ScanRun or
// ScanType) with drawn options on the store, a snapshot kept earlier or one
// from SnapshotAt, and compares it with the model's, sometimes stopping the
// iteration early.
func (m *machine) scanRange() {
	var sn core.Snapshot
	var want *ModelSnapshot
	src := "store"
	switch i := m.d.draw(3, "scan source"); {
	case i == 1 && len(m.snaps) > 0:
		p := m.snaps[m.d.draw(len(m.snaps), "kept snapshot")]
		sn, want, src = p.sn, p.model, fmt.Sprintf("snapshot %d", p.want.version)
	case i == 2 && m.c.viewerAt != nil:
		low, _ := m.retainedLow()
		cur := m.model.CurrentVersion()
		v := low + uint64(m.d.draw(int(cur-min(low, cur))+1, "scan version"))
		s, err := m.c.viewerAt.ViewAt(v)
		if err != nil {
			if _, known := m.retainedLow(); !known && v < cur && errors.Is(err, core.ErrCompacted) {
				return
			}
			m.f.Fatalf("SnapshotAt(%d) in window [%d, %d]: %v", v, low, cur, err)
		}
		sn, src = s, fmt.Sprintf("SnapshotAt(%d)", v)
		want, _ = m.model.SnapshotAt(v)
	}
	if sn == nil {
		sn, want = m.c.viewer.View(), m.model.Snapshot()
	}
	stop := m.d.draw(4, "stop after") // 0: never
	var got, exp []core.Entry
	var op string
	ix, indexed := sn.(core.IndexScanner)
	switch kind := m.d.draw(3, "scan kind"); {
	case kind == 1 && indexed:
		r := m.run()
		o, desc := m.scanOptions(false)
		op = fmt.Sprintf("%s: ScanRun(%s, %s)", src, r, desc)
		got, exp = collectN(ix.ScanRun(r, o...), stop), collect(want.ScanRun(r, o...))
	case kind == 2 && indexed:
		t := core.TypeTag(m.d.draw(len(allTypes())+1, "type")) // the last one is invalid
		o, desc := m.scanOptions(true)
		op = fmt.Sprintf("%s: ScanType(%v, %s)", src, t, desc)
		got, exp = collectN(ix.ScanType(t, o...), stop), collect(want.ScanType(t, o...))
	default:
		p := m.corePrefix()
		o, desc := m.scanOptions(false)
		op = fmt.Sprintf("%s: Scan(%s, %s)", src, p, desc)
		if src == "store" && m.c.scanner != nil {
			got = collectN(m.c.scanner.Scan(p, o...), stop)
		} else {
			got = collectN(sn.Scan(p, o...), stop)
		}
		exp = collect(want.Scan(p, o...))
	}
	if stop > 0 && len(exp) > stop {
		exp = exp[:stop]
	}
	m.fail(diffEntries(got, exp, m.ts), "%s, stopped after %d", op, stop)
	if err := sn.Err(); err != nil {
		m.f.Fatalf("%s: Err() = %v", op, err)
	}
	scribble(got)
}

// collectN returns the first n pairs of seq as entries (n <= 0: all), and
// stops the iteration there.
func collectN(seq func(func(core.Key, core.VersionedValue) bool), n int) []core.Entry {
	var out []core.Entry
	for k, v := range seq {
		out = append(out, core.Entry{Key: k, Value: v})
		if n > 0 && len(out) == n {
			break
		}
	}
	return out
}

// snapshotAt takes SnapshotAt of a version below, inside or above the
// retained history and compares it with the model's: ErrCompacted below,
// ErrNotFound above, exactly the state and time of the version inside (or,
// when the suite does not know what the store retains, ErrCompacted for a
// past version). It keeps the snapshot for the later checks now and then.
func (m *machine) snapshotAt() {
	cur := m.model.CurrentVersion()
	low, known := m.retainedLow()
	v := uint64(m.d.draw(int(cur)+2, "snapshot version"))
	sn, err := m.c.viewerAt.ViewAt(v)
	switch {
	case v > cur:
		m.fail(diffErr(err, core.ErrNotFound), "SnapshotAt(%d) above the current version %d", v, cur)
	case known && v < low:
		m.fail(diffErr(err, core.ErrCompacted), "SnapshotAt(%d) below the window [%d, %d]", v, low, cur)
	case !known && v < cur && errors.Is(err, core.ErrCompacted):
	case err != nil:
		m.f.Fatalf("SnapshotAt(%d) in window [%d, %d]: %v", v, low, cur, err)
	default:
		ms, _ := m.model.SnapshotAt(v)
		p := snapPair{sn: sn, want: answers(ms), model: ms}
		m.checkSnapshot(fmt.Sprintf("SnapshotAt(%d) in window [%d, %d]", v, low, cur), sn, p.want, true)
		if m.d.draw(2, "keep") == 0 {
			m.keep(p)
		}
	}
}

// backup writes a snapshot (now, or at the oldest retained version) with
// its WriteTo, restores it into a new store with WithRestore's function, and
// compares the restored store with the model's state of that version,
// expiry judged now.
func (m *machine) backup() {
	v := m.model.CurrentVersion()
	sn := m.c.viewer.View()
	if low, known := m.retainedLow(); known && m.c.viewerAt != nil && m.d.draw(2, "backup past") == 0 {
		v = low
		var err error
		if sn, err = m.c.viewerAt.ViewAt(v); err != nil {
			m.f.Fatalf("Backup: SnapshotAt(%d) in window: %v", v, err)
		}
	}
	wt, ok := sn.(io.WriterTo)
	if !ok {
		m.f.Fatalf("Backup: WithRestore was given, but the store's snapshot has no WriteTo")
	}
	var buf bytes.Buffer
	n, err := wt.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		m.f.Fatalf("Backup: WriteTo at version %d = %d, %v; wrote %d bytes", v, n, err, buf.Len())
	}
	r, err := m.o.restore(&buf)
	if err != nil {
		m.f.Fatalf("Backup: restore at version %d: %v", v, err)
	}
	defer func() {
		if c, ok := r.(io.Closer); ok {
			_ = c.Close()
		}
	}()
	at, _ := m.model.SnapshotAt(v)
	restored := newModelSnapshot(m.model, at.st, v, m.model.Now())
	if got := r.CurrentVersion(); got != v {
		m.f.Fatalf("Backup: the store restored at version %d is at version %d", v, got)
	}
	if rv, ok := r.(core.Viewer); ok {
		m.checkSnapshot(fmt.Sprintf("Backup: restore of version %d", v), rv.View(), answers(restored), true)
	}
	if err := CheckIndices(r); err != nil {
		m.f.Fatalf("Backup: CheckIndices of the store restored at version %d: %v", v, err)
	}
	if m.o.check != nil {
		if err := m.o.check(r, restored.stored()); err != nil {
			m.f.Fatalf("Backup: WithCheck's function on the store restored at version %d: %v", v, err)
		}
	}
}

// reopenStore closes the watchers and the store (after which a write must
// fail with ErrClosed), opens the store again with WithReopen's function and
// records the reopen in the model; the check after the step compares what
// it recovered.
func (m *machine) reopenStore() {
	m.closeWatchers()
	if m.c.closer == nil {
		m.f.Fatalf("Reopen: WithReopen was given, but the store has no Close")
	}
	old := m.store
	if err := m.c.closer.Close(); err != nil {
		m.f.Fatalf("Reopen: Close: %v", err)
	}
	k := ownKey(space.keys[0])
	_, err := old.Put(k, core.NullValue(), 0)
	m.fail(diffErr(err, core.ErrClosed), "Reopen: Put(%s) after Close", k)
	s, err := m.o.reopen(old)
	if err != nil {
		m.f.Fatalf("Reopen: %v", err)
	}
	m.setStore(s)
	m.model.Reopen()
}

// namespaces compares the namespaces under a drawn prefix, listed by the
// store (core.NamespaceLister) or by a kept snapshot that lists them too.
func (m *machine) namespaces() {
	p := m.corePrefix()
	src, got := "store", m.c.lister.Namespaces(p)
	want := m.model.Snapshot()
	if len(m.snaps) > 0 && m.d.draw(2, "namespaces source") == 1 {
		pair := m.snaps[m.d.draw(len(m.snaps), "kept snapshot")]
		l, ok := pair.sn.(core.NamespaceLister)
		if !ok {
			return
		}
		src, got, want = fmt.Sprintf("snapshot %d", pair.want.version), l.Namespaces(p), pair.model
	}
	var gotNS, wantNS []core.Namespace
	for ns := range got {
		gotNS = append(gotNS, ns)
	}
	for ns := range want.Namespaces(p) {
		wantNS = append(wantNS, ns)
	}
	if !slices.Equal(gotNS, wantNS) {
		m.f.Fatalf("%s: Namespaces(%s) = %v, want %v", src, p, gotNS, wantNS)
	}
}
