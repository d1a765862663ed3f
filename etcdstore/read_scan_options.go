package etcdstore

import "github.com/inmemdb/inmem/core"

// ScanOption shapes a lazy scan (Snapshot.Scan, ScanRun, ScanType): its
// direction, its length, where it starts and, for type scans, its scope. It
// is core.ScanOption, so a scan reads the same on every store. Options are
// plain values, safe to share.
type ScanOption = core.ScanOption

// Reverse makes the scan walk in descending key order (core.Reverse).
func Reverse() ScanOption { return core.Reverse() }

// Limit makes the scan yield at most n entries (n <= 0: no limit;
// core.Limit).
func Limit(n int) ScanOption { return core.Limit(n) }

// After makes the scan start strictly after k in its direction: k is a
// cursor, typically the last key of the previous page, and need not be
// stored. A k with an invalid type tag makes the scan yield nothing
// (core.After).
func After(k core.Key) ScanOption { return core.After(k) }

// Within limits a type scan (ScanType) to the keys p matches, for example
// one tenant's or one agent's keys of the type. Other scans ignore it
// (core.Within).
func Within(p core.Prefix) ScanOption { return core.Within(p) }

// scanOptions reads opts into the store's form: the cursor as a data key,
// the scope encoded.
func (s *Store) scanOptions(opts []ScanOption) scanOpts {
	c := core.NewScanOptions(opts...)
	o := scanOpts{reverse: c.Reverse, limit: c.Limit, err: c.Err}
	if c.HasAfter {
		o.after, o.hasAfter = s.l.dataKey(c.After), true
	}
	o.within = string(c.Within.AppendEncode(nil))
	return o
}
