package mvcc

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Commit validates the transaction against the current version and, if
// nothing it read, wrote or scanned changed since Begin, publishes all its
// writes in one new version, which it returns. It fails with an error
// wrapping ErrConflict otherwise, and with ErrVersionExhausted when no
// version is left; either way nothing changes. A transaction with no writes,
// or whose writes change nothing (deletes of keys already gone), assigns no
// version and returns the version it read at. Commit ends the transaction.
//
// The writes are sorted once and applied in key order to one draft of the
// next root, which is published with one compare-and-swap: a bulk commit pays
// one root, not one per key.
func (t *Txn) Commit() (uint64, error) {
	if t.done {
		return 0, ErrTxnDone
	}
	defer t.Discard()
	if len(t.writes) == 0 {
		return t.st.version, nil
	}
	ws := make([]*txnWrite, 0, len(t.writes))
	recs := make([]*record, len(t.writes))
	for _, w := range t.writes {
		ws = append(ws, w)
	}
	slices.SortFunc(ws, func(a, b *txnWrite) int { return strings.Compare(a.enc, b.enc) })
	for i, w := range ws {
		if !w.del {
			recs[i] = newRecord(w.key, w.enc, w.value, w.ttl)
		}
	}
	st, err := t.s.commit(func(cur *state, version uint64, now time.Time) (*state, error) {
		if cur.version != t.st.version {
			if err := t.validate(cur); err != nil {
				t.s.conflict.Add(1)
				return nil, err
			}
		}
		return apply(cur, version, now, ws, recs), nil
	})
	if err != nil {
		return 0, err
	}
	return st.version, nil
}

// apply derives the next state from cur with the sorted writes ws (recs[i]
// is the record of ws[i] when it is a put).
func apply(cur *state, version uint64, now time.Time, ws []*txnWrite, recs []*record) *state {
	var d draft
	d.init(cur, version)
	for i, w := range ws {
		old := d.st.get(w.enc)
		if w.del {
			if old != nil {
				d.remove(old)
			}
			continue
		}
		rec := recs[i]
		rec.vv.Version, rec.vv.Timestamp = version, now
		d.set(rec, old)
	}
	return d.finish()
}

// validate reports a conflict when anything the transaction depends on
// changed between its view and cur.
func (t *Txn) validate(cur *state) error {
	for enc, seen := range t.reads {
		if now := versionOf(cur.get(enc)); now != seen {
			return t.conflict(enc, seen, now)
		}
	}
	for enc := range t.writes {
		seen := versionOf(t.st.get(enc))
		if now := versionOf(cur.get(enc)); now != seen {
			return t.conflict(enc, seen, now)
		}
	}
	for _, sr := range t.scans {
		count, changed := 0, false
		cur.rangeRecords(sr.prefix, func(r *record) bool {
			count++
			changed = r.vv.Version > t.st.version
			return !changed
		})
		// Records present now with versions up to the view's were all present
		// in the view: equal counts then mean equal ranges.
		if changed || count != sr.count {
			return fmt.Errorf("%w: a key in a scanned range changed after version %d", core.ErrConflict, t.st.version)
		}
	}
	return nil
}

func (t *Txn) conflict(enc string, seen, now uint64) error {
	key, _ := core.DecodeKey([]byte(enc))
	return fmt.Errorf("%w: key %s was at version %d when read, now %d", core.ErrConflict, key, seen, now)
}
