package mvcc

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/benbjohnson/immutable"
	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/indices"
)

// Commit validates the transaction against the current version and, if
// nothing it read, wrote or scanned changed since Begin, publishes all its
// writes in one new version, which it returns. It fails with an error
// wrapping ErrConflict otherwise, and with ErrVersionExhausted when no
// version is left; either way nothing changes. A transaction with no writes
// assigns no version and returns the version it read at; one whose writes
// change nothing (deletes of keys already gone by commit time) assigns no
// version and returns the store's current version. Commit ends the
// transaction.
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
	ws := sortedWrites(t.writes)
	recs := make([]*record, len(ws))
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
		lcp = commonPrefixLen(first[:lcp], enc)
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

// commonPrefixLen returns the length of the longest common prefix of a and b.
func commonPrefixLen(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
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

// apply derives the next state from cur with the sorted writes ws (recs[i]
// is the record of ws[i] when it is a put): the data by path copying each
// write, or by one rebuild when the batch is large against it (see
// mergeWins), then the indices in one batch.
func apply(cur *state, version uint64, now time.Time, ws []*txnWrite, recs []*record) *state {
	return applyWith(mergeWins(cur.data.Len(), len(ws)), cur, version, now, ws, recs)
}

// mergeRatio places the crossover of the two ways to apply a batch of k
// writes to a map of n keys: path copying costs about k·log n node copies, a
// rebuild about n+k in-place inserts. BenchmarkApply puts the break-even at
// n ≈ 10·k for k = 1,000 and k = 20,000 (at n = 5·k the rebuild is about
// twice as fast, at n = 20·k half as fast); the rebuild is used while
// n < mergeRatio·k, a little on the safe side of it.
const mergeRatio = 8

// mergeWins reports whether rebuilding a map of n keys is cheaper than path
// copying k writes into it.
func mergeWins(n, k int) bool { return n < mergeRatio*k }

// applyWith is apply with the choice of rebuilding (merge) made.
func applyWith(merge bool, cur *state, version uint64, now time.Time, ws []*txnWrite, recs []*record) *state {
	for _, rec := range recs {
		if rec != nil {
			// Not yet published: ours to stamp on every attempt.
			rec.vv.Version, rec.vv.Timestamp = version, now
		}
	}
	var d draft
	d.init(cur, version)
	olds := make([]*record, len(ws))
	if merge {
		d.st.data = mergeData(cur, ws, recs, olds)
	} else {
		d.st.data = pathData(cur, ws, recs, olds)
	}
	d.indexBatch(ws, recs, olds)
	return d.finish()
}

// pathData applies the writes to cur's data one by one, an O(log n) path
// copy each, and records in olds what each write replaced.
func pathData(cur *state, ws []*txnWrite, recs, olds []*record) *immutable.SortedMap[string, *record] {
	data := cur.data
	for i, w := range ws {
		old := cur.get(w.enc)
		olds[i] = old
		switch {
		case !w.del:
			data = data.Set(w.enc, recs[i])
		case old != nil:
			data = data.Delete(w.enc)
		}
	}
	return data
}

// mergeData merges cur's data and the sorted writes, in key order, into a
// fresh builder, which fills its nodes in place: n+k inserts and no path
// copies. It records in olds what each write replaced.
func mergeData(cur *state, ws []*txnWrite, recs, olds []*record) *immutable.SortedMap[string, *record] {
	b := immutable.NewSortedMapBuilder[string, *record](indices.Bytewise{})
	it := cur.data.Iterator()
	k, r, more := it.Next()
	for i, w := range ws {
		for more && k < w.enc {
			b.Set(k, r)
			k, r, more = it.Next()
		}
		if more && k == w.enc {
			olds[i] = r
			k, r, more = it.Next()
		}
		if !w.del {
			b.Set(w.enc, recs[i])
		}
	}
	for more {
		b.Set(k, r)
		k, r, more = it.Next()
	}
	return b.Map()
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
