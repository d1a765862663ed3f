package wal

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)

// genValue returns a value of a kind chosen by r.
func genValue(r *rand.Rand, depth int) core.Value {
	switch k := r.IntN(10); {
	case k == 0:
		return core.NullValue()
	case k == 1:
		return core.BoolValue(r.IntN(2) == 1)
	case k == 2:
		return core.Int64Value(r.Int64() - math.MaxInt64/2)
	case k == 3:
		return core.Float64Value(r.NormFloat64())
	case k == 4:
		return core.BytesValue([]byte(fmt.Sprint(r.Uint64())))
	case k == 8:
		return core.VectorValue([]float32{r.Float32(), -1.5, 0})
	case k == 5 && depth < 2:
		return core.ArrayValue(genValue(r, depth+1), genValue(r, depth+1))
	case k == 6 && depth < 2:
		return core.MapValue(map[string]core.Value{"a": genValue(r, depth+1), "b\x00": genValue(r, depth+1)})
	default:
		return core.StringValue(fmt.Sprintf("value-%d", r.IntN(1000)))
	}
}

func genVersioned(r *rand.Rand, version uint64) core.VersionedValue {
	v := core.VersionedValue{Value: genValue(r, 0), Version: version, Timestamp: epoch.Add(time.Duration(version) * time.Millisecond)}
	if r.IntN(3) == 0 {
		v.TTL = time.Duration(r.IntN(1e9))
	}
	return v
}

// genRecords returns n records with versions from..from+n-1.
func genRecords(seed uint64, from uint64, n int) []Record {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]Record, n)
	for i := range out {
		v := from + uint64(i)
		rec := Record{Version: v, Time: epoch.Add(time.Duration(v) * time.Millisecond)}
		for j := range r.IntN(4) {
			op := core.ChangeOp(1 + r.IntN(3))
			rec.Changes = append(rec.Changes, Change{Key: fmt.Sprintf("key\x00%d/%d", v, j), Op: op, Value: genVersioned(r, v)})
		}
		out[i] = rec
	}
	return out
}

func genEntries(seed uint64, n int, version uint64) []Entry {
	r := rand.New(rand.NewPCG(seed, 11))
	out := make([]Entry, n)
	for i := range out {
		out[i] = Entry{Key: fmt.Sprintf("entry/%06d", i), Value: genVersioned(r, 1+uint64(r.IntN(int(version))))}
	}
	return out
}

func equalVersioned(a, b core.VersionedValue) bool {
	return a.Version == b.Version && a.Timestamp.Equal(b.Timestamp) && a.TTL == b.TTL && a.Value.Equal(b.Value)
}

func equalRecord(a, b *Record) bool {
	if a.Version != b.Version || !a.Time.Equal(b.Time) || len(a.Changes) != len(b.Changes) {
		return false
	}
	for i := range a.Changes {
		x, y := a.Changes[i], b.Changes[i]
		if x.Key != y.Key || x.Op != y.Op || !equalVersioned(x.Value, y.Value) {
			return false
		}
	}
	return true
}

func cloneRecord(r *Record) Record {
	c := *r
	c.Changes = slices.Clone(r.Changes)
	return c
}

// recovered is what a Recover call handed over.
type recovered struct {
	header  *SnapshotHeader
	entries []Entry
	records []Record
	report  RecoveryReport
}

// openRecover opens dir and recovers it, collecting everything.
func openRecover(dir string, opts Options) (*Log, *recovered, error) {
	l, err := Open(dir, opts)
	if err != nil {
		return nil, nil, err
	}
	got := &recovered{}
	rep, err := l.Recover(func(h SnapshotHeader, entries iter.Seq[Entry]) error {
		got.header = &h
		for e := range entries {
			got.entries = append(got.entries, e)
		}
		return nil
	}, func(r *Record) error {
		got.records = append(got.records, cloneRecord(r))
		return nil
	})
	got.report = rep
	if err != nil {
		l.Close()
		return nil, got, err
	}
	return l, got, nil
}

func mustOpen(t testing.TB, dir string, opts Options) (*Log, *recovered) {
	t.Helper()
	l, got, err := openRecover(dir, opts)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	return l, got
}

// appendAll appends recs in groups of group and writes each group.
func appendAll(t testing.TB, l *Log, recs []Record, group int) {
	t.Helper()
	for i := range recs {
		if err := l.Append(&recs[i]); err != nil {
			t.Fatalf("append %d: %v", recs[i].Version, err)
		}
		if (i+1)%group == 0 || i == len(recs)-1 {
			if err := l.Write(); err != nil {
				t.Fatalf("write: %v", err)
			}
		}
	}
}

// checkPrefix fails unless got is exactly want[:len(got)].
func checkPrefix(t testing.TB, got, want []Record) {
	t.Helper()
	if len(got) > len(want) {
		t.Fatalf("recovered %d records, only %d were written", len(got), len(want))
	}
	for i := range got {
		if !equalRecord(&got[i], &want[i]) {
			t.Fatalf("record %d: recovered %+v, wrote %+v", i, got[i], want[i])
		}
	}
}

func checkRecords(t testing.TB, got, want []Record) {
	t.Helper()
	checkPrefix(t, got, want)
	if len(got) != len(want) {
		t.Fatalf("recovered %d records, want %d", len(got), len(want))
	}
}

func mustCorrupt(t testing.TB, err error, what string) {
	t.Helper()
	if !errors.Is(err, core.ErrCorrupt) {
		t.Fatalf("%s: err = %v, want one wrapping ErrCorrupt", what, err)
	}
}

// copyDir copies the regular files of src into a new temporary directory.
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	des, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		b, err := os.ReadFile(filepath.Join(src, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, de.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// readDir returns the contents of dir's regular files by name.
func readDir(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, name := range files(t, dir, "") {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		m[name] = b
	}
	return m
}

// resetDir makes dir hold exactly the files of orig: cheaper than a fresh
// copy per case.
func resetDir(t testing.TB, dir string, orig map[string][]byte) {
	t.Helper()
	for _, name := range files(t, dir, "") {
		if _, ok := orig[name]; !ok {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, b := range orig {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func files(t testing.TB, dir, ext string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+ext))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	return m
}
