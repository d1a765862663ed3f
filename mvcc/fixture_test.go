package mvcc

import (
	"fmt"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// fxStart is the time every test clock starts at.
var fxStart = time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)

// fxStore returns a store on a fresh manual clock, with opts applied after it.
func fxStore(opts ...Option) (*Store, *core.ManualClock) {
	clk := core.NewManualClock(fxStart)
	return New(append([]Option{WithClock(clk)}, opts...)...), clk
}

// fxRun returns a fixed, recognizable run id.
func fxRun(b byte) core.RunID {
	var r core.RunID
	for i := range r {
		r[i] = b
	}
	return r
}

// fxNS returns the namespace tenant/app/agent of run fxRun(run).
func fxNS(tenant, agent string, run byte) core.Namespace {
	return core.Namespace{Tenant: tenant, App: "app", Agent: agent, RunID: fxRun(run)}
}

// fxPut stores an int value and fails the test on error.
func fxPut(t testing.TB, s *Store, k core.Key, v int64, ttl time.Duration) uint64 {
	t.Helper()
	ver, err := s.Put(k, core.Int64Value(v), ttl)
	require.NoError(t, err)
	return ver
}

// fxEqualVV reports whether two versioned values are the same: Value.Equal,
// not reflect, compares the values.
func fxEqualVV(a, b core.VersionedValue) bool {
	return a.Value.Equal(b.Value) && a.Version == b.Version && a.Timestamp.Equal(b.Timestamp) && a.TTL == b.TTL
}

// fxRequireVV fails the test unless got is want.
func fxRequireVV(t testing.TB, want, got core.VersionedValue, msgAndArgs ...any) {
	t.Helper()
	if !fxEqualVV(want, got) {
		require.Fail(t, fmt.Sprintf("versioned values differ:\nwant %s@%d ts=%v ttl=%v\n got %s@%d ts=%v ttl=%v",
			want.Value, want.Version, want.Timestamp, want.TTL, got.Value, got.Version, got.Timestamp, got.TTL), msgAndArgs...)
	}
}

// fxRequireEntries fails the test unless got holds the same keys and values as
// want, in the same order.
func fxRequireEntries(t testing.TB, want, got []core.Entry, msgAndArgs ...any) {
	t.Helper()
	if fxEqualEntries(want, got) {
		return
	}
	require.Equal(t, fxKeys(want), fxKeys(got), msgAndArgs...)
	for i := range want {
		fxRequireVV(t, want[i].Value, got[i].Value, msgAndArgs...)
	}
}

// fxEqualEntries reports whether a and b hold the same keys and values in
// the same order.
func fxEqualEntries(a, b []core.Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Key.Equal(b[i].Key) || !fxEqualVV(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

// fxKeys returns the keys of es as strings, for readable comparisons.
func fxKeys(es []core.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Key.String()
	}
	return out
}

// fxCollect gathers an iterator's entries.
func fxCollect(seq func(func(core.Key, core.VersionedValue) bool)) []core.Entry {
	var out []core.Entry
	for k, v := range seq {
		out = append(out, core.Entry{Key: k, Value: v})
	}
	return out
}

// fxFilter returns the entries of es for which keep holds.
func fxFilter(es []core.Entry, keep func(core.Key) bool) []core.Entry {
	var out []core.Entry
	for _, e := range es {
		if keep(e.Key) {
			out = append(out, e)
		}
	}
	return out
}

// fxRequireSorted fails the test unless es is in strictly increasing key order.
func fxRequireSorted(t testing.TB, es []core.Entry) {
	t.Helper()
	for i := 1; i < len(es); i++ {
		if es[i-1].Key.Compare(es[i].Key) >= 0 {
			require.Fail(t, "not in strictly increasing key order", "%v", fxKeys(es))
		}
	}
}
