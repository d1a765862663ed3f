//go:build !race

package btree

// raceEnabled reports a -race build (see race_enabled_test.go).
const raceEnabled = false
