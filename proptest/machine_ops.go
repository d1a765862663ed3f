package proptest

import (
	"bytes"
	"fmt"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// The steps of the store operations beyond the first API: Append,
// DeletePrefix, Touch, Expire, range scans with options, SnapshotAt, and
// backup and restore.

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
	var gotKey core.Key
	var got uint64
	var gotErr error
	if m.appendFn != nil {
		gotKey, got, gotErr = m.appendFn(m.ms, ns, val, ttl)
	} else {
		gotKey, got, gotErr = m.ms.Append(ns, val, ttl)
	}
	d := diffVersion(got, gotErr, want, wantErr)
	if d == "" && gotErr == nil && !gotKey.Equal(wantKey) {
		d = fmt.Sprintf("key %s, want %s", gotKey, wantKey)
	}
	m.fail(d, "Append(%s, %v, %v)", ns, val, ttl)
}

func (m *machine) deletePrefix() {
	p := m.corePrefix()
	wantN, want, wantErr := m.model.DeletePrefix(p)
	gotN, got, gotErr := m.ms.DeletePrefix(p)
	d := diffVersion(got, gotErr, want, wantErr)
	if d == "" && gotN != wantN {
		d = fmt.Sprintf("%d live keys removed, want %d", gotN, wantN)
	}
	m.fail(d, "DeletePrefix(%s)", p)
}

func (m *machine) touch() {
	k, ttl := m.key(), m.ttl()
	want, wantErr := m.model.Touch(k, ttl)
	got, gotErr := m.ms.Touch(k, ttl)
	m.fail(diffVersion(got, gotErr, want, wantErr), "Touch(%s, %v)", k, ttl)
}

// expireAll removes expired values with Expire, at most a drawn limit.
func (m *machine) expireAll() {
	limit := m.d.draw(4, "expire limit")
	want, wantErr := m.model.Expire(limit)
	got, gotErr := m.ms.Expire(limit)
	if d := diffErr(gotErr, wantErr); d != "" || got != want {
		m.f.Fatalf("Expire(%d) = %+v, %v; want %+v, %v", limit, got, gotErr, want, wantErr)
	}
}

// scanOptions draws a scan's options: a direction, a limit, a cursor (any
// drawn key, now and then an invalid one) and, for type scans, a scope.
func (m *machine) scanOptions(typed bool) ScanOptions {
	var o ScanOptions
	o.Reverse = m.d.draw(2, "reverse") == 0
	o.Limit = m.d.draw(5, "limit") - 1 // -1..3
	if m.d.draw(3, "after") == 0 {
		k := m.key()
		o.After = &k
	}
	if typed && m.d.draw(2, "within") == 0 {
		p := m.corePrefix()
		o.Within = &p
	}
	return o
}

