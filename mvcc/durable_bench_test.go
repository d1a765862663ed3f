package mvcc

import (
	"fmt"
	"testing"

	"github.com/inmemdb/inmem/core"
)

// BenchmarkOpenHistory: Open of a directory holding a checkpoint of 100K keys
// and 20K log records after it, with the history window off (every record
// replayed into one draft) and at its default (the last DefaultHistory
// records published one by one with their commit records): what rebuilding
// the window at a restart costs.
func BenchmarkOpenHistory(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(dir, WithSync(SyncNone), WithCheckpointBytes(0))
	if err != nil {
		b.Fatal(err)
	}
	ns := fxNS("bench", "open", 1)
	key := func(i int) core.Key { return core.KVKey(ns, fmt.Sprintf("key-%07d", i)) }
	for lo := 0; lo < 100_000; lo += 10_000 {
		_, err := s.Update(func(tx *Txn) error {
			for i := lo; i < lo+10_000; i++ {
				if err := tx.Put(key(i), core.StringValue("a value of some forty bytes, more or less"), 0); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Checkpoint(); err != nil {
		b.Fatal(err)
	}
	for i := range 20_000 {
		if _, err := s.Put(key(i*7%100_000), core.Int64Value(int64(i)), 0); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	for _, h := range []int{0, DefaultHistory} {
		b.Run(fmt.Sprintf("history=%d", h), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				s, err := Open(dir, WithHistory(h), WithCheckpointBytes(0), WithLogger(nil))
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
