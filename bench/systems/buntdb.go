package systems

import (
	"errors"
	"strings"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/tidwall/buntdb"
)

// BuntDB adapts tidwall/buntdb opened in memory (":memory:"): keys are the
// encoded keys, reads run in View transactions and writes in Update
// transactions (buntdb holds one RWMutex for both). It has no snapshots.
// Safe for concurrent use.
type BuntDB struct {
	db *buntdb.DB
}

// NewBuntDB returns an empty in-memory buntdb database.
func NewBuntDB() System {
	db, err := buntdb.Open(":memory:")
	if err != nil {
		panic(err)
	}
	return &BuntDB{db: db}
}

// Name implements System.
func (b *BuntDB) Name() string { return "buntdb" }

// Load implements System with one Update transaction. The TTLs are not given
// to buntdb: it would expire the keys itself, and FindExpired is not measured
// on it.
func (b *BuntDB) Load(keys []core.Key, vals [][]byte, _ []time.Duration) error {
	return b.Batch(keys, vals)
}

// Batch implements System with one Update transaction.
func (b *BuntDB) Batch(keys []core.Key, vals [][]byte) error {
	return b.db.Update(func(tx *buntdb.Tx) error {
		for i, k := range keys {
			if _, _, err := tx.Set(encode(k), string(vals[i]), nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// Put implements System with an Update transaction of one Set.
func (b *BuntDB) Put(k core.Key, v []byte) error {
	return b.db.Update(func(tx *buntdb.Tx) error {
		_, _, err := tx.Set(encode(k), string(v), nil)
		return err
	})
}

func (b *BuntDB) get(k core.Key) (string, bool) {
	sc := encodeScratch(k)
	var val string
	var found bool
	_ = b.db.View(func(tx *buntdb.Tx) error {
		v, err := tx.Get(sc.view())
		val, found = v, err == nil
		return nil
	})
	sc.release()
	return val, found
}

// Get implements System with a View transaction.
func (b *BuntDB) Get(k core.Key) bool {
	_, ok := b.get(k)
	return ok
}

// Value implements System.
func (b *BuntDB) Value(k core.Key) ([]byte, bool) {
	v, ok := b.get(k)
	if !ok {
		return nil, false
	}
	return []byte(v), true
}

// Delete implements System.
func (b *BuntDB) Delete(k core.Key) error {
	return b.db.Update(func(tx *buntdb.Tx) error {
		_, err := tx.Delete(encode(k))
		if errors.Is(err, buntdb.ErrNotFound) {
			return nil
		}
		return err
	})
}

func (b *BuntDB) scan(prefix string) Rows {
	var out []kv
	_ = b.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendGreaterOrEqual("", prefix, func(k, v string) bool {
			if !strings.HasPrefix(k, prefix) {
				return false
			}
			out = append(out, kv{Key: k, Val: v})
			return true
		})
	})
	return kvRows(out)
}

// ScanPrefix implements System with an ordered iteration from the prefix.
func (b *BuntDB) ScanPrefix(p core.Key) Rows {
	sc := encodeScratch(p)
	defer sc.release()
	return b.scan(sc.view())
}

// ScanRun implements System with an ordered iteration over the namespace.
func (b *BuntDB) ScanRun(ns core.Namespace) Rows { return b.scan(encodeNS(ns)) }

// Prepare implements System; nothing to do.
func (b *BuntDB) Prepare() {}

// Close implements System: it closes the database.
func (b *BuntDB) Close() error { return b.db.Close() }
