package etcdstore

import (
	"slices"

	"github.com/inmemdb/inmem/core"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// scanOpts is a scan's options as the store reads them: the cursor and the
// scope encoded.
type scanOpts struct {
	reverse  bool
	limit    int
	after    string // the cursor's data key, when hasAfter
	hasAfter bool
	within   string // the scope's encoding (type scans)
	err      error
}

// walk yields the live entries, at vw, of the data-key ranges under
// prefixes (sorted ascending, none a prefix of another), shaped by o. It
// returns the first etcd error; it stops without one when yield returns
// false or the limit is reached.
func (s *Store) walk(vw *view, prefixes []string, o *scanOpts, yield func(core.Entry) bool) error {
	if vw.empty || o.err != nil {
		return nil
	}
	n := 0
	for i := range prefixes {
		p := prefixes[i]
		if o.reverse {
			p = prefixes[len(prefixes)-1-i]
		}
		more, err := s.walkRange(vw, p, o, &n, yield)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// below reports whether key a sorts before the range end end ("\x00": the
// end of the key space).
func below(a, end string) bool { return end == "\x00" || a < end }

// walkRange yields the entries under the data prefix p; false when the scan
// is over. n counts the entries yielded so far.
func (s *Store) walkRange(vw *view, p string, o *scanOpts, n *int, yield func(core.Entry) bool) (bool, error) {
	from, end := p, rangeEnd(p)
	if o.hasAfter {
		switch {
		case !o.reverse && o.after >= p:
			from = o.after + "\x00"
		case o.reverse && below(o.after, end):
			end = o.after
		}
	}
	if !below(from, end) {
		return true, nil
	}
	side, err := s.laterIn(vw, from, end, o.reverse)
	if err != nil {
		return false, err
	}
	// emit yields e if it is live; false when the scan is over.
	emit := func(e core.Entry) bool {
		if e.Value.Expired(vw.now) {
			return true
		}
		if !yield(e) {
			return false
		}
		*n++
		return o.limit == 0 || *n < o.limit
	}
	// flush yields the side entries that come before key in the scan's
	// direction ("" : all of them).
	flush := func(key string, all bool) bool {
		for len(side) > 0 && (all || (!o.reverse && side[0].dk < key) || (o.reverse && side[0].dk > key)) {
			e := side[0].e
			side = side[1:]
			if !emit(e) {
				return false
			}
		}
		return true
	}
	for {
		page := int64(scanPage)
		if o.limit > 0 {
			page = int64(min(scanPage, o.limit-*n))
		}
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithRev(vw.rev), clientv3.WithLimit(page)}
		if o.reverse {
			opts = append(opts, clientv3.WithSort(clientv3.SortByKey, clientv3.SortDescend))
		}
		ctx, cancel := s.ctx()
		resp, err := s.cli.Get(ctx, from, opts...)
		cancel()
		if err != nil {
			return false, mapErr("scan", err)
		}
		vw.pin(resp.Header.Revision)
		for _, kv := range resp.Kvs {
			dk := string(kv.Key)
			if !flush(dk, false) {
				return false, nil
			}
			if vw.isLater(dk) {
				continue
			}
			e, err := s.entry(kv)
			if err != nil {
				return false, err
			}
			if !emit(e) {
				return false, nil
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return flush("", true), nil
		}
		last := string(resp.Kvs[len(resp.Kvs)-1].Key)
		if o.reverse {
			end = last
		} else {
			from = last + "\x00"
		}
	}
}

// sideEntry is an entry read one revision before the view's (a key a later
// commit of the view's group changed).
type sideEntry struct {
	dk string
	e  core.Entry
}

// laterIn reads, at vw.rev-1, the keys of vw.later in [from, end) and
// returns those stored, in the scan's direction.
func (s *Store) laterIn(vw *view, from, end string, reverse bool) ([]sideEntry, error) {
	var ops []clientv3.Op
	for _, dk := range vw.later {
		if dk >= from && below(dk, end) {
			ops = append(ops, clientv3.OpGet(dk, clientv3.WithRev(vw.rev-1)))
		}
	}
	if len(ops) == 0 {
		return nil, nil
	}
	ctx, cancel := s.ctx()
	defer cancel()
	var out []sideEntry
	for chunk := range slices.Chunk(ops, s.cfg.maxOps) {
		resp, err := s.readTxn(ctx, chunk...)
		if err != nil {
			return nil, mapErr("scan", err)
		}
		for _, r := range resp.Responses {
			for _, kv := range r.GetResponseRange().GetKvs() {
				e, err := s.entry(kv)
				if err != nil {
					return nil, err
				}
				out = append(out, sideEntry{string(kv.Key), e})
			}
		}
	}
	if reverse {
		slices.Reverse(out)
	}
	return out, nil
}

// indexed returns the suffixes (namespace encodings) of the index keys under
// the index prefix p at vw (and, inside a group, one revision earlier too:
// a namespace emptied by a later commit of the group), sorted.
func (s *Store) indexed(vw *view, p string) ([]string, error) {
	if vw.empty {
		return nil, nil
	}
	revs := []int64{vw.rev}
	if len(vw.later) > 0 {
		revs = append(revs, vw.rev-1)
	}
	var out []string
	for _, rev := range revs {
		from, end := p, rangeEnd(p)
		for {
			ctx, cancel := s.ctx()
			resp, err := s.cli.Get(ctx, from, clientv3.WithRange(end), clientv3.WithRev(rev), clientv3.WithKeysOnly(), clientv3.WithLimit(scanPage))
			cancel()
			if err != nil {
				return nil, mapErr("reading an index", err)
			}
			if rev == 0 {
				rev = resp.Header.Revision
				vw.pin(rev)
			}
			for _, kv := range resp.Kvs {
				out = append(out, string(kv.Key[len(p):]))
			}
			if !resp.More || len(resp.Kvs) == 0 {
				break
			}
			from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// runRanges returns the data prefixes of the namespaces of run at vw.
func (s *Store) runRanges(vw *view, run core.RunID) ([]string, error) {
	nss, err := s.indexed(vw, s.l.runPrefix(run))
	for i, ns := range nss {
		nss[i] = s.l.data + ns
	}
	return nss, err
}

// typeRanges returns the data prefixes of the keys of type t within the
// encoded prefix within at vw: one per namespace holding keys of t.
func (s *Store) typeRanges(vw *view, t core.TypeTag, within string) ([]string, error) {
	if n, ok := nsLen(within); ok && len(within) > n { // a key-level prefix
		if core.TypeTag(within[n]) != t {
			return nil, nil
		}
		return []string{s.l.data + within}, nil
	}
	nss, err := s.indexed(vw, s.l.typePrefix(t)+within)
	for i, ns := range nss {
		nss[i] = s.l.data + within + ns + string([]byte{byte(t)})
	}
	return nss, err
}

// collectAll gathers what walk yields.
func collectAll(walk func(yield func(core.Entry) bool) error) ([]core.Entry, error) {
	var out []core.Entry
	err := walk(func(e core.Entry) bool {
		out = append(out, e)
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
