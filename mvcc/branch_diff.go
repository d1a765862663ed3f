package mvcc

import (
	"iter"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/btree"
)

// Diff yields, in key order, exactly the keys whose Get differs between
// from and to: core.ChangePut with to's value where to has one (a new key,
// or another value, version, timestamp or TTL), core.ChangeDelete with
// from's value where only from has one (deleted, or expired by to's time).
// Each snapshot judges expiry at its own time, as its Get does. Reverse,
// Limit and After shape the walk as they shape Scan; Within(p) limits it to
// the keys p matches. An invalid option yields nothing.
//
// from and to are two snapshots of one store, or of a store and a fork of it
// at any depth (any two snapshots give a correct answer). Its cost grows with
// the number of differences, not with the size of the store: the two
// versions' trees share every node neither side changed since they parted,
// and the walk steps over each shared subtree without reading it, so it
// reads O(d × log n) nodes for d differences. Keys the trees share whose
// expiry falls between the two snapshots' times come from the TTL index.
// Diff(a, a) yields nothing and costs O(log n).
//
// Each change's key carries its own copy of the user key; values are
// immutable. Stopping early is fine. Safe for concurrent use.
func Diff(from, to *Snapshot, opts ...ScanOption) iter.Seq[core.Change] {
	o := buildScanOptions(opts)
	if o.err != nil {
		return func(func(core.Change) bool) {}
	}
	lo := string(o.within)
	hi := prefixEnd(lo)
	if o.hasAfter {
		switch {
		case !o.reverse && o.after >= lo:
			lo = o.after + "\x00" // the smallest key after the cursor
		case o.reverse && (hi == "" || o.after < hi):
			hi = o.after
		}
	}
	d := differ{
		from: from.state(), to: to.state(),
		fromNow: from.Time(), toNow: to.Time(),
		lo: lo, hi: hi, o: &o,
	}
	return d.run
}

// differ is one Diff: the two states, the times they judge expiry at, and
// the range and options of the walk.
type differ struct {
	from, to       *state
	fromNow, toNow time.Time
	lo, hi         string
	o              *scanOptions
	kd             keyDecoder
	n              int
}

func (d *differ) run(yield func(core.Change) bool) {
	// The keys both trees hold alike but whose expiry falls between the two
	// times: live in one snapshot, expired in the other. The tree walk does
	// not see them; they come from the TTL index, in walk order.
	timed := d.timed()
	stopped := false
	btree.Diff(&d.from.data, &d.to.data, d.lo, d.hi, d.o.reverse, sameStored, func(enc string, x, y *stored) bool {
		for len(timed) > 0 && d.before(timed[0], enc) {
			if !d.timedChange(timed[0], yield) {
				stopped = true
				return false
			}
			timed = timed[1:]
		}
		if len(timed) > 0 && timed[0] == enc {
			timed = timed[1:]
		}
		if !d.change(enc, x, y, yield) {
			stopped = true
			return false
		}
		return true
	})
	for _, enc := range timed {
		if stopped || !d.timedChange(enc, yield) {
			return
		}
	}
}

// timed returns the encoded keys in the walk's range that the to side holds
// with an expiry between the two snapshots' times, in walk order.
func (d *differ) timed() []string {
	a, b := d.fromNow, d.toNow
	if b.Before(a) {
		a, b = b, a
	}
	var out []string
	for enc := range d.to.ttl.Between(a, b) {
		if enc >= d.lo && (d.hi == "" || enc < d.hi) {
			out = append(out, enc)
		}
	}
	slices.Sort(out)
	if d.o.reverse {
		slices.Reverse(out)
	}
	return out
}

// before reports whether key x comes before key y in the walk's direction.
func (d *differ) before(x, y string) bool {
	if d.o.reverse {
		return x > y
	}
	return x < y
}

// timedChange is change for a key the tree walk did not report: both sides
// hold the same record, or neither does.
func (d *differ) timedChange(enc string, yield func(core.Change) bool) bool {
	var x, y *stored
	if r, ok := d.from.get(enc); ok {
		x = &r
	}
	if r, ok := d.to.get(enc); ok {
		y = &r
	}
	return d.change(enc, x, y, yield)
}

// change yields the change of enc from record x to record y (nil: absent)
// when the two sides' reads differ; false when the walk is over.
func (d *differ) change(enc string, x, y *stored, yield func(core.Change) bool) bool {
	if x != nil && !visible(x, d.fromNow) {
		x = nil
	}
	if y != nil && !visible(y, d.toNow) {
		y = nil
	}
	var c core.Change
	switch {
	case y != nil:
		if x != nil && sameStored(x, y) {
			return true
		}
		c = core.Change{Op: core.ChangePut, Value: y.public()}
	case x != nil:
		c = core.Change{Op: core.ChangeDelete, Value: x.public()}
	default:
		return true
	}
	c.Key = d.kd.key(enc)
	if !yield(c) {
		return false
	}
	d.n++
	return d.o.limit <= 0 || d.n < d.o.limit
}

// sameStored reports whether two records read alike: the same value,
// version, timestamp and TTL.
func sameStored(x, y *stored) bool {
	return x.version == y.version && x.sec == y.sec && x.nsec == y.nsec && x.ttl == y.ttl && x.val.Equal(y.val)
}
