package wal_test

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"os"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/wal"
)

// A store's life on a Log: recover, log commits in groups, checkpoint, close,
// and recover again.
func Example() {
	dir, err := os.MkdirTemp("", "wal-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	put := func(v uint64, key, val string) wal.Record {
		vv := core.VersionedValue{Value: core.StringValue(val), Version: v, Timestamp: t0}
		return wal.Record{Version: v, Time: t0, Changes: []wal.Change{{Key: key, Op: core.ChangePut, Value: vv}}}
	}

	l, err := wal.Open(dir, wal.Options{Sync: wal.SyncAlways})
	if err != nil {
		panic(err)
	}
	if _, err := l.Recover(nil, nil); err != nil { // an empty directory
		panic(err)
	}
	// A group commit: every record of the group, then one write and one fsync.
	recs := []wal.Record{put(1, "a", "x"), put(2, "b", "y"), put(3, "a", "z")}
	for i := range recs {
		if err := l.Append(&recs[i]); err != nil {
			panic(err)
		}
	}
	if err := l.Write(); err != nil {
		panic(err)
	}
	// The state at version 2, as the store's snapshot would list it.
	state := []wal.Entry{
		{Key: "a", Value: recs[0].Changes[0].Value},
		{Key: "b", Value: recs[1].Changes[0].Value},
	}
	if err := l.WriteCheckpoint(2, t0, slices.Values(state)); err != nil {
		panic(err)
	}
	if err := l.Close(); err != nil {
		panic(err)
	}

	l, err = wal.Open(dir, wal.Options{})
	if err != nil {
		panic(err)
	}
	defer l.Close()
	rep, err := l.Recover(func(h wal.SnapshotHeader, entries iter.Seq[wal.Entry]) error {
		for e := range entries {
			fmt.Printf("checkpoint %d: %s = %s\n", h.Version, e.Key, e.Value.Value)
		}
		return nil
	}, func(r *wal.Record) error {
		for _, c := range r.Changes {
			fmt.Printf("replay %d: %s %s = %s\n", r.Version, c.Op, c.Key, c.Value.Value)
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("last version:", rep.LastVersion)
	// Output:
	// checkpoint 2: a = x
	// checkpoint 2: b = y
	// replay 3: put a = z
	// last version: 3
}

// A backup stream round trip; any damage to the stream is refused.
func ExampleWriteSnapshot() {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	entries := []wal.Entry{{Key: "k", Value: core.VersionedValue{Value: core.Int64Value(42), Version: 7, Timestamp: t0, TTL: time.Hour}}}
	var buf bytes.Buffer
	if _, err := wal.WriteSnapshot(&buf, wal.SnapshotHeader{Version: 7, Time: t0, Created: t0, Creator: "example"}, slices.Values(entries)); err != nil {
		panic(err)
	}
	h, err := wal.ReadSnapshot(bytes.NewReader(buf.Bytes()), func(e wal.Entry) error {
		fmt.Println(e.Key, e.Value.Value, e.Value.Version, e.Value.TTL)
		return nil
	})
	fmt.Println(h.Version, h.Creator, err)

	damaged := bytes.Clone(buf.Bytes())
	damaged[len(damaged)/2] ^= 1
	_, err = wal.ReadSnapshot(bytes.NewReader(damaged), nil)
	fmt.Println(err != nil && errors.Is(err, core.ErrCorrupt))
	// Output:
	// k 42 7 1h0m0s
	// 7 example <nil>
	// true
}
