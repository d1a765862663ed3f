package proptest

import (
	"iter"
	"slices"

	"github.com/inmemdb/inmem/core"
)

// Scan yields the snapshot's live entries whose keys p matches, shaped by
// opts (Within ignored): in key order or, with Reverse, descending; only keys
// strictly after the After cursor in that direction; at most Limit. An
// invalid p or option yields nothing.
func (s *ModelSnapshot) Scan(p core.Prefix, opts ...core.ScanOption) iter.Seq2[core.Key, core.VersionedValue] {
	o := core.NewScanOptions(opts...)
	if !p.Valid() {
		return seqOf(nil)
	}
	return seqOf(s.shape(s.filter(p.Match), o))
}

// ScanRun is Scan over the keys of run.
func (s *ModelSnapshot) ScanRun(run core.RunID, opts ...core.ScanOption) iter.Seq2[core.Key, core.VersionedValue] {
	o := core.NewScanOptions(opts...)
	return seqOf(s.shape(s.filter(func(k core.Key) bool { return k.Namespace.RunID == run }), o))
}

// ScanType is Scan over the keys of type t that the Within option matches;
// an invalid t or option yields nothing.
func (s *ModelSnapshot) ScanType(t core.TypeTag, opts ...core.ScanOption) iter.Seq2[core.Key, core.VersionedValue] {
	o := core.NewScanOptions(opts...)
	if !t.Valid() {
		return seqOf(nil)
	}
	return seqOf(s.shape(s.filter(func(k core.Key) bool { return k.Type == t && o.Within.Match(k) }), o))
}

// shape applies o's direction, cursor and limit to es, in key order.
func (s *ModelSnapshot) shape(es []core.Entry, o core.ScanOptions) []core.Entry {
	if o.Err != nil {
		return nil
	}
	if o.Reverse {
		slices.Reverse(es)
	}
	var out []core.Entry
	for _, e := range es {
		if o.HasAfter {
			c := e.Key.Compare(o.After)
			if (!o.Reverse && c <= 0) || (o.Reverse && c >= 0) {
				continue
			}
		}
		if o.Limit > 0 && len(out) == o.Limit {
			break
		}
		out = append(out, e)
	}
	return out
}

// seqOf yields the entries of es, each key with its own user key.
func seqOf(es []core.Entry) iter.Seq2[core.Key, core.VersionedValue] {
	return func(yield func(core.Key, core.VersionedValue) bool) {
		for _, e := range es {
			if !yield(ownKey(e.Key), e.Value) {
				return
			}
		}
	}
}
