package proptest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// ScanOptions are a range scan's options as plain data — mvcc's Reverse,
// Limit, After and Within — so that the Model and the suites can read them.
// The zero value is a forward scan of everything. Safe to share.
type ScanOptions struct {
	Reverse bool
	Limit   int          // at most Limit entries; <= 0: no limit
	After   *core.Key    // start strictly after this key in the scan's direction
	Within  *core.Prefix // type scans only: the keys it matches
}

// Options returns o as mvcc scan options.
func (o ScanOptions) Options() []mvcc.ScanOption {
	var out []mvcc.ScanOption
	if o.Reverse {
		out = append(out, mvcc.Reverse())
	}
	if o.Limit != 0 {
		out = append(out, mvcc.Limit(o.Limit))
	}
	if o.After != nil {
		out = append(out, mvcc.After(*o.After))
	}
	if o.Within != nil {
		out = append(out, mvcc.Within(*o.Within))
	}
	return out
}

// String describes o for failure reports.
func (o ScanOptions) String() string {
	var parts []string
	if o.Reverse {
		parts = append(parts, "Reverse")
	}
	if o.Limit != 0 {
		parts = append(parts, fmt.Sprintf("Limit(%d)", o.Limit))
	}
	if o.After != nil {
		parts = append(parts, fmt.Sprintf("After(%s)", *o.After))
	}
	if o.Within != nil {
		parts = append(parts, fmt.Sprintf("Within(%s)", *o.Within))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// Scan returns the snapshot's live entries whose keys p matches, shaped by o
// (Within ignored): in key order or, with Reverse, descending; only keys
// strictly after o.After in that direction; at most o.Limit. An invalid p or
// cursor gives nothing.
func (s *ModelSnapshot) Scan(p core.Prefix, o ScanOptions) []core.Entry {
	if !p.Valid() {
		return nil
	}
	return s.shape(s.filter(p.Match), o)
}

// ScanRun is Scan over the keys of run.
func (s *ModelSnapshot) ScanRun(run core.RunID, o ScanOptions) []core.Entry {
	return s.shape(s.filter(func(k core.Key) bool { return k.Namespace.RunID == run }), o)
}

// ScanType is Scan over the keys of type t that o.Within (when set)
// matches; an invalid t or Within gives nothing.
func (s *ModelSnapshot) ScanType(t core.TypeTag, o ScanOptions) []core.Entry {
	if !t.Valid() || (o.Within != nil && !o.Within.Valid()) {
		return nil
	}
	return s.shape(s.filter(func(k core.Key) bool {
		return k.Type == t && (o.Within == nil || o.Within.Match(k))
	}), o)
}

// shape applies o's direction, cursor and limit to es, in key order.
func (s *ModelSnapshot) shape(es []core.Entry, o ScanOptions) []core.Entry {
	if o.After != nil && !o.After.Type.Valid() {
		return nil
	}
	if o.Reverse {
		slices.Reverse(es)
	}
	var out []core.Entry
	for _, e := range es {
		if o.After != nil {
			c := e.Key.Compare(*o.After)
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