// scanRange runs a Scan, ScanRun or ScanType with drawn options on the
// store, a snapshot kept earlier or one from SnapshotAt, and compares it
// with the model's, sometimes stopping the iteration early.
func (m *machine) scanRange() {
	var sn *mvcc.Snapshot
	var want *ModelSnapshot
	src := "store"
	switch i := m.d.draw(3, "scan source"); {
	case i == 1 && len(m.snaps) > 0:
		p := m.snaps[m.d.draw(len(m.snaps), "kept snapshot")]
		sn, want, src = p.sn, p.model, fmt.Sprintf("snapshot %d", p.want.version)
	case i == 2:
		v := m.windowLow() + uint64(m.d.draw(int(m.model.CurrentVersion()-m.windowLow())+1, "scan version"))
		s, err := m.ms.SnapshotAt(v)
		if err != nil {
			m.f.Fatalf("SnapshotAt(%d) in window [%d, %d]: %v", v, m.windowLow(), m.model.CurrentVersion(), err)
		}
		sn, src = s, fmt.Sprintf("SnapshotAt(%d)", v)
		want = m.modelSnapshotAt(v)
	}
	if sn == nil {
		sn, want = m.ms.Snapshot(), m.model.Snapshot()
	}
	stop := m.d.draw(4, "stop after") // 0: never
	var got, exp []core.Entry
	var op string
	switch m.d.draw(3, "scan kind") {
	case 0:
		p, o := m.corePrefix(), m.scanOptions(false)
		op = fmt.Sprintf("%s: Scan(%s, %s)", src, p, o)
		if src == "store" {
			got = collectN(m.ms.Scan(p, o.Options()...), stop)
		} else {
			got = collectN(sn.Scan(p, o.Options()...), stop)
		}
		exp = want.Scan(p, o)
	case 1:
		r, o := m.run(), m.scanOptions(false)
		op = fmt.Sprintf("%s: ScanRun(%s, %s)", src, r, o)
		got, exp = collectN(sn.ScanRun(r, o.Options()...), stop), want.ScanRun(r, o)
	default:
		t := core.TypeTag(m.d.draw(len(allTypes())+1, "type")) // the last one is invalid
		o := m.scanOptions(true)
		op = fmt.Sprintf("%s: ScanType(%v, %s)", src, t, o)
		got, exp = collectN(sn.ScanType(t, o.Options()...), stop), want.ScanType(t, o)
	}
	if stop > 0 && len(exp) > stop {
		exp = exp[:stop]
	}
	m.fail(diffEntries(got, exp, true), "%s, stopped after %d", op, stop)
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

// modelSnapshotAt returns what the store's SnapshotAt(v) must answer for a
// v inside its window: the model's state of v with expiry judged at v's
// commit time, the version a durable store recovered at included.
func (m *machine) modelSnapshotAt(v uint64) *ModelSnapshot {
	ms, _ := m.model.SnapshotAt(v)
	return ms
}

// snapshotAt takes SnapshotAt of a version below, inside or above the
// window and compares it with the model's: ErrCompacted below, ErrNotFound
// above, exactly the state and time of the version inside. It keeps the
// snapshot for the later checks now and then.
func (m *machine) snapshotAt() {
	cur, low := m.model.CurrentVersion(), m.windowLow()
	v := uint64(m.d.draw(int(cur)+2, "snapshot version"))
	sn, err := m.ms.SnapshotAt(v)
	switch {
	case v > cur:
		m.fail(diffErr(err, core.ErrNotFound), "SnapshotAt(%d) above the current version %d", v, cur)
	case v < low:
		m.fail(diffErr(err, core.ErrCompacted), "SnapshotAt(%d) below the window [%d, %d]", v, low, cur)
	case err != nil:
		m.f.Fatalf("SnapshotAt(%d) in window [%d, %d]: %v", v, low, cur, err)
	default:
		ms := m.modelSnapshotAt(v)
		p := snapPair{sn: sn, want: answers(ms), model: ms}
		m.checkSnapshot(fmt.Sprintf("SnapshotAt(%d) in window [%d, %d]", v, low, cur), sn, p.want, true)
		if m.d.draw(2, "keep") == 0 {
			m.keep(p)
		}
	}
}

// backup writes a snapshot (now, or at a version in the window) with
// WriteTo, restores it into a new store with Restore, and compares the
// restored store with the model's state of that version, expiry judged now.
func (m *machine) backup() {
	v := m.model.CurrentVersion()
	sn := m.ms.Snapshot()
	if m.d.draw(2, "backup past") == 0 {
		v = m.windowLow()
		var err error
		if sn, err = m.ms.SnapshotAt(v); err != nil {
			m.f.Fatalf("Backup: SnapshotAt(%d) in window: %v", v, err)
		}
	}
	var buf bytes.Buffer
	n, err := sn.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		m.f.Fatalf("Backup: WriteTo at version %d = %d, %v; wrote %d bytes", v, n, err, buf.Len())
	}
	r, err := mvcc.Restore(&buf, mvcc.WithClock(m.clock))
	if err != nil {
		m.f.Fatalf("Backup: Restore at version %d: %v", v, err)
	}
	at, _ := m.model.SnapshotAt(v)
	want := answers(newModelSnapshot(at.st, v, m.model.Now()))
	m.checkSnapshot(fmt.Sprintf("Backup: Restore of version %d", v), r.Snapshot(), want, true)
	if err := CheckIndices(r); err != nil {
		m.f.Fatalf("Backup: CheckIndices of the store restored at version %d: %v", v, err)
	}
}
