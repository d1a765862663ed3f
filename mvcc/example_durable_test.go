package mvcc_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// Memory that survives a restart: the store kept in a directory.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "inmem-example")
	defer os.RemoveAll(dir)

	store, err := mvcc.Open(dir) // creates the store, or recovers it
	if err != nil {
		fmt.Println(err) // another store holds dir (errors.Is(err, mvcc.ErrLocked)), or damage
		return
	}
	store.Put(core.KVKey(exampleNS, "plan"), core.StringValue("check the logs"), 0)
	store.Append(exampleNS, core.StringValue("ticket received"), 0)
	store.Close()

	store, _ = mvcc.Open(dir) // the process restarts
	defer store.Close()
	plan, _ := store.Get(core.KVKey(exampleNS, "plan"))
	fmt.Println(plan.Value, "at version", plan.Version, "of", store.CurrentVersion())
	fmt.Println("recovered up to version", store.Recovery().LastVersion)
	// Output:
	// check the logs at version 1 of 2
	// recovered up to version 2
}

// A checkpoint writes the state to a file and drops the log before it:
// recovery reads the checkpoint and only what was logged after it.
func ExampleStore_Checkpoint() {
	dir, _ := os.MkdirTemp("", "inmem-example")
	defer os.RemoveAll(dir)
	store, _ := mvcc.Open(dir)
	for i := range 100 {
		store.Put(core.KVKey(exampleNS, "step"), core.Int64Value(int64(i)), 0)
	}
	if err := store.Checkpoint(); err != nil {
		fmt.Println(err)
		return
	}
	store.Put(core.KVKey(exampleNS, "step"), core.Int64Value(100), 0)
	store.Close()

	store, _ = mvcc.Open(dir)
	defer store.Close()
	rep := store.Recovery()
	fmt.Println("checkpoint at version", rep.CheckpointVersion, "then", rep.Records, "record replayed")
	step, _ := store.Get(core.KVKey(exampleNS, "step"))
	fmt.Println("step =", step.Value)
	// Output:
	// checkpoint at version 100 then 1 record replayed
	// step = 100
}

// A backup is a consistent snapshot, written while writers go on.
func ExampleSnapshot_WriteTo() {
	store, _ := exampleStore()
	store.Put(core.KVKey(exampleNS, "plan"), core.StringValue("check the logs"), 0)
	snap := store.Snapshot()
	store.Put(core.KVKey(exampleNS, "plan"), core.StringValue("reply"), 0) // not in the backup

	var backup bytes.Buffer // a file, a socket, an object store...
	if _, err := snap.WriteTo(&backup); err != nil {
		fmt.Println(err)
		return
	}
	restored, _ := mvcc.Restore(&backup)
	plan, _ := restored.Get(core.KVKey(exampleNS, "plan"))
	fmt.Println(plan.Value, "at version", restored.CurrentVersion())
	// Output:
	// check the logs at version 1
}

// Restore reads a backup into a store in memory, at the backup's version:
// the next write continues from there.
func ExampleRestore() {
	store, _ := exampleStore()
	store.Append(exampleNS, core.StringValue("ticket received"), 0)
	store.Append(exampleNS, core.StringValue("reply sent"), 0)
	var backup bytes.Buffer
	store.Snapshot().WriteTo(&backup)

	restored, err := mvcc.Restore(&backup)
	if err != nil {
		fmt.Println(err) // a damaged or truncated backup: core.ErrCorrupt
		return
	}
	k, v, _ := restored.Append(exampleNS, core.StringValue("ticket closed"), 0)
	fmt.Println(k.UserKey[7], "at version", v)
	// Output:
	// 3 at version 3
}

// RestoreDir makes a durable store out of a backup, in a new directory.
func ExampleRestoreDir() {
	store, _ := exampleStore()
	store.Put(core.KVKey(exampleNS, "plan"), core.StringValue("check the logs"), 0)
	var backup bytes.Buffer
	store.Snapshot().WriteTo(&backup)

	parent, _ := os.MkdirTemp("", "inmem-example")
	defer os.RemoveAll(parent)
	dir := filepath.Join(parent, "restored") // empty or absent
	durable, err := mvcc.RestoreDir(dir, &backup)
	if err != nil {
		fmt.Println(err)
		return
	}
	durable.Put(core.KVKey(exampleNS, "mood"), core.StringValue("calm"), 0)
	durable.Close()

	durable, _ = mvcc.Open(dir)
	defer durable.Close()
	for k, vv := range durable.Scan(core.NamespacePrefix(exampleNS)) {
		fmt.Println(string(k.UserKey), "=", vv.Value, "at version", vv.Version)
	}
	// Output:
	// mood = calm at version 2
	// plan = check the logs at version 1
}
