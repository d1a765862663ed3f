package mvcc

import (
	"fmt"
	"testing"

	"github.com/inmemdb/inmem/core"
)

// TestTxnWritesShareSlabs checks the room of a transaction's buffered
// writes (newWrite): many keys get a slot each, all kept apart (each key
// commits its own value); rewriting a key, or deleting it, reuses its slot
// instead of taking a new one.
func TestTxnWritesShareSlabs(t *testing.T) {
	s := New()
	ns := core.Namespace{Tenant: "slab"}
	txn := s.Begin()
	const n = 1_000
	for i := range n {
		if err := txn.Put(core.KVKey(ns, fmt.Sprint("k", i)), core.Int64Value(int64(i)), 0); err != nil {
			t.Fatal(err)
		}
	}
	room, slab := len(txn.slab), txn.slabLen
	key := core.KVKey(ns, "k7")
	for i := range 100 {
		if err := txn.Put(key, core.Int64Value(int64(-i)), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := txn.Delete(core.KVKey(ns, "k8")); err != nil {
		t.Fatal(err)
	}
	if len(txn.slab) != room || txn.slabLen != slab {
		t.Fatalf("rewrites and a delete of buffered keys took new slots: %d left of a slab of %d, before %d of %d",
			len(txn.slab), txn.slabLen, room, slab)
	}
	if _, err := txn.Commit(); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		vv, err := s.Get(core.KVKey(ns, fmt.Sprint("k", i)))
		switch i {
		case 7:
			if err != nil || !vv.Value.Equal(core.Int64Value(-99)) {
				t.Fatalf("k7 = %v, %v; want the last rewrite, -99", vv.Value, err)
			}
		case 8:
			if err == nil {
				t.Fatalf("k8 = %v after its delete", vv.Value)
			}
		default:
			if err != nil || !vv.Value.Equal(core.Int64Value(int64(i))) {
				t.Fatalf("k%d = %v, %v; want %d", i, vv.Value, err, i)
			}
		}
	}
}
