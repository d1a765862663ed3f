// Package mutants keeps the project's list of planted bugs and checks that
// the test suite still catches every one of them.
//
// mutants.txt lists realistic one-line bugs in core, indices, cleaner, mvcc
// and the B+tree under it (internal/btree): for each, the file, the exact
// original snippet, its replacement, the packages whose tests must catch it
// and a -run filter. The test TestMutantsCaught compiles the mutants into
// mutant schemata (schema.go: each mutated file holds all its mutants, each
// behind a run-time switch, so one test binary per package serves them all)
// and runs each mutant's tests with its switch on; a mutant that cannot be
// guarded so runs by its own go test -overlay. The tests must fail. The
// source is never touched. A snippet that no longer occurs exactly once in
// its file is reported STALE: the list is kept in step with the code after
// each rewrite.
//
//	go test -v -count=1 -timeout 40m ./internal/mutants -run TestMutantsCaught -mutants
//
// It skips under -short, so the README's test command stays fast. See
// docs/testing.md for the format and how to add a mutant.
package mutants
