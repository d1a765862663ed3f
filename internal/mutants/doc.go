// Package mutants keeps the project's list of planted bugs and checks that
// the test suite still catches every one of them.
//
// mutants.txt lists realistic one-line bugs in core, indices, cleaner, mvcc
// and the B+tree under it (internal/btree): for each, the file, the exact
// original snippet, its replacement, the packages whose tests must catch it
// and a -run filter. The test TestMutantsCaught applies each mutant with go
// test -overlay (the original file is never touched; the build cache is
// reused), runs the named tests, and requires them to fail. A snippet that no longer occurs exactly
// once in its file is reported STALE: the list is kept in step with the code
// after each rewrite.
//
//	go test -v -count=1 -timeout 12m ./internal/mutants -run TestMutantsCaught -mutants
//
// It skips under -short, so the README's test command stays fast. See
// docs/testing.md for the format and how to add a mutant.
package mutants
