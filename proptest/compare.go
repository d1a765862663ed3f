package proptest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/inmemdb/inmem/core"
)

// sentinels are the errors answers are compared by (errors.Is).
var sentinels = []error{
	core.ErrNotFound, core.ErrInvalidKey, core.ErrInvalidTTL, core.ErrVersionMismatch,
	core.ErrConflict, core.ErrCompacted, core.ErrVersionExhausted, core.ErrTxnDone,
	core.ErrTooLarge, core.ErrClosed, core.ErrInvalidArgument, core.ErrInvalidValue,
}

// sameErr reports whether got and want are both nil, or both non-nil and
// wrap the same sentinels.
func sameErr(got, want error) bool {
	if got == want {
		return true
	}
	if (got == nil) != (want == nil) {
		return false
	}
	for _, s := range sentinels {
		if errors.Is(got, s) != errors.Is(want, s) {
			return false
		}
	}
	return true
}

// diffErr describes how got differs from want, or returns "".
func diffErr(got, want error) string {
	if sameErr(got, want) {
		return ""
	}
	return fmt.Sprintf("error %v, want %v", got, want)
}

// diffVV describes how got differs from want (values by Value.Equal,
// versions, TTLs and, when ts, timestamps), or returns "".
func diffVV(got, want core.VersionedValue, ts bool) string {
	var d []string
	if !got.Value.Equal(want.Value) {
		d = append(d, fmt.Sprintf("value %v, want %v", got.Value, want.Value))
	}
	if got.Version != want.Version {
		d = append(d, fmt.Sprintf("version %d, want %d", got.Version, want.Version))
	}
	if got.TTL != want.TTL {
		d = append(d, fmt.Sprintf("ttl %v, want %v", got.TTL, want.TTL))
	}
	if ts && !got.Timestamp.Equal(want.Timestamp) {
		d = append(d, fmt.Sprintf("timestamp %v, want %v", got.Timestamp, want.Timestamp))
	}
	return strings.Join(d, "; ")
}

// diffRead describes how a (value, error) answer differs from the wanted
// one, or returns "". With an error the value is not compared.
func diffRead(got core.VersionedValue, gotErr error, want core.VersionedValue, wantErr error, ts bool) string {
	if d := diffErr(gotErr, wantErr); d != "" || gotErr != nil {
		return d
	}
	return diffVV(got, want, ts)
}

// diffEntries describes how got differs from want, entry by entry in order,
// or returns "".
func diffEntries(got, want []core.Entry, ts bool) string {
	return diffList("entries", got, want, ts,
		func(e core.Entry) string { return e.Key.String() },
		func(a, b core.Entry) bool { return a.Key.Equal(b.Key) },
		func(e core.Entry) core.VersionedValue { return e.Value })
}

// diffChanges describes how two lists of changes differ, change by change
// in order, or returns "".
func diffChanges(got, want []core.Change, ts bool) string {
	return diffList("changes", got, want, ts,
		func(c core.Change) string { return fmt.Sprintf("%v %s", c.Op, c.Key) },
		func(a, b core.Change) bool { return a.Key.Equal(b.Key) && a.Op == b.Op },
		func(c core.Change) core.VersionedValue { return c.Value })
}

// diffList describes how got differs from want, element by element in
// order, or returns "": an element missing or extra, a pair that is not the
// same (as same judges; label prints an element), or a pair whose values
// differ. noun names the elements in the report.
func diffList[T any](noun string, got, want []T, ts bool, label func(T) string, same func(a, b T) bool, value func(T) core.VersionedValue) string {
	var d []string
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			d = append(d, fmt.Sprintf("missing [%d] %s", i, label(want[i])))
		case i >= len(want):
			d = append(d, fmt.Sprintf("extra [%d] %s", i, label(got[i])))
		case !same(got[i], want[i]):
			d = append(d, fmt.Sprintf("[%d] %s, want %s", i, label(got[i]), label(want[i])))
		default:
			if x := diffVV(value(got[i]), value(want[i]), ts); x != "" {
				d = append(d, fmt.Sprintf("[%d] %s: %s", i, label(got[i]), x))
			}
		}
	}
	if len(d) > maxDetails {
		d = append(d[:maxDetails], fmt.Sprintf("and %d more", len(d)-maxDetails))
	}
	if len(d) > 0 {
		return fmt.Sprintf("%d %s, want %d: %s", len(got), noun, len(want), strings.Join(d, "; "))
	}
	return ""
}

// maxDetails is how many differing entries a report names.
const maxDetails = 6

// diffScan describes how an ([]Entry, error) answer differs, or returns "".
func diffScan(got []core.Entry, gotErr error, want []core.Entry, wantErr error, ts bool) string {
	if d := diffErr(gotErr, wantErr); d != "" || gotErr != nil {
		return d
	}
	return diffEntries(got, want, ts)
}

// collect returns the pairs of seq as entries.
func collect(seq func(func(core.Key, core.VersionedValue) bool)) []core.Entry {
	var out []core.Entry
	for k, v := range seq {
		out = append(out, core.Entry{Key: k, Value: v})
	}
	return out
}

// filter returns the entries of es whose key keep accepts.
func filter(es []core.Entry, keep func(core.Key) bool) []core.Entry {
	var out []core.Entry
	for _, e := range es {
		if keep(e.Key) {
			out = append(out, e)
		}
	}
	return out
}

// scribble overwrites the user keys of es, as a careless caller might: the
// store must not notice.
func scribble(es []core.Entry) {
	for _, e := range es {
		for i := range e.Key.UserKey {
			e.Key.UserKey[i] = '!'
		}
	}
}
