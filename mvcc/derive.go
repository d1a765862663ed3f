package mvcc

import (
	"github.com/inmemdb/inmem/indices"
)

// draft is the next state under construction: a shallow copy of the current
// state whose persistent fields are replaced as changes are applied. Nothing
// reachable from the current state is modified.
type draft struct {
	st      state
	scratch *scratch
	changed bool
}

func (d *draft) init(cur *state, version uint64) {
	*d = draft{st: *cur, scratch: getScratch()}
	d.st.version = version
}

// finish returns the derived state, or nil when nothing changed.
func (d *draft) finish() *state {
	d.scratch.release()
	if !d.changed {
		return nil
	}
	st := d.st
	return &st
}

// set stores rec (whose version and timestamp are final) in place of old
// (nil when the key is new), keeping the indices exact.
func (d *draft) set(rec, old *record) {
	d.changed = true
	d.st.data = d.st.data.Set(rec.enc, rec)
	if old == nil {
		d.addGroups(rec)
	} else if at, ok := old.vv.ExpiresAt(); ok {
		d.st.ttl = d.st.ttl.Remove(at, old.enc)
	}
	if at, ok := rec.vv.ExpiresAt(); ok {
		d.st.ttl = d.st.ttl.Add(at, rec.enc, rec)
	}
}

// remove deletes old from the data, keeping the indices exact.
func (d *draft) remove(old *record) {
	d.st.data = d.st.data.Delete(old.enc)
	d.indexRemove(old)
}

// indexRemove updates the indices for the removal of old; the data must
// already be without it.
func (d *draft) indexRemove(old *record) {
	d.changed = true
	d.st.lastRemoval = d.st.version
	if at, ok := old.vv.ExpiresAt(); ok {
		d.st.ttl = d.st.ttl.Remove(at, old.enc)
	}
	d.dropGroups(old)
}

// addGroups records rec's namespace in the run and type indices if it is not
// there yet: an O(log n) lookup each, a change only for a namespace's first
// key (of the type).
func (d *draft) addGroups(rec *record) {
	encNS := rec.enc[:rec.nsLen()]
	b := indices.RunMember(d.scratch.b[:0], rec.key.Namespace.RunID, encNS)
	if !d.st.runs.Has(b) {
		d.st.runs = d.st.runs.Add(b)
	}
	b = indices.TypeMember(b[:0], rec.key.Type, encNS)
	if !d.st.types.Has(b) {
		d.st.types = d.st.types.Add(b)
	}
	d.scratch.b = b
}

// dropGroups removes old's namespace from the run and type indices when the
// data holds no other key of it (of the type).
func (d *draft) dropGroups(old *record) {
	nsLen := old.nsLen()
	if !d.st.hasPrefix(old.enc[:nsLen+1]) {
		encNS := old.enc[:nsLen]
		b := indices.TypeMember(d.scratch.b[:0], old.key.Type, encNS)
		d.st.types = d.st.types.Remove(b)
		if !d.st.hasPrefix(old.enc[:nsLen]) {
			b = indices.RunMember(b[:0], old.key.Namespace.RunID, encNS)
			d.st.runs = d.st.runs.Remove(b)
		}
		d.scratch.b = b
	}
}

// indexBatch updates the indices for a batch of writes (sorted by key, each
// key once) already applied to d.st.data: recs[i] is the record ws[i] put
// (nil for a delete) and olds[i] the record it replaced or removed (nil if
// none). A group member's presence depends only on the final data, so the
// removals are checked against it and the members of new keys are added in
// one batch; TTL removals come before the batch of TTL additions, as in set.
func (d *draft) indexBatch(ws []*txnWrite, recs, olds []*record) {
	var runs, types []string
	var ttls []indices.TTLEntry[*record]
	lastNS, lastNSType := "", ""
	for i, w := range ws {
		old := olds[i]
		if w.del {
			if old != nil {
				d.indexRemove(old)
			}
			continue
		}
		d.changed = true
		rec := recs[i]
		if old == nil {
			nsLen := rec.nsLen()
			if encNS := rec.enc[:nsLen]; encNS != lastNS {
				lastNS = encNS
				b := indices.RunMember(d.scratch.b[:0], rec.key.Namespace.RunID, encNS)
				if !d.st.runs.Has(b) {
					runs = append(runs, string(b))
				}
				d.scratch.b = b
			}
			if nsType := rec.enc[:nsLen+1]; nsType != lastNSType {
				lastNSType = nsType
				b := indices.TypeMember(d.scratch.b[:0], rec.key.Type, lastNS)
				if !d.st.types.Has(b) {
					types = append(types, string(b))
				}
				d.scratch.b = b
			}
		} else if at, ok := old.vv.ExpiresAt(); ok {
			d.st.ttl = d.st.ttl.Remove(at, old.enc)
		}
		if at, ok := rec.vv.ExpiresAt(); ok {
			ttls = append(ttls, indices.TTLEntry[*record]{ExpiresAt: at, EncKey: rec.enc, Value: rec})
		}
	}
	d.st.runs = d.st.runs.AddAll(runs)
	d.st.types = d.st.types.AddAll(types)
	d.st.ttl = d.st.ttl.AddAll(ttls)
}
