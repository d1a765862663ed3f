// Package proptest proves a store against a model. It holds:
//
//   - Model, a plain, obviously-correct core.Storage that keeps every version
//     of its data in full and the commit of every version, with its own
//     clock, snapshots, compare-and-swap, transactions, appends, prefix
//     deletes and expiry removal, written for clarity, not speed;
//   - Run, a property-based conformance suite (pgregory.net/rapid state
//     machines) that drives random operation sequences over a small key space
//     against any core.Storage and the Model and compares every answer;
//   - RunStore, the same for *mvcc.Store with its extra API (type scans,
//     range scans with options, snapshots now and at a version, backups,
//     compare-and-swap, transactions, appends, prefix deletes, expiry
//     removal, the change feed) and its
//     invariants: indices that hold exactly what the data implies, gapless
//     versions, snapshots that never change, exact history inside the window;
//   - RunDurable, RunStore for a store made by mvcc.Open, closed and opened
//     again from its directory at random steps;
//   - Replay, which decodes arbitrary bytes as an operation sequence and runs
//     it the same way (the fuzz target's engine);
//   - CheckIndices, a model-free check that a store's indices agree with its
//     data, for stress tests.
//
// The suites need a clock they share with the store: Run generates TTLs and
// clock advances only when given one (WithClock), RunStore makes its own.
package proptest
