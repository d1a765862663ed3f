package etcdstore

import (
	"encoding/binary"

	"github.com/inmemdb/inmem/core"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// known is what this Store knows of its own etcd keys as of one mod
// revision of the version key (vrev): the records, index counts and log
// high-water marks its batches read or wrote, exact while no other process
// commits.
// A batch of point writes then plans on it instead of reading etcd first,
// and its transaction checks, besides the version key's revision, that
// what it did not know is as it guessed (absent keys, zero counts, logs
// that never stored a sequence): one etcd round trip per batch instead of two. When the guess or
// the version key is wrong the transaction's else branch reads the truth,
// and the batch plans again on it. A plan that fails or changes nothing on
// a guess is answered from a read of etcd instead, so no error rests on a
// guess. Only the leading request's goroutine uses it (the lead passes
// through a channel).
type known struct {
	vrev    int64 // 0: nothing known
	version uint64
	recs    map[string]knownRec // data key -> its record
	counts  map[string]int64    // index count key -> count
	tails   map[string]uint64   // an event log's data prefix -> its high-water mark
	marked  map[string]bool     // an event log's data prefix (of tails) -> it has marks
}

// knownRec is a data key's record (nil: absent) and mod revision.
type knownRec struct {
	vv     *core.VersionedValue
	modrev int64
}

// maxKnown bounds the records known: past it, what is known is dropped.
const maxKnown = 4096

func (k *known) reset() { *k = known{} }

// guess fills st (a reader's, not yet read) from what is known and returns
// the compares that guard the commit: the version key's revision, and the
// guesses. ok is false when nothing is known or a request of batch must
// read etcd (a scan, a guarded prefix, a plan of its own reads).
func (k *known) guess(st *state, batch []*request, l layout) ([]clientv3.Cmp, bool) {
	if k.vrev == 0 {
		return nil, false
	}
	for _, rq := range batch {
		if rq.fresh || rq.scan != "" || len(rq.guards) > 0 {
			return nil, false
		}
	}
	st.version, st.vrev, st.rev = k.version, k.vrev, k.vrev
	cmps := []clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(l.version), "=", k.vrev)}
	for dk, sl := range st.slots {
		if r, ok := k.recs[dk]; ok {
			sl.old, sl.modrev = r.vv, r.modrev
			continue
		}
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(dk), "=", 0))
	}
	for ck := range st.counts {
		if n, ok := k.counts[ck]; ok {
			st.counts[ck] = n
			continue
		}
		cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(ck), "=", 0))
	}
	for p := range st.tails {
		if t, ok := k.tails[p]; ok {
			st.tails[p], st.marked[p] = t, k.marked[p]
			continue
		}
		// p is P/d/<ns><event type>: its log index range is P/e/<ns>, its
		// mark range P/s/<ns>; both empty: the log never stored a sequence.
		ns := p[len(l.data) : len(p)-1]
		cmps = append(cmps,
			clientv3.Compare(clientv3.CreateRevision(l.log+ns), "=", 0).WithPrefix(),
			clientv3.Compare(clientv3.CreateRevision(l.mark+ns), "=", 0).WithPrefix())
	}
	return cmps, true
}

// learn records what a committed batch read and wrote: st after its plans
// and writeOps (counts updated), committed at etcd revision rev.
func (k *known) learn(st *state, changing []*request, rev int64, l layout) {
	if k.vrev != st.vrev || len(k.recs) > maxKnown {
		k.reset() // planned on a fresh read: what was known is stale
	}
	if k.recs == nil {
		k.recs, k.counts, k.tails, k.marked = map[string]knownRec{}, map[string]int64{}, map[string]uint64{}, map[string]bool{}
	}
	k.vrev, k.version = rev, changing[len(changing)-1].version
	for dk, sl := range st.slots {
		switch {
		case sl.by == nil:
			k.recs[dk] = knownRec{sl.old, sl.modrev}
		case sl.op == core.ChangePut:
			vv := core.VersionedValue{Value: sl.value, Version: sl.by.version, Timestamp: st.now, TTL: sl.ttl}
			k.recs[dk] = knownRec{&vv, rev}
		default:
			k.recs[dk] = knownRec{}
		}
	}
	for ck, n := range st.counts {
		k.counts[ck] = n
	}
	for p, t := range st.tails {
		k.tails[p], k.marked[p] = t, st.marked[p]
	}
	// A put of a new sequence above a known high-water mark raises it; a
	// removal leaves it where it was, and a mark (writeOps).
	for _, sl := range st.slots {
		if sl.by == nil || !isSeq(sl.key) {
			continue
		}
		p := l.dataKey(core.NewKey(sl.key.Namespace, core.TypeEvent, nil))
		t, ok := k.tails[p]
		seq := binary.BigEndian.Uint64(sl.key.UserKey)
		switch {
		case !ok:
		case sl.op == core.ChangePut && seq > t:
			k.tails[p] = seq
		case sl.op != core.ChangePut:
			k.marked[p] = true
		}
	}
	for _, rq := range changing {
		if rq.scan != "" { // a range delete: the logs under it changed too
			clear(k.tails)
			clear(k.marked)
		}
	}
}
