package etcdstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// maxBatchBytes bounds the records one batch of several requests writes,
// well under etcd's default request limit (1.5 MiB): a request alone may
// use all etcd allows.
const maxBatchBytes = 512 << 10

// runBatch commits one batch picked from queue and returns the requests it
// left for later, in queue order. Every request of the batch is finished:
// committed with its version, failed by its plan, or failed with the
// batch's etcd error; requests that did not fit the batch's etcd limits
// return with the rest.
func (s *Store) runBatch(queue []*request) []*request {
	batch, rest := pick(queue)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.timeout)
	defer cancel()
	fresh := false  // plan on a read of etcd, not on what is known
	var read *state // a read of etcd from the last attempt's else branch
	for {
		var st *state
		var guard []clientv3.Cmp
		switch {
		case read != nil:
			st, read = read, nil
		case !fresh:
			r := s.newReader(batch)
			if cmps, ok := s.known.guess(r.st, batch, s.l); ok {
				st, guard = r.st, cmps
				break
			}
			fresh = true
			fallthrough
		default:
			var err error
			if st, err = s.read(ctx, batch); err != nil {
				s.known.reset()
				return s.fail(batch, rest, err)
			}
		}
		st.now = s.Now()
		changing, over := s.plan(st, batch)
		if guard != nil && unsettled(batch) {
			fresh = true // no error or no-op rests on a guess: read etcd
			continue
		}
		if len(over) > 0 {
			batch = slices.DeleteFunc(batch, func(rq *request) bool { return slices.Contains(over, rq) })
			rest = append(over, rest...)
		}
		if len(changing) == 0 {
			for _, rq := range batch {
				finish(rq, st.version, rq.err)
			}
			return rest
		}
		last := changing[len(changing)-1].version
		if last >= core.Latest-1 || last < st.version {
			return s.fail(batch, rest, fmt.Errorf("%w", core.ErrVersionExhausted))
		}
		if guard == nil {
			guard = []clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(s.l.version), "=", st.vrev)}
		}
		// On a failed guard, the else branch reads what the batch needs (when
		// one etcd transaction can hold the reads and no request scans).
		var again *reader
		var orElse []clientv3.Op
		if r := s.newReader(batch); len(r.ops) <= s.cfg.maxOps && !scans(batch) {
			again, orElse = r, r.ops
		}
		token := rand.Uint64()
		ops := s.writeOps(st, changing, token)
		sent := false // a send of this transaction failed ambiguously: it may have landed
		for {
			resp, err := s.cli.Txn(ctx).If(guard...).Then(ops...).Else(orElse...).Commit()
			switch {
			case err == nil && resp.Succeeded:
				s.known.learn(st, changing, resp.Header.Revision, s.l)
				s.noteVersion(last)
				s.finishBatch(st, batch)
				return rest
			case err == nil:
				// Another process committed first, a guess was wrong, or an
				// earlier send of this very transaction landed: it did
				// exactly when the commit key of its last version carries
				// its token.
				if sent {
					landed, lerr := s.landedWithin(ctx, last, token)
					if lerr != nil {
						return s.fail(batch, rest, lerr)
					}
					if landed {
						s.noteVersion(last)
						s.finishBatch(st, batch)
						return rest
					}
				}
				s.known.reset()
				fresh = true
				if again != nil && again.apply(resp.Responses) == nil {
					read = again.st
				}
			case tooLarge(err) && len(changing) > 1 && !sent:
				// etcd refused the batch's size: commit its first request alone.
				rest = append(slices.Clone(batch[1:]), rest...)
				batch = batch[:1]
			case definite(err) || ctx.Err() != nil:
				s.known.reset()
				return s.fail(batch, rest, err)
			default:
				// Ambiguous: send the same transaction again. Its guard lets
				// at most one send land; a guard failure then tells.
				sent = true
				s.known.reset()
				if !sleep(ctx, 20*time.Millisecond) {
					return s.fail(batch, rest, err)
				}
				continue
			}
			break
		}
	}
}

// landedWithin is landed, retried while etcd does not answer, until ctx
// ends.
func (s *Store) landedWithin(ctx context.Context, v, token uint64) (bool, error) {
	for {
		landed, err := s.landed(ctx, v, token)
		if err == nil || !sleep(ctx, 20*time.Millisecond) {
			return landed, err
		}
	}
}

// unsettled reports whether a plan of batch failed or changed nothing.
func unsettled(batch []*request) bool {
	for _, rq := range batch {
		if rq.err != nil || rq.changes == nil {
			return true
		}
	}
	return false
}

// scans reports whether a request of batch reads a range (DeletePrefix).
func scans(batch []*request) bool {
	for _, rq := range batch {
		if rq.scan != "" {
			return true
		}
	}
	return false
}

// fail finishes every request of batch with err and returns rest.
func (s *Store) fail(batch, rest []*request, err error) []*request {
	for _, rq := range batch {
		finish(rq, 0, mapErr(rq.what, err))
	}
	return rest
}

