package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRun plays the example and checks what it narrates: recall by meaning
// within the agent's scope, the tenant-wide search, the snapshot that still
// recalls a forgotten note, the expired note no longer recalled, the refused
// vector.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	got := out.String()
	for _, want := range []string{
		"  \"cannot sign in to the account\":\n    0.86  triage: User locked out after too many password attempts\n",
		"  \"the app is slow\":\n    0.95  triage: Dashboard hangs while loading reports, timeout after 30s\n",
		"  \"is the client upset?\":\n    0.94  triage: Client is frustrated and upset about the delays\n",
		"    0.89  sales:  Client asked for a refund of the annual payment\n",
		"forgot n1 (v7); the snapshot taken before (v6) still recalls it:\n now:\n  \"charged twice\":\n    0.38  triage: Card expired",
		" snapshot:\n  \"charged twice\":\n    0.89  triage: Customer was charged twice for the March invoice\n",
		"two hours later the mood note (TTL 1h) has expired:\n  \"is the client upset?\":\n    0.28  triage: User locked out",
		"is refused: inmem: invalid value: key acme/support/triage/",
		"(ErrInvalidValue: true)",
	} {
		require.Contains(t, got, want)
	}
	// Searches in triage's scope never return the sales agent's note.
	triagePart := got[strings.Index(got, "triage recalls"):strings.Index(got, "the whole tenant")]
	require.NotContains(t, triagePart, "sales:")
}

func TestEmbedIsUnitLength(t *testing.T) {
	for _, text := range []string{"billing", "a b c", "Card expired, renewal email bounced"} {
		var n float64
		for _, x := range embed(text) {
			n += float64(x) * float64(x)
		}
		require.InDelta(t, 1, n, 1e-5, text)
	}
	require.Equal(t, make([]float32, dims), embed(""), "no word: the zero vector")
	require.Equal(t, embed("payment card"), embed("PAYMENT, card!"), "case and punctuation do not matter")
}
