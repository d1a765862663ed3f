//go:build race

package proptest

// raceEnabled reports a -race build: the bite tests, which hunt for planted
// defects in single-goroutine wrappers of the Model, are skipped there (the
// race detector has nothing to find in them, and with -cover it makes them
// several times slower); CI runs them without -race.
const raceEnabled = true
