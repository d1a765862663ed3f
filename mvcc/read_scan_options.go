package mvcc

import "github.com/inmemdb/inmem/core"

// ScanOption shapes a range scan (Scan, ScanRun, ScanType): its direction,
// its length, where it starts and, for type scans, its scope. Options are
// plain values, safe to share.
type ScanOption func(*scanOptions)

type scanOptions struct {
	reverse  bool
	limit    int
	after    string // encoded cursor key; "" with hasAfter false: none
	hasAfter bool
	within   []byte // ScanType: the encoded prefix the namespaces must start with
	err      error
}

// Reverse makes the scan walk in descending key order.
func Reverse() ScanOption { return func(o *scanOptions) { o.reverse = true } }

// Limit makes the scan yield at most n entries (n <= 0: no limit).
func Limit(n int) ScanOption { return func(o *scanOptions) { o.limit = max(n, 0) } }

// After makes the scan start strictly after k in its direction: k is a
// cursor, typically the last key of the previous page. k need not be stored.
// A k with an invalid type tag makes the scan yield nothing.
func After(k core.Key) ScanOption {
	return func(o *scanOptions) {
		if err := checkKey(k); err != nil {
			o.err = err
			return
		}
		o.after, o.hasAfter = string(k.Encode()), true
	}
}

// Within limits a type scan (ScanType) to the keys p matches, for example
// one tenant's or one agent's keys of the type. Other scans ignore it.
func Within(p core.Prefix) ScanOption {
	return func(o *scanOptions) {
		if err := p.Err(); err != nil {
			o.err = err
			return
		}
		o.within = p.AppendEncode(nil)
	}
}

func buildScanOptions(opts []ScanOption) scanOptions {
	var o scanOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}