// finishBatch finishes the requests of a committed batch: those with
// changes at their versions, the others at the version read.
func (s *Store) finishBatch(st *state, batch []*request) {
	for _, rq := range batch {
		switch {
		case rq.err != nil:
			finish(rq, 0, rq.err)
		case rq.changes != nil:
			finish(rq, rq.version, nil)
		default:
			finish(rq, st.version, nil)
		}
	}
}

// plan runs the plans of batch on st, in order, and gives each request that
// changes something the next version. It returns those requests, and the
// ones that would take the batch over etcd's limits (they wait for the next
// batch). A request over the limits by itself fails with core.ErrTooLarge.
func (s *Store) plan(st *state, batch []*request) (changing, over []*request) {
	ops, size := 1, 0 // the version key
	for _, rq := range batch {
		rq.err, rq.changes, rq.recs, rq.bumped = nil, nil, nil, false
		st.cur = rq
		if err := rq.plan(st); err != nil {
			st.undo(rq)
			rq.err = err
			continue
		}
		ch := st.changes(rq)
		if len(ch) == 0 {
			st.undo(rq)
			continue
		}
		v := st.version + uint64(len(changing)) + 1
		recs, n, bytes, err := s.cost(st, rq, ch, v)
		switch {
		case err != nil:
			st.undo(rq)
			rq.err = fmt.Errorf("etcdstore: %s: %w", rq.what, err)
			continue
		case 1+n > s.cfg.maxOps:
			st.undo(rq)
			rq.err = fmt.Errorf("etcdstore: %s: %w: the commit needs %d etcd operations, the limit is %d (WithMaxTxnOps)",
				rq.what, core.ErrTooLarge, 1+n, s.cfg.maxOps)
			continue
		case len(changing) > 0 && (ops+n > s.cfg.maxOps || size+bytes > maxBatchBytes):
			st.undo(rq)
			over = append(over, rq)
			continue
		}
		ops, size = ops+n, size+bytes
		rq.version, rq.changes, rq.recs = v, ch, recs
		changing = append(changing, rq)
	}
	st.cur = nil
	return changing, over
}

// cost encodes the records rq writes as version v and returns them with
// the number of etcd operations and bytes rq adds to a batch (an upper
// bound: index keys shared with other requests count once per request).
func (s *Store) cost(st *state, rq *request, ch []*slot, v uint64) (map[*slot][]byte, int, int, error) {
	recs := make(map[*slot][]byte, len(ch))
	n, bytes := 1, 0 // the commit key
	if rq.scan != "" {
		n++ // one range delete removes every record under the scan
		if rq.scanLog != "" {
			n++ // and one their log index entries
		}
	}
	deltas := map[string]int64{}
	marks := map[string]bool{} // the mark ranges of the logs rq removes sequences from
	for _, sl := range ch {
		bytes += 2 * len(sl.enc)
		if sl.op == core.ChangePut {
			rec, err := appendRecord(make([]byte, 0, recordHeaderLen+16), core.VersionedValue{Value: sl.value, Version: v, Timestamp: st.now, TTL: sl.ttl})
			if err != nil {
				return nil, 0, 0, err
			}
			recs[sl] = rec
			n, bytes = n+1, bytes+len(rec)
			if sl.ttl > 0 {
				n++
			}
			if sl.old == nil {
				deltas[s.l.runKey(sl.key.Namespace)]++
				deltas[s.l.typeKey(sl.key.Type, sl.key.Namespace)]++
				if isSeq(sl.key) {
					n++
				}
			}
		} else {
			if rq.scan == "" {
				n++
				if isSeq(sl.key) {
					n++
				}
			}
			deltas[s.l.runKey(sl.key.Namespace)]--
			deltas[s.l.typeKey(sl.key.Type, sl.key.Namespace)]--
			if isSeq(sl.key) {
				marks[s.l.markPrefix(sl.key.Namespace)] = true
			}
		}
		if sl.old != nil && sl.old.TTL > 0 && rq.scan == "" {
			n++
		}
	}
	for _, d := range deltas {
		if d != 0 {
			n++
		}
	}
	n += 2 * len(marks) // a mark and the range delete of the lower ones
	if rq.tail != "" && st.marked[rq.tail] {
		n++ // the range delete of the log's marks
	}
	return recs, n, bytes, nil
}

