package systems

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/inmemdb/inmem/bench/dataset"
	"github.com/inmemdb/inmem/core"
)

// expected is what every system must answer for a data set: the live keys'
// values, and the encoded keys of a prefix and of a run, in order.
func expectedScan(ds *dataset.Set, match func(core.Key) bool) []string {
	var out []string
	for i, k := range ds.Keys {
		if ds.TTLs[i] == 0 && match(k) {
			out = append(out, string(k.Encode()))
		}
	}
	slices.Sort(out)
	return out
}

func keysOf(t *testing.T, r Rows) []string {
	t.Helper()
	out := make([]string, r.Len())
	for i := range out {
		out[i], _ = r.At(i)
	}
	return out
}

func TestSystemsAgree(t *testing.T) {
	ds := dataset.New(dataset.MinKeys)
	wantBig := expectedScan(ds, func(k core.Key) bool { return k.HasPrefix(ds.Big) })
	wantRun := expectedScan(ds, func(k core.Key) bool { return k.Namespace == ds.SmallRun })
	if len(wantBig) != ds.BigCount || len(wantRun) != dataset.RunSize {
		t.Fatalf("data set: %d big keys (want %d), %d run keys", len(wantBig), ds.BigCount, len(wantRun))
	}
	for _, mk := range All() {
		sys := mk()
		t.Run(sys.Name(), func(t *testing.T) {
			defer sys.Close()
			if err := sys.Load(ds.Keys, ds.Vals, ds.TTLs); err != nil {
				t.Fatal(err)
			}
			sys.Prepare()
			for _, i := range ds.Live {
				v, ok := sys.Value(ds.Keys[i])
				if !ok || !bytes.Equal(v, ds.Vals[i]) || !sys.Get(ds.Keys[i]) {
					t.Fatalf("key %v: got %x, %v; want %x", ds.Keys[i], v, ok, ds.Vals[i])
				}
			}
			fresh := ds.Fresh[0]
			if sys.Get(fresh) {
				t.Fatalf("fresh key %v found before it was put", fresh)
			}
			if got := keysOf(t, sys.ScanPrefix(ds.Big)); !slices.Equal(got, wantBig) {
				t.Fatalf("prefix scan: %d keys, want %d", len(got), len(wantBig))
			}
			if got := keysOf(t, sys.ScanRun(ds.SmallRun)); !slices.Equal(got, wantRun) {
				t.Fatalf("run scan: %q, want %q", got, wantRun)
			}
			_, val := sys.ScanRun(ds.SmallRun).At(0)
			first, _ := core.DecodeKey([]byte(wantRun[0]))
			if want, _ := sys.Value(first); !bytes.Equal(val, want) {
				t.Fatalf("run scan value %x, want %x", val, want)
			}

			var view View
			if sn, ok := sys.(Snapshotter); ok {
				view = sn.Snapshot()
			}
			target := ds.Keys[ds.Live[0]]
			if err := sys.Put(target, ds.Updates[0]); err != nil {
				t.Fatal(err)
			}
			if err := sys.Put(fresh, ds.Updates[1]); err != nil {
				t.Fatal(err)
			}
			if v, _ := sys.Value(target); !bytes.Equal(v, ds.Updates[0]) {
				t.Fatalf("overwrite: got %x", v)
			}
			if v, ok := sys.Value(fresh); !ok || !bytes.Equal(v, ds.Updates[1]) {
				t.Fatalf("insert: got %x, %v", v, ok)
			}
			if view != nil {
				if v, _ := view.Value(target); !bytes.Equal(v, ds.Vals[ds.Live[0]]) {
					t.Fatalf("snapshot sees a later write: %x", v)
				}
				if _, ok := view.Value(fresh); ok {
					t.Fatal("snapshot sees a key inserted after it")
				}
			}
			if err := sys.Batch(ds.Fresh[1:5], ds.Updates[2:6]); err != nil {
				t.Fatal(err)
			}
			for i, k := range ds.Fresh[1:5] {
				if v, _ := sys.Value(k); !bytes.Equal(v, ds.Updates[2+i]) {
					t.Fatalf("batch key %d: got %x", i, v)
				}
			}
			for _, k := range ds.Fresh[:5] {
				if err := sys.Delete(k); err != nil {
					t.Fatal(err)
				}
				if sys.Get(k) {
					t.Fatalf("deleted key %v still there", k)
				}
			}
			if err := sys.Delete(fresh); err != nil {
				t.Fatalf("deleting an absent key: %v", err)
			}
			sys.Prepare()
			if got := keysOf(t, sys.ScanPrefix(ds.Big)); !slices.Equal(got, wantBig) {
				t.Fatalf("prefix scan after writes: %d keys, want %d", len(got), len(wantBig))
			}
			if fe, ok := sys.(ExpiryFinder); ok {
				if n := fe.FindExpired(time.Now().Add(time.Hour)); n != dataset.Expiring {
					t.Fatalf("FindExpired: %d, want %d", n, dataset.Expiring)
				}
				if n := fe.FindExpired(time.Now().Add(-time.Hour)); n != 0 {
					t.Fatalf("FindExpired an hour ago: %d, want 0", n)
				}
			}
		})
	}
}

func TestInmemCountsGroups(t *testing.T) {
	sys := NewInmem()
	g, ok := sys.(GroupCommitter)
	if !ok {
		t.Fatal("inmem does not report its commit groups")
	}
	ns := core.Namespace{}
	if err := sys.Put(core.KVKey(ns, "a"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := sys.Batch([]core.Key{core.KVKey(ns, "b"), core.KVKey(ns, "c")}, [][]byte{[]byte("y"), []byte("z")}); err != nil {
		t.Fatal(err)
	}
	// One writer alone: each commit is its own group.
	if c, n := g.CommitGroups(); c != 2 || n != 2 {
		t.Fatalf("a put and a transaction: %d commits in %d groups, want 2 in 2", c, n)
	}
}
