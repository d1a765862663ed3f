package etcdstore

import (
	"fmt"
	"math"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Append writes value under the next event key of ns — core.EventKey(ns,
// last+1), or sequence 1 for an empty log — in one commit, and returns the
// key and the version. last is the highest event sequence stored in ns,
// expired values not yet removed included; after the tail of a log is
// deleted, its numbers may be used again. The store keeps an index of each
// log's sequences (P/e/), so finding last is one short etcd read whatever
// the length of the log. Concurrent appenders, in this process or others,
// never collide and never leave gaps: the sequence is chosen under the
// commit's guard, and appends of one process to one log share a batch,
// each taking the next number. Event keys whose user key is not 8 bytes are
// not sequences and are ignored. It fails like Put, and with an error
// wrapping core.ErrTooLarge when the log is at sequence MaxUint64. Safe for
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
