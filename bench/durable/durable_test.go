// Package durable compares inmem's durable store (mvcc.Open) with embedded
// on-disk stores: durable puts per second with 1, 4 and 16 writers, every
// put synced before it returns; recovery of a 1M-key store against the bulk
// load of the same keys; and a backup of 1M keys while a writer runs.
//
//	cd bench && go test ./durable -run '^$' -bench . -benchtime 2000x
//
// The recovery and backup benchmarks build a 1M-key store first (seconds);
// run them alone with -bench 'Recover|Backup' -benchtime 1x.
package durable

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
	"github.com/dgraph-io/badger/v4"
	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	bolt "go.etcd.io/bbolt"
)

// putter is one durable store under test: put writes one key and returns
// once the write is on stable storage.
type putter struct {
	put   func(w int, i uint64, key, val []byte) error
	close func() error
	// syncs, when set, counts the log syncs so far: the benchmark reports
	// puts per sync.
	syncs func() int64
}

type system struct {
	name string
	open func(b *testing.B, dir string) putter
}

var benchNS = core.Namespace{Tenant: "bench", App: "durable", Agent: "writer"}

var systems = []system{
	{"inmem", func(b *testing.B, dir string) putter {
		s, err := mvcc.Open(dir, mvcc.WithSync(mvcc.SyncAlways))
		if err != nil {
			b.Fatal(err)
		}
		return putter{
			put: func(_ int, _ uint64, key, val []byte) error {
				_, err := s.Put(core.NewKey(benchNS, core.TypeKV, key), core.BytesValue(val), 0)
				return err
			},
			close: s.Close,
			syncs: func() int64 { return int64(s.Stats().Groups) }, // under SyncAlways one log sync a group
		}
	}},
	{"bbolt", func(b *testing.B, dir string) putter {
		db, err := bolt.Open(dir+"/bolt.db", 0o600, nil) // NoSync off: each Update is fsynced
		if err != nil {
			b.Fatal(err)
		}
		bucket := []byte("b")
		if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(bucket); return err }); err != nil {
			b.Fatal(err)
		}
		return putter{
			put: func(_ int, _ uint64, key, val []byte) error {
				return db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put(key, val) })
			},
			close: db.Close,
		}
	}},
	{"badger", func(b *testing.B, dir string) putter {
		db, err := badger.Open(badger.DefaultOptions(dir).WithSyncWrites(true).WithLogger(nil))
		if err != nil {
			b.Fatal(err)
		}
		return putter{
			put: func(_ int, _ uint64, key, val []byte) error {
				return db.Update(func(txn *badger.Txn) error { return txn.Set(key, val) })
			},
			close: db.Close,
		}
	}},
	{"pebble", func(b *testing.B, dir string) putter {
		var syncs atomic.Int64
		db, err := pebble.Open(dir, &pebble.Options{Logger: quiet{}, FS: countFS{vfs.Default, &syncs}})
		if err != nil {
			b.Fatal(err)
		}
		return putter{
			put: func(_ int, _ uint64, key, val []byte) error {
				return db.Set(key, val, pebble.Sync)
			},
			close: db.Close,
			syncs: syncs.Load,
		}
	}},
}

// countFS counts the syncs of the files pebble writes (its log's among
// them), to report puts per sync.
type countFS struct {
	vfs.FS
	syncs *atomic.Int64
}

func (c countFS) Create(name string) (vfs.File, error) {
	f, err := c.FS.Create(name)
	if err != nil {
		return nil, err
	}
	return countFile{f, c.syncs}, nil
}

func (c countFS) ReuseForWrite(oldname, newname string) (vfs.File, error) {
	f, err := c.FS.ReuseForWrite(oldname, newname)
	if err != nil {
		return nil, err
	}
	return countFile{f, c.syncs}, nil
}

type countFile struct {
	vfs.File
	syncs *atomic.Int64
}

func (f countFile) Sync() error     { f.syncs.Add(1); return f.File.Sync() }
func (f countFile) SyncData() error { f.syncs.Add(1); return f.File.SyncData() }
func (f countFile) SyncTo(n int64) (bool, error) {
	full, err := f.File.SyncTo(n)
	if full {
		f.syncs.Add(1)
	}
	return full, err
}

type quiet struct{}

func (quiet) Infof(string, ...any)         {}
func (quiet) Errorf(string, ...any)        {}
func (quiet) Fatalf(f string, args ...any) { panic(fmt.Sprintf(f, args...)) }

// BenchmarkDurablePut: b.N puts of 100-byte values under distinct keys,
// spread over the writers, each returning once synced.
func BenchmarkDurablePut(b *testing.B) {
	val := make([]byte, 100)
	for i := range val {
		val[i] = byte('a' + i%26)
	}
	for _, writers := range []int{1, 4, 16} {
		for _, sys := range systems {
			b.Run(fmt.Sprintf("writers=%d/%s", writers, sys.name), func(b *testing.B) {
				p := sys.open(b, b.TempDir())
				var next atomic.Uint64
				var wg sync.WaitGroup
				var failed atomic.Pointer[error]
				var syncs0 int64
				if p.syncs != nil {
					syncs0 = p.syncs()
				}
				b.ResetTimer()
				for w := range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						key := make([]byte, 0, 24)
						for {
							i := next.Add(1)
							if i > uint64(b.N) {
								return
							}
							key = fmt.Appendf(key[:0], "w%02d-%012d", w, i)
							if err := p.put(w, i, key, val); err != nil {
								failed.Store(&err)
								return
							}
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				if err := failed.Load(); err != nil {
					b.Fatal(*err)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
				if p.syncs != nil {
					if n := p.syncs() - syncs0; n > 0 {
						b.ReportMetric(float64(b.N)/float64(n), "puts/sync")
					}
				}
				if err := p.close(); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
