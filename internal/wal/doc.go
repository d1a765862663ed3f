// Package wal is the storage layer of a durable store: an append-only log of
// commits split into segment files, checkpoint files that hold a store's whole
// state at one version, and the backup stream format that checkpoints share.
//
// The package knows the shape of what it stores (versions, keys in their
// encoded form, versioned values) but nothing of the store that uses it: a
// store opens a Log, recovers its state through callbacks, appends one Record
// per commit and writes checkpoints from an iterator over its entries.
//
// Every file operation goes through a vfs.FS (Options.FS): the operating
// system's files, or in tests an in-memory file system that fails, fills up
// and crashes. The byte layouts and the recovery rules are described in
// docs/format.md.
package wal
