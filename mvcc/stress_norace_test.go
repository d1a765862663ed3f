//go:build !race

package mvcc_test

// raceEnabled reports a -race build: the large stress tests scale down.
const raceEnabled = false
