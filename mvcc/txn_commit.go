package mvcc

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/btree"
)

// Commit validates the transaction against the current version and, if
// nothing it read, wrote or scanned changed since Begin, publishes all its
// writes in one new version, which it returns. It fails with an error
// wrapping ErrConflict otherwise, and, changing nothing either way, with
// ErrTxnDone after Commit or Discard, ErrClosed after the store's Close,
// ErrReadOnly on a store opened WithReadOnly, ErrVersionExhausted when no
// version is left, or a failed log write's error on a store made by Open
// (which then refuses every later write). A transaction with no writes
// assigns no version and returns the version it read at; one whose writes
// change nothing (deletes of keys already gone by commit time) assigns no
// version and returns the store's current version. Commit ends the
// transaction.
//
// The writes are sorted once and applied in key order to the commit
// leader's transient edit: each node the batch touches is copied once, then
// changed in place.
func (t *Txn) Commit() (uint64, error) {
	if t.done {
		if t.committed {
			return 0, fmt.Errorf("%w (it committed at version %d)", ErrTxnDone, t.result)
		}
		return 0, ErrTxnDone
	}
	v, err := t.commit()
	t.Discard()
	t.attempted, t.committed, t.result, t.err = true, err == nil, v, err
	return v, err
}

func (t *Txn) commit() (uint64, error) {
	if len(t.writes) == 0 {
		return t.st.version, nil
	}
	ws := sortedWrites(t.writes)
	return t.s.commit(func(d *draft) error {
		if d.version != t.st.version {
			if err := t.validate(d); err != nil {
				t.s.conflict.Add(1)
				return err
			}
		}
		d.expectChanges(len(ws))
		for _, w := range ws {
			switch {
			case !w.del:
				d.putSized(w.enc, w.value, w.ttl, w.size)
			default:
				if _, ok := d.get(w.enc); ok {
					d.remove(w.enc, core.ChangeDelete)
				}
			}
		}
		return nil
	})
}

// sortedWrites returns the writes in key order. The keys of a transaction
// tend to share a long prefix (one namespace), which makes every string
// comparison walk it, so the sort compares first the 8 bytes that follow the
// common prefix of all keys, as an integer, and the rest of the keys only on
// a tie.
func sortedWrites(writes map[string]*txnWrite) []*txnWrite {
	// The sorted pairs hold no pointers: swapping them needs no write
	// barriers while the garbage collector runs.
	type keyed struct {
		word uint64
		i    int
	}
	ws := make([]*txnWrite, 0, len(writes))
	lcp := -1
	var first string
	for enc, w := range writes {
		ws = append(ws, w)
		if lcp < 0 {
			first, lcp = enc, len(enc)
		}
		lcp = btree.CommonPrefix(first[:lcp], enc)
	}
	ks := make([]keyed, len(ws))
	for i, w := range ws {
		ks[i] = keyed{wordAt(w.enc, lcp), i}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if a.word != b.word {
			return cmp.Compare(a.word, b.word)
		}
		return strings.Compare(ws[a.i].enc[lcp:], ws[b.i].enc[lcp:])
	})
	sorted := make([]*txnWrite, len(ks))
	for j, k := range ks {
		sorted[j] = ws[k.i]
	}
	return sorted
}

// wordAt returns the 8 bytes of s from off as a big-endian integer, padded
// with zero bytes past the end of s. Words that differ order their strings
// as strings.Compare does; equal words leave the order to the rest of the
// strings (padding cannot tell "a" from "a\x00").
func wordAt(s string, off int) uint64 {
	var w uint64
	for i := range 8 {
		w <<= 8
		if off+i < len(s) {
			w |= uint64(s[off+i])
		}
	}
	return w
}

// validate reports a conflict when anything the transaction depends on
// changed between its view and the draft.
func (t *Txn) validate(d *draft) error {
	for enc, seen := range t.reads {
		now, _ := d.get(enc)
		if now.version != seen {
			return t.conflict(enc, seen, now.version)
		}
	}
	for enc := range t.writes {
		seen, _ := t.st.get(enc)
		if now, _ := d.get(enc); now.version != seen.version {
			return t.conflict(enc, seen.version, now.version)
		}
	}
	for prefix, seen := range t.seqs {
		used, _ := d.lastSeq(prefix)
		if max(used, d.seqs.get(prefix)) != seen {
			return fmt.Errorf("%w: the event log %s used sequences after version %d", core.ErrConflict, decodeNS(prefix[:len(prefix)-1]), t.st.version)
		}
	}
	for _, sr := range t.scans {
		// Entries stored now with versions up to the view's were all stored
		// in the view: no newer entry and an equal count of stored entries,
		// expired ones included, mean an unchanged range.
		count, changed := 0, false
		d.rangeRecords(sr.prefix, func(_ string, r *stored) bool {
			count++
			changed = r.version > t.st.version
			return !changed
		})
		if changed || count != sr.count {
			return fmt.Errorf("%w: a key in a scanned range changed after version %d", core.ErrConflict, t.st.version)
		}
	}
	return nil
}

func (t *Txn) conflict(enc string, seen, now uint64) error {
	return fmt.Errorf("%w: key %s was at version %d when read, now %d", core.ErrConflict, keyOf(enc), seen, now)
}
