package cleaner_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/inmemdb/inmem/cleaner"
	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// RunOnce runs one pass now, in batches of at most WithBatchSize entries,
// one commit each.
func ExampleCleaner_RunOnce() {
	clock := core.NewManualClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	store := mvcc.New(mvcc.WithClock(clock))
	ns := core.Namespace{Tenant: "acme", App: "support", Agent: "triage"}
	for i := range 5 {
		_, _ = store.Put(core.KVKey(ns, fmt.Sprint("note", i)), core.Int64Value(int64(i)), time.Minute)
	}
	clock.Advance(time.Minute)

	c := cleaner.New(store, cleaner.WithBatchSize(2))
	rep, err := c.RunOnce(context.Background())
	fmt.Println("removed:", rep.Removed, "batches:", rep.Batches, "versions:", rep.Versions, "error:", err)
	fmt.Println("stored:", store.Stats().Keys)
	// Output:
	// removed: 5 batches: 3 versions: [6 7 8] error: <nil>
	// stored: 0
}

// Start runs a pass at every tick until Stop; WithTicker replaces the
// interval's ticker (here with a channel the example ticks by hand) and
// WithOnPass reports each pass.
func ExampleCleaner_Start() {
	clock := core.NewManualClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	store := mvcc.New(mvcc.WithClock(clock))
	ns := core.Namespace{Tenant: "acme", App: "support", Agent: "triage"}
	_, _ = store.Put(core.KVKey(ns, "scratch"), core.StringValue("temp"), time.Second)
	clock.Advance(time.Second)

	ticks := make(chan time.Time)
	passes := make(chan cleaner.Report, 1)
	c := cleaner.New(store,
		cleaner.WithTicker(func(time.Duration) (<-chan time.Time, func()) { return ticks, func() {} }),
		cleaner.WithOnPass(func(r cleaner.Report, err error) { passes <- r }))
	c.Start(context.Background())
	ticks <- clock.Now()
	fmt.Println("removed:", (<-passes).Removed)
	c.Stop()
	fmt.Println("passes:", c.Stats().Passes)
	// Output:
	// removed: 1
	// passes: 1
}

// WithLogger logs every pass: Info when it removed or skipped something,
// Debug when it found nothing, Warn when it failed.
func ExampleWithLogger() {
	clock := core.NewManualClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	store := mvcc.New(mvcc.WithClock(clock))
	_, _ = store.Put(core.KVKey(core.Namespace{Tenant: "acme"}, "k"), core.NullValue(), time.Second)
	clock.Advance(time.Second)

	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{} // keep the output stable
			}
			return a
		},
	}))
	_, _ = cleaner.New(store, cleaner.WithLogger(logger)).RunOnce(context.Background())
	// Output:
	// level=INFO msg="cleaner pass" removed=1 skipped=0 batches=1
}
