package cleaner_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/inmemdb/inmem/cleaner"
	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPassesAreLogged(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{}
			}
			return a
		},
	}))
	s, clk := newStore()
	put(t, s, kv(0), "x", time.Second)
	clk.Advance(time.Second)
	c := cleaner.New(s, cleaner.WithLogger(logger))
	_, err := c.RunOnce(context.Background())
	require.NoError(t, err)
	_, err = c.RunOnce(context.Background())
	require.NoError(t, err)

	boom := errors.New("boom")
	failing := cleaner.New(&fakeTarget{now: t0, entries: someEntries(1), remove: func(int, []core.Entry) (core.Removal, error) {
		return core.Removal{}, boom
	}}, cleaner.WithLogger(logger))
	_, err = failing.RunOnce(context.Background())
	require.ErrorIs(t, err, boom)

	ctx, cancel := context.WithCancel(context.Background())
	interrupted := cleaner.New(&fakeTarget{now: t0, entries: someEntries(1), remove: func(int, []core.Entry) (core.Removal, error) {
		cancel()
		return core.Removal{}, boom
	}}, cleaner.WithLogger(logger))
	_, err = interrupted.RunOnce(ctx)
	require.ErrorIs(t, err, boom)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 4)
	assert.Equal(t, `level=INFO msg="cleaner pass" removed=1 skipped=0 batches=1`, lines[0])
	assert.Equal(t, `level=DEBUG msg="cleaner pass" removed=0 skipped=0 batches=0`, lines[1])
	assert.Equal(t, `level=WARN msg="cleaner pass failed" removed=0 skipped=0 batches=1 error="cleaner: removing a batch of 1 expired entries: boom"`, lines[2])
	assert.Contains(t, lines[3], `level=DEBUG msg="cleaner pass interrupted"`)
}

// A pass that removed nothing but skipped something did work worth telling:
// WithLogger documents Info for a pass that "removed or skipped something".
func TestSkipOnlyPassIsLoggedAtInfo(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		Level: slog.LevelInfo, // a Debug line would not show
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{}
			}
			return a
		},
	}))
	f := &fakeTarget{now: t0, entries: someEntries(2), remove: func(_ int, es []core.Entry) (core.Removal, error) {
		return core.Removal{Skipped: len(es)}, nil
	}}
	rep, err := cleaner.New(f, cleaner.WithLogger(logger)).RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 2, rep.Skipped)
	assert.Equal(t, `level=INFO msg="cleaner pass" removed=0 skipped=2 batches=1`, strings.TrimSpace(buf.String()))
}