// writeOps returns the etcd operations that commit the changing requests
// of st: their records, the TTL and index entries, the version key and a
// commit key per request. It sets st's index counts to what they become.
//
// The sequences of an event log only grow (core.Appender): a log's
// high-water mark is the higher of its log index's first key and its mark
// index's first key. So a batch that removes 8-byte event keys of a log
// writes, without reading anything, one mark at the highest sequence it
// removes from that log and range-deletes the log's marks below it (the
// high-water mark stays where it was); an append, whose new sequence is
// above every mark, range-deletes the log's marks when its read found some.
func (s *Store) writeOps(st *state, changing []*request, token uint64) []clientv3.Op {
	ops := map[string]clientv3.Op{} // by etcd key: etcd refuses two operations on one key
	deltas := map[string]int64{}
	marks := map[string]uint64{} // a log's mark range -> the highest sequence the batch removes from it
	first, last := changing[0].version, changing[len(changing)-1].version
	for _, rq := range changing {
		mark := commitMark{token: token, at: instantOf(st.now), expire: rq.expire, ranged: rq.scan != "", first: first, last: last}
		if rq.scan != "" {
			ops[rq.scan] = clientv3.OpDelete(rq.scan, clientv3.WithRange(rangeEnd(rq.scan)))
			if rq.scanLog != "" {
				ops[rq.scanLog] = clientv3.OpDelete(rq.scanLog, clientv3.WithRange(rangeEnd(rq.scanLog)))
			}
		}
		for _, sl := range rq.changes {
			if mark.grouped() {
				mark.keys = append(mark.keys, sl.enc[len(s.l.data):])
			}
			// A range delete leaves the TTL index entries of what it removed:
			// FindExpired drops such stale entries.
			if at, ok := sl.oldExpiry(); ok && rq.scan == "" {
				k := s.l.expiryKey(at, sl.enc[len(s.l.data):])
				ops[k] = clientv3.OpDelete(k)
			}
			rk, tk := s.l.runKey(sl.key.Namespace), s.l.typeKey(sl.key.Type, sl.key.Namespace)
			switch sl.op {
			case core.ChangePut:
				ops[sl.enc] = clientv3.OpPut(sl.enc, string(rq.recs[sl]))
				if at, ok := expiryOf(core.VersionedValue{Timestamp: st.now, TTL: sl.ttl}); ok {
					k := s.l.expiryKey(at, sl.enc[len(s.l.data):])
					ops[k] = clientv3.OpPut(k, "")
				}
				if sl.old == nil {
					deltas[rk]++
					deltas[tk]++
					if isSeq(sl.key) {
						lk := s.l.logKey(sl.key)
						ops[lk] = clientv3.OpPut(lk, "")
					}
				}
			default: // ChangeDelete, ChangeExpire
				if rq.scan == "" {
					ops[sl.enc] = clientv3.OpDelete(sl.enc)
					if isSeq(sl.key) {
						lk := s.l.logKey(sl.key)
						ops[lk] = clientv3.OpDelete(lk)
					}
				}
				deltas[rk]--
				deltas[tk]--
				if isSeq(sl.key) {
					mp := s.l.markPrefix(sl.key.Namespace)
					if seq := binary.BigEndian.Uint64(sl.key.UserKey); !has(marks, mp) || seq > marks[mp] {
						marks[mp] = seq
					}
				}
			}
		}
		if rq.tail != "" && st.marked[rq.tail] {
			mp := s.l.markPrefix(rq.tailNS)
			ops[mp] = clientv3.OpDelete(mp, clientv3.WithRange(rangeEnd(mp)))
			st.marked[rq.tail] = false
		}
		ck := s.l.commitKey(rq.version)
		ops[ck] = clientv3.OpPut(ck, string(mark.append(nil)))
	}
	for mp, seq := range marks {
		// The range delete starts after the mark: etcd refuses a put inside
		// a range the same transaction deletes.
		mk := markKey(mp, seq)
		delete(ops, mp) // no append to this log shares the batch; were one to, its marks may stay
		ops[mk] = clientv3.OpPut(mk, "")
		ops[mk+"\x00"] = clientv3.OpDelete(mk+"\x00", clientv3.WithRange(rangeEnd(mp)))
	}
	for k, d := range deltas {
		switch n := st.counts[k] + d; {
		case d == 0:
		case n <= 0:
			ops[k] = clientv3.OpDelete(k)
			st.counts[k] = 0
		default:
			ops[k] = clientv3.OpPut(k, string(binary.BigEndian.AppendUint64(nil, uint64(n))))
			st.counts[k] = n
		}
	}
	ops[s.l.version] = clientv3.OpPut(s.l.version, string(binary.BigEndian.AppendUint64(nil, last)))
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range ops {
			if !yield(k) {
				return
			}
		}
	})
	out := make([]clientv3.Op, len(keys))
	for i, k := range keys {
		out[i] = ops[k]
	}
	return out
}

// sleep waits d or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// landed reports whether the commit of version v with token committed.
func (s *Store) landed(ctx context.Context, v, token uint64) (bool, error) {
	resp, err := s.cli.Get(ctx, s.l.commitKey(v))
	if err != nil {
		return false, err
	}
	if len(resp.Kvs) == 0 {
		return false, nil
	}
	c, err := decodeCommitMark(resp.Kvs[0].Value, v)
	return err == nil && c.token == token, nil
}

func decodeCount(b []byte) (int64, error) {
	if len(b) != 8 || binary.BigEndian.Uint64(b) > math.MaxInt64 {
		return 0, fmt.Errorf("bad index count %x", b)
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}
