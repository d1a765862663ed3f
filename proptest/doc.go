// Package proptest proves a store against a model, through core's
// interfaces alone, as testing/fstest proves any fs.FS through fs's. It
// holds:
//
//   - Model, a plain, obviously-correct store that keeps every version of
//     its data in full and the commit of every version, with its own clock,
//     and offers every capability of the contract (core's Viewer, ViewerAt,
//     Scanner, TypeScanner, CompareAndSwapper, Transactor, Watchable,
//     Appender, PrefixDeleter, Toucher, ExpiryTarget, Expirer and
//     NamespaceLister), written for clarity, not speed;
//   - Run, a property-based conformance suite (pgregory.net/rapid state
//     machines) that drives random operation sequences over a small key space
//     against any core.Storage and the Model and compares every answer; each
//     step runs when the store offers the capability it needs, and options
//     say what the store promises beyond the interfaces (WithClock,
//     WithRetained, WithProvenReads, WithRestore, WithReopen, WithCheck);
//   - RunStore, Run for a store type judged by a clock it is given:
//     RunStore(t, func(core.Clock) *mvcc.Store {...}) compiles for any store
//     type without this package knowing it;
//   - Replay, which decodes arbitrary bytes as one such sequence (the fuzz
//     target's engine);
//   - CheckLinearizable, which checks with porcupine that concurrent
//     histories of Get, Put, Delete and CompareAndSwap on any store have a
//     sequential explanation, with gapless versions;
//   - CheckIndices, a model-free check that a store's indices agree with its
//     data, for stress tests.
//
// A store's own test helpers add what only that store promises: package
// mvcc/mvcctest runs the suite on *mvcc.Store with its history window,
// backups, reopening and Stats (mvcctest.RunStore, RunDurable, Replay).
//
// The suites need a clock they share with the store: Run generates TTLs and
// clock advances only when given one (WithClock).
package proptest
