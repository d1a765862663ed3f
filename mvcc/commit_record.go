package mvcc

import (
	"time"
	"unsafe"

	"github.com/inmemdb/inmem/core"
)

// change is one key's change in one commit: the spine of the store. Group
// commit, the change feed, the durable log and exact reads of versions inside
// a group are all built from it.
type change struct {
	enc string     // the encoded key: its own string, never a view
	val core.Value // ChangePut: the value written; its version and time are the commit's
	ttl int64      // ChangePut: its TTL in nanoseconds
	// prev is the value stored before (expired or not), when hadPrev.
	prev    stored
	op      core.ChangeOp
	hadPrev bool
	// scratch marks an enc that is a view of the draft's key arena, which
	// the next group reuses: finishing the draft moves it into the state.
	scratch bool
}

// removed reports whether the change took a key out of the data.
func (c *change) removed() bool { return c.op != core.ChangePut }

// public returns the change of commit rec as core.Change, the key decoded
// by kd.
func (c *change) public(rec *commitRec, kd *keyDecoder) core.Change {
	v := c.value(rec)
	return core.Change{Key: kd.key(c.enc), Op: c.op, Value: v.public()}
}

// value returns the value the change of commit rec carries: the value
// written by a put, the value removed by a removal.
func (c *change) value(rec *commitRec) stored {
	if c.removed() {
		return c.prev
	}
	return stored{val: c.val, version: rec.version, sec: rec.sec, nsec: rec.nsec, ttl: c.ttl}
}

// commitRec is everything one version changed, in key order.
type commitRec struct {
	version     uint64
	sec         int64          // the commit time, as in stored: Unix seconds
	changes     []change       // in key order; nil once packed
	packed      *packedChanges // the changes once finish packed them (packMin)
	lastRemoval uint64         // the store's lastRemoval once this version committed
	bytes       int64          // what the values it replaced or removed hold (entryBytes), and the record itself (ownBytes)
	one         [1]change      // changes' storage while the commit has one change
	nsec        int32          // the commit time: nanoseconds within sec
	// unknown marks the record of a recovered version: it holds the
	// version's commit time but not its changes, which a watcher must not
	// take for "nothing changed".
	unknown bool
	// seqsSaved is set when the commit raised a sequence mark; seqsBefore
	// holds the marks from before it, which undo restores.
	seqsSaved  bool
	seqsBefore seqMarks
}

// newCommitRec returns the empty record of version, committed at t.
func newCommitRec(version uint64, t time.Time) commitRec {
	return commitRec{version: version, sec: t.Unix(), nsec: int32(t.Nanosecond())}
}

// time returns the commit time, in UTC (as stored.timestamp).
func (c *commitRec) time() time.Time { return time.Unix(c.sec, int64(c.nsec)).UTC() }

// each calls fn with each change of the record, in key order, until fn
// returns false. st is the state that holds the record (a packed record
// reads its put values there); nil when fn needs no put values. The
// change's enc is valid only during the call.
func (c *commitRec) each(st *state, fn func(ch *change) bool) {
	if c.packed != nil {
		c.packed.each(c, st, fn)
		return
	}
	for i := range c.changes {
		if !fn(&c.changes[i]) {
			return
		}
	}
}

// ownBytes returns what a record of more than one change holds itself, its
// changes and their keys; a single change lives in its state.
func (c *commitRec) ownBytes() int64 {
	if c.packed != nil {
		return c.packed.size()
	}
	if len(c.changes) <= 1 {
		return 0
	}
	n := int64(cap(c.changes)) * int64(unsafe.Sizeof(change{}))
	for i := range c.changes {
		n += int64(len(c.changes[i].enc))
	}
	return n
}

// public returns the commit as core.Commit with the changes match accepts
// (nil: all), or false when none matches. st is the state that holds the
// record.
func (c *commitRec) public(st *state, match func(enc string) bool) (core.Commit, bool) {
	out := core.Commit{Version: c.version, Time: c.time()}
	var kd keyDecoder
	c.each(st, func(ch *change) bool {
		if match == nil || match(ch.enc) {
			out.Changes = append(out.Changes, ch.public(c, &kd))
		}
		return true
	})
	return out, len(out.Changes) > 0
}
