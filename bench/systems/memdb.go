package systems

import (
	"errors"
	"time"
	"unsafe"

	"github.com/hashicorp/go-memdb"
	"github.com/inmemdb/inmem/core"
)

// MemDB adapts hashicorp/go-memdb: one table whose one index, "id", is the
// encoded key. Reads run in read transactions (lock-free snapshots), writes
// in write transactions (memdb serializes writers). Safe for concurrent use.
type MemDB struct {
	db *memdb.MemDB
}

const memTable = "kv"

type memRow struct {
	Key string // the encoded key
	Val string
}

// keyIndexer indexes memRow by its encoded key without copying or reflection:
// the fastest index a memdb user can write.
type keyIndexer struct{}

func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func (keyIndexer) FromObject(raw any) (bool, []byte, error) {
	r, ok := raw.(*memRow)
	if !ok {
		return false, nil, errors.New("memdb: not a row")
	}
	return true, stringBytes(r.Key), nil
}

func (keyIndexer) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, errors.New("memdb: one argument expected")
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, errors.New("memdb: string argument expected")
	}
	return stringBytes(s), nil // only looked up, never kept
}

func (k keyIndexer) PrefixFromArgs(args ...any) ([]byte, error) { return k.FromArgs(args...) }

// NewMemDB returns an empty go-memdb database.
func NewMemDB() System {
	schema := &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		memTable: {Name: memTable, Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: keyIndexer{}},
		}},
	}}
	db, err := memdb.NewMemDB(schema)
	if err != nil {
		panic(err)
	}
	return &MemDB{db: db}
}

// Name implements System.
func (m *MemDB) Name() string { return "go-memdb" }

// Load implements System with one write transaction; memdb has no TTLs.
func (m *MemDB) Load(keys []core.Key, vals [][]byte, _ []time.Duration) error {
	return m.Batch(keys, vals)
}

// Batch implements System with one write transaction.
func (m *MemDB) Batch(keys []core.Key, vals [][]byte) error {
	txn := m.db.Txn(true)
	for i, k := range keys {
		if err := txn.Insert(memTable, &memRow{Key: encode(k), Val: string(vals[i])}); err != nil {
			txn.Abort()
			return err
		}
	}
	txn.Commit()
	return nil
}

// Put implements System with a write transaction of one insert.
func (m *MemDB) Put(k core.Key, v []byte) error {
	txn := m.db.Txn(true)
	if err := txn.Insert(memTable, &memRow{Key: encode(k), Val: string(v)}); err != nil {
		txn.Abort()
		return err
	}
	txn.Commit()
	return nil
}

func (m *MemDB) get(txn *memdb.Txn, k core.Key) *memRow {
	sc := encodeScratch(k)
	raw, err := txn.First(memTable, "id", sc.view())
	sc.release()
	if err != nil || raw == nil {
		return nil
	}
	return raw.(*memRow)
}

// Get implements System with a read transaction.
func (m *MemDB) Get(k core.Key) bool { return m.get(m.db.Txn(false), k) != nil }

// Value implements System.
func (m *MemDB) Value(k core.Key) ([]byte, bool) { return memValue(m.get(m.db.Txn(false), k)) }

func memValue(r *memRow) ([]byte, bool) {
	if r == nil {
		return nil, false
	}
	return []byte(r.Val), true
}

// Delete implements System.
func (m *MemDB) Delete(k core.Key) error {
	txn := m.db.Txn(true)
	err := txn.Delete(memTable, &memRow{Key: encode(k)})
	if err != nil && !errors.Is(err, memdb.ErrNotFound) {
		txn.Abort()
		return err
	}
	txn.Commit()
	return nil
}

func (m *MemDB) scan(prefix string) Rows {
	it, err := m.db.Txn(false).Get(memTable, "id_prefix", prefix)
	if err != nil {
		return kvRows(nil)
	}
	var out []kv
	for raw := it.Next(); raw != nil; raw = it.Next() {
		r := raw.(*memRow)
		out = append(out, kv{Key: r.Key, Val: r.Val})
	}
	return kvRows(out)
}

// ScanPrefix implements System with a prefix iteration of the id index.
func (m *MemDB) ScanPrefix(p core.Key) Rows {
	sc := encodeScratch(p)
	defer sc.release()
	return m.scan(sc.view())
}

// ScanRun implements System with a prefix iteration over the namespace.
func (m *MemDB) ScanRun(ns core.Namespace) Rows { return m.scan(encodeNS(ns)) }

// Snapshot implements Snapshotter with a read transaction: O(1).
func (m *MemDB) Snapshot() View { return memView{m.db.Txn(false)} }

// Prepare implements System; nothing to do.
func (m *MemDB) Prepare() {}

// Close implements System; nothing to release.
func (m *MemDB) Close() error { return nil }

type memView struct{ txn *memdb.Txn }

func (v memView) Value(k core.Key) ([]byte, bool) {
	sc := encodeScratch(k)
	raw, err := v.txn.First(memTable, "id", sc.view())
	sc.release()
	if err != nil || raw == nil {
		return nil, false
	}
	return memValue(raw.(*memRow))
}
