package core

import (
	"strconv"
	"time"
)

// ChangeOp is what one change did to one key.
type ChangeOp uint8

// The kinds of change a commit can hold.
const (
	// ChangePut is a put, a compare-and-swap, a transaction write, an append
	// or a TTL refresh: Change.Value is the value written.
	ChangePut ChangeOp = iota + 1
	// ChangeDelete is the delete of a present key (Delete, CompareAndDelete,
	// a transaction's delete, DeletePrefix): Change.Value is the value removed.
	ChangeDelete
	// ChangeExpire is the removal of an expired value (RemoveExpired, the
	// cleaner, or DeletePrefix meeting an expired value not yet removed):
	// Change.Value is the value removed.
	ChangeExpire
)

var changeOpNames = [...]string{"", "put", "delete", "expire"}

// String returns "put", "delete" or "expire" (or "op(N)" for another value).
func (op ChangeOp) String() string {
	if op >= ChangePut && op <= ChangeExpire {
		return changeOpNames[op]
	}
	return "op(" + strconv.Itoa(int(op)) + ")"
}

// Change is one key's change in one commit. A plain value; what a store hands
// out is the caller's.
type Change struct {
	Key   Key
	Op    ChangeOp
	Value VersionedValue // ChangePut: the value written; ChangeDelete, ChangeExpire: the value removed
}

// Commit is everything one version changed, as a watcher or a log sees it.
// A plain value; what a store hands out is the caller's.
type Commit struct {
	Version uint64
	Time    time.Time // the commit's timestamp (store clock)
	Changes []Change  // in key order; a watcher gets only the changes its filter matches
}
