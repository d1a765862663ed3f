package proptest

import (
	"errors"
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
)

// The steps of snapshots, compare-and-swap, transactions and expiry
// removal.

// snapPair is a store snapshot and the answers of the model's snapshot
// taken with it.
type snapPair struct {
	sn    core.Snapshot
	want  *snapAnswers
	model *ModelSnapshot
}

// snapshot takes a snapshot of both, compares them, and keeps the pair so
// that every later check compares them again.
func (m *machine) snapshot() {
	ms := m.model.Snapshot()
	p := snapPair{sn: m.c.viewer.View(), want: answers(ms), model: ms}
	m.checkSnapshot("Snapshot()", p.sn, p.want, true)
	m.keep(p)
}

// keep adds p to the snapshots every check compares again, dropping the
// oldest beyond maxSnaps.
func (m *machine) keep(p snapPair) {
	if len(m.snaps) == maxSnaps {
		m.snaps = m.snaps[1:]
	}
	m.snaps = append(m.snaps, p)
}

// expected draws an expected version for a compare-and-swap or -delete: the
// key's live version, 0, its stored version (perhaps expired), or a wrong
// one.
func (m *machine) expected(k core.Key) uint64 {
	var live uint64
	if vv, err := m.model.Get(k); err == nil {
		live = vv.Version
	}
	switch m.d.draw(4, "expected") {
	case 0:
		return live
	case 1:
		return 0
	case 2:
		return m.model.storedVersion(k)
	default:
		return live + 1
	}
}

func (m *machine) cas() {
	k := m.key()
	exp := m.expected(k)
	val, ttl := m.value(), m.ttl()
	want, wantErr := m.model.CompareAndSwap(k, exp, val, ttl)
	got, gotErr := m.c.cas.CompareAndSwap(k, exp, val, ttl)
	m.fail(diffVersion(got, gotErr, want, wantErr), "CompareAndSwap(%s, %d, %v, %v)", k, exp, val, ttl)
}

func (m *machine) cad() {
	k := m.key()
	exp := m.expected(k)
	wantErr := m.model.CompareAndDelete(k, exp)
	gotErr := m.c.cas.CompareAndDelete(k, exp)
	m.fail(diffErr(gotErr, wantErr), "CompareAndDelete(%s, %d)", k, exp)
}

// txn runs a transaction of a few reads, writes and scans on both, perhaps
// with a direct write (or clock advance, or expiry removal) before it
// commits, and compares every answer, the commit's included: ErrConflict
// exactly when the model's transaction sees a conflict.
func (m *machine) txn() { m.runTxn(nil, nil) }

// txnOverExpired plants a value that has expired but is not yet removed in a
// range (and perhaps a live one beside it), then runs a transaction that
// scans that range first and writes, with, before it commits, a commit
// outside the range, a delete of a key in it, or any interference: the
// range a transaction depends on is every stored record, not only the live
// ones it saw.
func (m *machine) txnOverExpired() {
	ns := space.namespaces[m.d.draw(len(space.namespaces), "range namespace")]
	typ := spaceTypes[m.d.draw(len(spaceTypes), "range type")]
	p := core.NewKey(ns, typ, []byte(spacePrefixes[m.d.draw(2, "range prefix")])) // "" or "a"
	var in []core.Key
	for _, k := range space.keys {
		if k.HasPrefix(p) {
			in = append(in, k)
		}
	}
	dead := m.d.draw(len(in), "expired key")
	m.doPut(ownKey(in[dead]), m.value(), tick)
	if m.d.draw(2, "live neighbour") == 0 {
		m.doPut(ownKey(in[(dead+1)%len(in)]), m.value(), 0)
	}
	m.clock.Advance(tick) // in[dead] has expired; nothing removed it
	m.runTxn(&p, func(touched []core.Key) {
		switch m.d.draw(3, "range interference") {
		case 0: // a commit elsewhere: another namespace, same user key
			other := space.namespaces[(m.d.draw(len(space.namespaces)-1, "other namespace")+1+nsIndex(ns))%len(space.namespaces)]
			m.doPut(core.NewKey(other, typ, []byte("a")), m.value(), m.ttl())
		case 1: // a delete in the range: of the live neighbour, if there is one
			m.doDelete(ownKey(in[m.d.draw(len(in), "range key")]))
		default:
			m.interfere(touched)
		}
	})
}

// nsIndex returns the index of ns in the key space's namespaces.
func nsIndex(ns core.Namespace) int {
	for i, n := range space.namespaces {
		if n == ns {
			return i
		}
	}
	return 0
}

