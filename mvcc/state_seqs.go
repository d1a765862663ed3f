package mvcc

import (
	"fmt"
	"strings"

	"github.com/benbjohnson/immutable"
	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/wal"
)

// seqMarks are the high-water marks of the event logs whose newest events
// were removed: for each such log (its encoded namespace and the event type
// byte), the highest sequence it has used. Append hands out the sequence
// after the larger of the log's last stored one and its mark, so sequences
// only grow across expiry, deletes and DeletePrefix; the marks are part of
// the state, so forks, checkpoints, backups and restarts carry them.
//
// A log gets a mark only when its tail is removed, so a store whose logs
// only lose old events (expiry, trimming) holds none; a mark stays after
// its log is gone (a deleted run), a few dozen bytes each. The zero value
// holds none. Immutable: set returns a new value.
type seqMarks struct {
	m *immutable.SortedMap[string, uint64]
}

type stringOrder struct{}

func (stringOrder) Compare(a, b string) int { return strings.Compare(a, b) }

// get returns the mark of the log prefix, 0 if none.
func (s seqMarks) get(prefix string) uint64 {
	if s.m == nil {
		return 0
	}
	seq, _ := s.m.Get(prefix)
	return seq
}

// set returns s with prefix's mark at seq.
func (s seqMarks) set(prefix string, seq uint64) seqMarks {
	m := s.m
	if m == nil {
		m = immutable.NewSortedMap[string, uint64](stringOrder{})
	}
	return seqMarks{m: m.Set(strings.Clone(prefix), seq)}
}

// len returns how many logs have a mark.
func (s seqMarks) len() int {
	if s.m == nil {
		return 0
	}
	return s.m.Len()
}

// wal returns the marks in key order, as the snapshot format carries them.
func (s seqMarks) wal() []wal.Mark {
	if s.len() == 0 {
		return nil
	}
	out := make([]wal.Mark, 0, s.m.Len())
	for it := s.m.Iterator(); !it.Done(); {
		k, v, _ := it.Next()
		out = append(out, wal.Mark{Key: k, Seq: v})
	}
	return out
}

// seqMarksOf returns the marks a snapshot stream carried, each checked to
// name an event log (an encoded namespace and the event type byte).
func seqMarksOf(marks []wal.Mark) (seqMarks, error) {
	var s seqMarks
	for _, m := range marks {
		if n := nsLen(m.Key); n < 22 || len(m.Key) != n+1 || m.Key[n] != byte(core.TypeEvent) {
			return seqMarks{}, corruptMark(m.Key)
		}
		s = s.set(m.Key, m.Seq)
	}
	return s, nil
}

func corruptMark(key string) error {
	return fmt.Errorf("%w: a sequence mark under %q, not an event log's", core.ErrCorrupt, key)
}

// eventSeq splits enc, when it is an event key whose user key is a sequence
// (8 bytes), into its log prefix and the sequence.
func eventSeq(enc string) (prefix string, seq uint64, ok bool) {
	n := nsLen(enc)
	if n >= len(enc) || enc[n] != byte(core.TypeEvent) || len(enc) != n+1+8 {
		return "", 0, false
	}
	return enc[:n+1], seqOf(enc[n+1:]), true
}

// seqRemoved keeps the mark of enc's event log when enc, an event just
// removed from the draft, was the log's tail: a sequence above every one
// still stored. A commit being built remembers the marks from before its
// first change of them, so that undo restores them.
func (d *draft) seqRemoved(enc string) {
	prefix, seq, ok := eventSeq(enc)
	if !ok || d.seqs.get(prefix) >= seq {
		return
	}
	if last, ok := d.lastSeq(prefix); ok && last > seq {
		return // not the tail: the stored tail holds the log above seq
	}
	if d.rec != nil && !d.rec.seqsSaved {
		d.rec.seqsBefore, d.rec.seqsSaved = d.seqs, true
	}
	d.seqs = d.seqs.set(prefix, seq)
}
