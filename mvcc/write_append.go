package mvcc

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Append writes value under the next event key of ns — core.EventKey(ns,
// last+1), or sequence 1 for a log that never held one — in one commit, and
// returns the key and the version. last is the highest event sequence ns's
// log has used: stored (expired values not yet removed included) or once
// stored and since removed. Sequences of a log only grow: a number is never
// handed out twice, across expiry, Delete, DeletePrefix, restarts, backups
// and forks (the store keeps a high-water mark for each log whose newest
// events were removed). Concurrent appenders never collide and never leave
// gaps: the sequence is chosen inside the commit. Event keys whose user key
// is not 8 bytes are not sequences and are ignored.
//
// It fails with the errors of Put (ErrInvalidTTL, ErrInvalidValue,
// ErrTooLarge, ErrVersionExhausted, ErrClosed, a log error on a durable
// store), and with an error wrapping ErrTooLarge when the log is at sequence
// MaxUint64. Safe for concurrent use.
func (s *Store) Append(ns core.Namespace, value core.Value, ttl time.Duration) (core.Key, uint64, error) {
	probe := core.EventKey(ns, math.MaxUint64)
	enc, size, err := s.checkWrite(probe, value, ttl)
	if err != nil {
		return core.Key{}, 0, err
	}
	var seq uint64
	v, err := s.commit(func(d *draft) error {
		prefix := enc[:len(enc)-8]
		last, _ := d.lastSeq(prefix)
		last = max(last, d.seqs.get(prefix))
		if last == math.MaxUint64 {
			return fmt.Errorf("%w: the event log of %s is at sequence %d", core.ErrTooLarge, ns, last)
		}
		seq = last + 1
		key := []byte(enc)
		binary.BigEndian.PutUint64(key[len(key)-8:], seq)
		if err := checkVector(s.cfg.vectors, string(key), value); err != nil {
			return err // an index whose scope holds this sequence but not the probe's
		}
		d.putSized(string(key), value, ttl, size)
		return nil
	})
	if err != nil {
		return core.Key{}, 0, err
	}
	return core.EventKey(ns, seq), v, nil
}

// lastSeq returns the highest 8-byte event sequence stored under the
// encoded (namespace, event type) prefix.
func (d *draft) lastSeq(prefix string) (uint64, bool) {
	return lastSeq(d.data.Cursor(), prefix)
}

// lastSeq walks back from the end of prefix's range to the first key whose
// user key is 8 bytes.
func lastSeq[C interface {
	SeekLT(string) bool
	Last() bool
	Prev() bool
	HasPrefix(string) bool
	KeyLen() int
	AppendKey([]byte) []byte
}](c C, prefix string) (uint64, bool) {
	var ok bool
	if end := prefixEnd(prefix); end == "" {
		ok = c.Last()
	} else {
		ok = c.SeekLT(end)
	}
	for ; ok; ok = c.Prev() {
		if !c.HasPrefix(prefix) {
			return 0, false
		}
		if c.KeyLen() == len(prefix)+8 {
			var buf [128]byte
			k := c.AppendKey(buf[:0])
			return seqOf(view(k[len(prefix):])), true
		}
	}
	return 0, false
}

// prefixEnd returns the smallest string greater than every string that
// starts with prefix, or "" when there is none (prefix is all 0xFF bytes):
// the exclusive end of prefix's range.
func prefixEnd(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xFF {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

// seqOf reads an 8-byte big-endian sequence.
func seqOf(s string) uint64 {
	var u uint64
	for i := range 8 {
		u = u<<8 | uint64(s[i])
	}
	return u
}