// runTxn is txn, scanning first (when not nil) and interfering with
// interfere (when not nil) instead of the usual draws.
func (m *machine) runTxn(first *core.Key, interfere func(touched []core.Key)) {
	st, mt := m.c.txn.BeginTxn(), m.model.Begin()
	sa, appends := st.(core.TxnAppender)
	if st.Version() != mt.Version() {
		m.f.Fatalf("Begin: Version() = %d, want %d", st.Version(), mt.Version())
	}
	var touched []core.Key
	if first != nil {
		p := *first
		want, wantErr := mt.ScanPrefix(p)
		got, gotErr := st.ScanPrefix(p)
		m.fail(diffScan(got, gotErr, want, wantErr, m.ts), "Txn.ScanPrefix(%s) over an expired value", p)
		scribble(got)
		// A write outside the range, so that the commit takes a version.
		k := core.NewKey(space.namespaces[nsIndex(p.Namespace)^1], p.Type, []byte("b"))
		val := m.value()
		m.fail(diffErr(st.Put(k, val, 0), mt.Put(k, val, 0)), "Txn.Put(%s, %v, 0)", k, val)
		touched = append(touched, k)
	}
	for range 1 + m.d.draw(5, "txn ops") {
		op := m.d.draw(6, "txn op")
		if op == 4 && !appends {
			op = 0
		}
		switch op {
		case 0, 1:
			k, val, ttl := m.key(), m.value(), m.ttl()
			touched = append(touched, k)
			m.fail(diffErr(st.Put(k, val, ttl), mt.Put(k, val, ttl)), "Txn.Put(%s, %v, %v)", k, val, ttl)
		case 2:
			k := m.key()
			touched = append(touched, k)
			want, wantErr := mt.Get(k)
			got, gotErr := st.Get(k)
			m.fail(diffRead(got, gotErr, want, wantErr, m.ts), "Txn.Get(%s)", k)
		case 3:
			k := m.key()
			touched = append(touched, k)
			m.fail(diffErr(st.Delete(k), mt.Delete(k)), "Txn.Delete(%s)", k)
		case 4:
			ns, val, ttl := m.namespace(), m.value(), m.ttl()
			want, wantErr := mt.Append(ns, val, ttl)
			got, gotErr := sa.Append(ns, val, ttl)
			d := diffErr(gotErr, wantErr)
			if d == "" && gotErr == nil && !got.Equal(want) {
				d = fmt.Sprintf("key %s, want %s", got, want)
			}
			m.fail(d, "Txn.Append(%s, %v, %v)", ns, val, ttl)
			if wantErr == nil {
				touched = append(touched, want)
			}
		default:
			p := m.prefix()
			touched = append(touched, core.NewKey(p.Namespace, p.Type, []byte("ab")))
			want, wantErr := mt.ScanPrefix(p)
			got, gotErr := st.ScanPrefix(p)
			m.fail(diffScan(got, gotErr, want, wantErr, m.ts), "Txn.ScanPrefix(%s)", p)
			scribble(got)
		}
	}
	switch {
	case interfere != nil:
		interfere(touched)
	case m.d.draw(2, "interfere") == 0:
		m.interfere(touched)
	}
	if m.d.draw(8, "discard") == 0 {
		st.Discard()
		mt.Discard()
	}
	want, wantErr := mt.Commit()
	got, gotErr := st.Commit()
	m.fail(diffVersion(got, gotErr, want, wantErr), "Txn.Commit()")
	k := m.key()
	_, wantErr = mt.Get(k)
	_, gotErr = st.Get(k)
	m.fail(diffErr(gotErr, wantErr), "Txn.Get after Commit")
}

// interfere changes the store directly while a transaction is open: a put or
// delete of a key the transaction touched (or any key), a clock advance, or
// an expiry removal.
func (m *machine) interfere(touched []core.Key) {
	k := m.key()
	if len(touched) > 0 && m.d.draw(2, "touched key") == 0 {
		k = touched[m.d.draw(len(touched), "which touched")]
	}
	switch m.d.draw(4, "interference") {
	case 0:
		m.doPut(k, m.value(), m.ttl())
	case 1:
		m.doDelete(k)
	case 2:
		if m.clock != nil {
			m.advance()
		}
	default:
		if m.c.expiry != nil {
			m.removeExpired(m.c.expiry.FindExpired(m.c.expiry.Now(), 0))
		}
	}
}

