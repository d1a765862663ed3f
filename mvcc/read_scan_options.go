package mvcc

import "github.com/inmemdb/inmem/core"

// ScanOption shapes a range scan (Scan, ScanRun, ScanType): its direction,
// its length, where it starts and, for type scans, its scope. It is
// core.ScanOption, so a scan reads the same on every store. Options are
// plain values, safe to share.
type ScanOption = core.ScanOption

// Reverse makes the scan walk in descending key order (core.Reverse).
func Reverse() ScanOption { return core.Reverse() }

// Limit makes the scan yield at most n entries (n <= 0: no limit;
// core.Limit).
func Limit(n int) ScanOption { return core.Limit(n) }

// After makes the scan start strictly after k in its direction: k is a
// cursor, typically the last key of the previous page. k need not be stored.
// A k with an invalid type tag makes the scan yield nothing (core.After).
func After(k core.Key) ScanOption { return core.After(k) }

// Within limits a type scan (ScanType) to the keys p matches, for example
// one tenant's or one agent's keys of the type. Other scans ignore it
// (core.Within).
func Within(p core.Prefix) ScanOption { return core.Within(p) }

// scanOptions are a scan's options as the walker reads them: the cursor and
// the scope encoded.
type scanOptions struct {
	reverse  bool
	limit    int
	after    string // encoded cursor key; "" with hasAfter false: none
	hasAfter bool
	within   []byte // ScanType: the encoded prefix the namespaces must start with
	err      error
}

func buildScanOptions(opts []ScanOption) scanOptions {
	c := core.NewScanOptions(opts...)
	o := scanOptions{reverse: c.Reverse, limit: c.Limit, err: c.Err}
	if c.HasAfter {
		o.after, o.hasAfter = string(c.After.Encode()), true
	}
	o.within = c.Within.AppendEncode(nil)
	return o
}
