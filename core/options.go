package core

// The options of range scans and watches, shared by every store: a store's
// Scan and Watch take these types (package mvcc aliases them), so code that
// pages through a range or follows a feed reads the same on any backend.

// ScanOption shapes a range scan: its direction (Reverse), its length
// (Limit), where it starts (After) and, for scans that select by something
// other than a prefix (a type scan), its scope (Within). Options are plain
// values, safe to share and reuse. A store reads them with NewScanOptions.
type ScanOption func(*ScanOptions)

// ScanOptions is what a list of ScanOptions asks for, as a store reads it.
// The zero value is a forward scan of everything with no limit.
type ScanOptions struct {
	// Reverse: descending key order.
	Reverse bool
	// Limit: at most Limit entries; 0: no limit.
	Limit int
	// After, when HasAfter: start strictly after this key in the scan's
	// direction (a cursor; it need not be stored).
	After    Key
	HasAfter bool
	// Within: only keys it matches (type scans; the zero Prefix matches
	// every key).
	Within Prefix
	// Err is the first invalid option (a cursor or scope with an unknown type
	// tag): an error wrapping ErrInvalidKey. A scan with an invalid option
	// yields nothing.
	Err error
}

// Reverse makes the scan walk in descending key order.
func Reverse() ScanOption { return func(o *ScanOptions) { o.Reverse = true } }

// Limit makes the scan yield at most n entries (n <= 0: no limit).
func Limit(n int) ScanOption { return func(o *ScanOptions) { o.Limit = max(n, 0) } }

// After makes the scan start strictly after k in its direction: k is a
// cursor, typically the last key of the previous page, and need not be
// stored. A k with an invalid type tag makes the scan yield nothing. After
// copies k's user key, so the caller may reuse it.
func After(k Key) ScanOption {
	k.UserKey = append([]byte(nil), k.UserKey...)
	return func(o *ScanOptions) {
		if err := k.Validate(); err != nil {
			o.Err = err
			return
		}
		o.After, o.HasAfter = k, true
	}
}

// Within limits a type scan to the keys p matches, for example one tenant's
// or one agent's keys of the type. Scans by prefix ignore it. An invalid p
// makes the scan yield nothing.
func Within(p Prefix) ScanOption {
	return func(o *ScanOptions) {
		if err := p.Err(); err != nil {
			o.Err = err
			return
		}
		o.Within = p
	}
}

// NewScanOptions applies opts, in order, to the zero ScanOptions and returns
// the result; nil options are skipped. A store calls it once per scan.
func NewScanOptions(opts ...ScanOption) ScanOptions {
	var o ScanOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WatchOption selects the changes a watcher delivers (see Watchable). With
// several options a change matches when any of them matches; with none,
// every change does. Options are plain values, safe to share and reuse. A
// store reads them with NewWatchOptions.
type WatchOption func(*WatchOptions)

// WatchOptions is what a list of WatchOptions asks for, as a store reads it.
type WatchOptions struct {
	Prefixes []Prefix // changes of keys one of these matches
	Runs     []RunID  // changes of keys of one of these runs
	// Err is the first invalid option (a prefix with an unknown type tag): an
	// error wrapping ErrInvalidKey, which the watcher's Next returns.
	Err error
}

// WatchPrefix selects the changes of keys p matches.
func WatchPrefix(p Prefix) WatchOption {
	return func(o *WatchOptions) {
		if err := p.Err(); err != nil {
			o.Err = err
			return
		}
		o.Prefixes = append(o.Prefixes, p)
	}
}

// WatchRun selects the changes of keys of run, in any namespace.
func WatchRun(run RunID) WatchOption {
	return func(o *WatchOptions) { o.Runs = append(o.Runs, run) }
}

// NewWatchOptions applies opts, in order, to the zero WatchOptions and
// returns the result; nil options are skipped.
func NewWatchOptions(opts ...WatchOption) WatchOptions {
	var o WatchOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// Filtered reports whether the options select some changes only: false
// when there is no prefix and no run, and every change matches.
func (o *WatchOptions) Filtered() bool { return len(o.Prefixes) > 0 || len(o.Runs) > 0 }

// Match reports whether a change of k matches the options: always without a
// filter, else when a prefix matches k or k belongs to one of the runs.
func (o *WatchOptions) Match(k Key) bool {
	if !o.Filtered() {
		return true
	}
	for _, p := range o.Prefixes {
		if p.Match(k) {
			return true
		}
	}
	for _, r := range o.Runs {
		if k.Namespace.RunID == r {
			return true
		}
	}
	return false
}
