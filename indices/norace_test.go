//go:build !race

package indices

// raceEnabled reports a -race build: the contention tests run fewer rounds.
const raceEnabled = false
