package main

import (
	"bytes"
	"io"
	"math"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/stretchr/testify/require"
)

// TestRun plays the run and checks the facts it narrates: the snapshot keeps
// its version while the live store moves on, the past is read exactly, the
// stale compare-and-swap loses, the replay holds the whole run in key order,
// and the cleaner removes exactly the expired entry.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	got := out.String()
	for _, want := range []string{
		"v8  state ticket -> investigating (expected version 7)",
		"a second agent still holding version 7 is refused: inmem: version mismatch",
		"snapshot: ticket = investigating (v8), 2 events",
		"live:     ticket = resolved (v10), 4 events",
		"GetVersioned(ticket, 8) = investigating",
		"v10 transaction: state ticket -> resolved and the next event: reply sent",
		"v10 event  #4                     reply sent",
		`the last 2 events, newest first: #4 "reply sent"; #3 "root cause found: expired card";`,
		"page 1 at v10: kv draft-reply, kv hypothesis, kv sentiment, event #1\n",
		"page 2 at v10: event #2, event #3, event #4, state ticket\n",
		"page 3 at v10: run (run)\n",
		"  v13 event #7: paged 3\n",
		`    run 6f1c2a4e… kv sentiment = "frustrated"` + "\n" + `    run 7a2b3c4d… kv lesson = "check card expiry first"`,
		"removed 11 keys in one commit\nstore: version 16, 1 keys\n",
		"  v4  kv     draft-reply            Hello, we are looking into it\n" +
			"  v5  kv     hypothesis             billing sync failed\n" +
			"  v6  kv     sentiment              frustrated\n" +
			"  v2  event  #1                     ticket received\n",
		"v1  run    (run)",
		"kv draft-reply is already invisible to reads (expired)",
		"cleaner pass: removed 1, skipped 0; store now at version 15",
		"store: version 15, 12 keys, 1 with a TTL",
	} {
		require.Contains(t, got, want)
	}
	require.NotContains(t, got, `kv draft-reply = "Hello, we are looking into it" remains`)
}

// TestRunIsDeterministic: the manual clock and fixed run id make two runs
// print the same thing.
func TestRunIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	require.NoError(t, run(&a))
	require.NoError(t, run(&b))
	require.Equal(t, a.String(), b.String())
}

// TestRunReportsWriteFailures starts the store k versions short of the last
// one, so the run's k+1-th write fails: every step must stop and report the
// store's error instead of carrying on.
func TestRunReportsWriteFailures(t *testing.T) {
	for k := uint64(0); k < 16; k++ {
		err := run(io.Discard, mvcc.WithStartVersion(math.MaxUint64-1-k))
		require.ErrorIs(t, err, core.ErrVersionExhausted, "failing at write %d", k+1)
	}
}

// TestMainPrints runs the program's main as is: it prints the run to stdout.
func TestMainPrints(t *testing.T) {
	main()
}
