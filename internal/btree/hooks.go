package btree

// Test hooks. Production code only reads them; tests set them before starting goroutines.
var (
	// plantBug, when non-zero, switches on one deliberate bug so that tests can prove the
	// suite catches it (see plant_test.go).
	plantBug int
	// onRetire, when set, is told each owner id an Edit gives up on publishing a Map; the
	// invariant checker uses it to tell frozen owners from live ones.
	onRetire func(id uint64)
)

const (
	bugNone = iota
	// bugStaleSeparator: a leaf that borrows from its right sibling leaves the parent's
	// separator as it was (a rebalancing bug).
	bugStaleSeparator
	// bugNoFreeze: Edit.Map keeps the edit's owner id, so later changes mutate nodes of the
	// published Map in place (an edit reaching a frozen node).
	bugNoFreeze
)
