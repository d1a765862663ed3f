//go:build race

package hnsw

// raceEnabled reports a -race build: the tests use smaller graphs.
const raceEnabled = true
