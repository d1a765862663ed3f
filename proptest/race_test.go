//go:build race

package proptest

// raceEnabled reports a -race build: the large stress tests scale down.
const raceEnabled = true
