//go:build race

package mvcc

// raceBuild reports a -race build: the slower in-package tests do fewer rounds.
const raceBuild = true