// expire finds expired entries (at now, a tick before or after), perhaps
// spoils the list (a stale version, an invalid key, a duplicate, a key
// written again, a key written again with a value that has expired too by
// the removal) and removes them on both.
func (m *machine) expire() {
	at := m.c.expiry.Now().Add(tick * (-1 + time.Duration(m.d.draw(3, "expire at"))))
	limit := m.d.draw(4, "limit")
	want := m.model.FindExpired(at, limit)
	got := m.c.expiry.FindExpired(at, limit)
	m.fail(diffEntries(got, want, m.ts), "FindExpired(%v, %d)", at, limit)
	es := append([]core.Entry{}, got...)
	switch m.d.draw(6, "spoil") {
	case 0:
		k := m.key()
		es = append(es, core.Entry{Key: k, Value: core.VersionedValue{Version: m.model.storedVersion(k) + 1}})
	case 1:
		es = append(es, core.Entry{Key: core.NewKey(space.namespaces[0], invalidType, nil)})
	case 2:
		if len(es) > 0 {
			es = append(es, es[0])
		}
	case 3:
		if len(es) > 0 {
			m.doPut(es[0].Key, m.value(), m.ttl())
		}
	case 4:
		// Written again after the find, and expired too by the removal: not
		// the value found, so it must be skipped all the same.
		if len(es) > 0 {
			m.doPut(es[0].Key, m.value(), tick)
			m.clock.Advance(tick)
		}
	}
	m.removeExpired(es)
}

// expireRewritten plants an expired value, finds what has expired, writes
// the key again with a value that has expired too by the time the found
// entries are removed, and removes them on both: the rewrite is not the value
// found, so it must be skipped, counted, and cost no version of its own.
func (m *machine) expireRewritten() {
	k := ownKey(space.keys[m.d.draw(len(space.keys), "expired key")])
	m.doPut(k, m.value(), tick)
	m.clock.Advance(tick)
	now := m.c.expiry.Now()
	want := m.model.FindExpired(now, 0)
	got := m.c.expiry.FindExpired(now, 0)
	m.fail(diffEntries(got, want, m.ts), "FindExpired(%v, 0)", now)
	m.doPut(k, m.value(), time.Duration(1+m.d.draw(2, "rewrite ttl"))*tick/2) // half a tick or one
	m.clock.Advance(tick)
	m.removeExpired(got)
}

func (m *machine) removeExpired(es []core.Entry) {
	want, wantErr := m.model.RemoveExpired(es)
	got, gotErr := m.c.expiry.RemoveExpired(es)
	if d := diffErr(gotErr, wantErr); d != "" || got != want {
		m.f.Fatalf("RemoveExpired(%d entries) = %+v, %v; want %+v, %v", len(es), got, gotErr, want, wantErr)
	}
}

// errUpdateFn is the error the Update step's function returns when the
// draw says so: Update must return it as it is, having committed nothing.
var errUpdateFn = errors.New("proptest: the function given to Update failed")

// update runs UpdateTxn on both with a function that reads a key, writes
// one (perhaps invalid) and deletes one, and then either returns nil, an
// error, or commits the transaction itself first; the answers must agree
// (a commit made by the function is the one reported).
func (m *machine) update() {
	rk, wk, dk := m.key(), m.key(), m.key()
	val, ttl := m.value(), m.ttl()
	end := m.d.draw(4, "update end") // 0: error, 1: commits itself, else nil
	var reads [2]struct {
		vv  core.VersionedValue
		err error
	}
	fn := func(i int) func(core.Txn) error {
		return func(tx core.Txn) error {
			reads[i].vv, reads[i].err = tx.Get(rk)
			if err := tx.Put(wk, val, ttl); err != nil {
				return err
			}
			if err := tx.Delete(dk); err != nil && !errors.Is(err, core.ErrNotFound) {
				return err
			}
			switch end {
			case 0:
				return errUpdateFn
			case 1:
				_, err := tx.Commit()
				return err
			}
			return nil
		}
	}
	want, wantErr := m.model.UpdateTxn(fn(0))
	got, gotErr := m.c.txn.UpdateTxn(fn(1))
	op := fmt.Sprintf("Update(Get(%s), Put(%s, %v, %v), Delete(%s), end %d)", rk, wk, val, ttl, dk, end)
	m.fail(diffRead(reads[1].vv, reads[1].err, reads[0].vv, reads[0].err, m.ts), "%s: Txn.Get", op)
	if errors.Is(wantErr, errUpdateFn) != errors.Is(gotErr, errUpdateFn) {
		m.f.Fatalf("%s = %d, %v; want %d, %v", op, got, gotErr, want, wantErr)
	}
	m.fail(diffVersion(got, gotErr, want, wantErr), "%s", op)
}
