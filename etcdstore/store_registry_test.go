package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// TestNewRefusesBadPrefixes: an empty prefix, one in the registry's space,
// one overlapping another store's (above or below it) and one holding keys
// of no store are refused with core.ErrInvalidArgument; a sibling whose
// name merely starts the same, and the same prefix again, are fine.
func TestNewRefusesBadPrefixes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, p := range []string{"", "\x00inmem"} {
		_, err := New(ctx, testCli, p)
		require.ErrorIs(t, err, core.ErrInvalidArgument, "%q", p)
	}
	_, err := New(ctx, nil, "/x")
	require.ErrorIs(t, err, core.ErrInvalidArgument)

	base := newPrefix(t)
	a := newStoreOn(t, testCli, base+"/a")
	for _, p := range []string{base + "/a/b", base + "/a/b/c", base} {
		_, err := New(ctx, testCli, p)
		require.ErrorIs(t, err, core.ErrInvalidArgument, "%q overlaps %q", p, a.Prefix())
		require.ErrorContains(t, err, fmt.Sprintf("%q", a.Prefix()))
	}
	newStoreOn(t, testCli, base+"/ab")  // not below base+"/a": its keys start with base+"/ab/"
	newStoreOn(t, testCli, base+"/a-z") // likewise
	again := newStoreOn(t, testCli, base+"/a")
	_, err = a.Put(core.KVKey(testNS("agent", 1), "k"), core.Int64Value(1), 0)
	require.NoError(t, err)
	require.Equal(t, uint64(1), again.CurrentVersion(), "the same prefix is the same store")

	foreign := newPrefix(t)
	_, err = testCli.Put(ctx, foreign+"/something", "not a store's")
	require.NoError(t, err)
	_, err = New(ctx, testCli, foreign)
	require.ErrorIs(t, err, core.ErrInvalidArgument, "a prefix holding keys of no store")
}

// TestNewRacingOverlaps: of several New calls racing for prefixes that all
// overlap one another, exactly one wins: the check and the record are one
// etcd transaction.
func TestNewRacingOverlaps(t *testing.T) {
	base := newPrefix(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := base
			for range i {
				p += "/x"
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, errs[i] = New(ctx, testCli, p)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, core.ErrInvalidArgument):
			t.Fatalf("unexpected error: %v", err)
		}
	}
	require.Equal(t, 1, won, "%v", errs)
}
