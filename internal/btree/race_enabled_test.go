//go:build race

package btree

// raceEnabled reports a -race build: the single-goroutine model tests run
// fewer rounds there (the race detector has nothing to find in them, and
// with -cover it makes each step about ten times slower); CI also runs
// them at full strength without -race.
const raceEnabled = true
