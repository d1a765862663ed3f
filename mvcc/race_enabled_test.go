//go:build race

package mvcc

// raceEnabled reports a -race build: the slower tests do fewer rounds.
const raceEnabled = true
