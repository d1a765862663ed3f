package etcdstore

import (
	"fmt"
	"math"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Append writes value under the next event key of ns — core.EventKey(ns,
// last+1), or sequence 1 for a log that never held one — in one commit, and
// returns the key and the version. last is the highest 8-byte event
// sequence ns's log ever stored, removed since or not (deleted, expired,
// DeletePrefix-ed; expired values not yet removed count too): sequences
// only grow, across restarts and other processes, and a number is never
// handed out twice. The store keeps an index of each log's sequences (P/e/)
// and, per log, a mark at the highest sequence a commit removed (P/s/), so
// finding last is one short etcd read of each whatever the length of the
// log. Concurrent appenders, in this process or others, never collide and
// never leave gaps: the sequence is chosen under the commit's guard, and
// appends of one process to one log share a batch, each taking the next
// number. Event keys whose user key is not 8 bytes are not sequences and
// are ignored. It fails like Put, and with an error wrapping
// core.ErrTooLarge when the log is at sequence MaxUint64. Safe for
// concurrent use.
func (s *Store) Append(ns core.Namespace, value core.Value, ttl time.Duration) (core.Key, uint64, error) {
	probe := core.EventKey(ns, math.MaxUint64)
	if err := checkWrite(probe, ttl); err != nil {
		return core.Key{}, 0, err
	}
	tail := s.l.dataKey(core.NewKey(ns, core.TypeEvent, nil))
	var seq uint64
	v, err := s.commit(&request{what: "Append", tail: tail, tailNS: ns, plan: func(st *state) error {
		last := st.tails[tail]
		if last == math.MaxUint64 {
			return fmt.Errorf("%w: the event log of %s is at sequence %d", core.ErrTooLarge, ns, last)
		}
		seq = last + 1
		st.put(st.absent(core.EventKey(ns, seq), s.l), value, ttl)
		st.bumpTail(tail, seq)
		return nil
	}})
	if err != nil {
		return core.Key{}, 0, err
	}
	return core.EventKey(ns, seq), v, nil
}
