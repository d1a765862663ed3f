package cleaner_test

import (
	"context"
	"testing"
	"time"

	"github.com/inmemdb/inmem/cleaner"
	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// expirerTarget is a store that offers Expire; FindExpired and
// RemoveExpired must then go unused.
type expirerTarget struct {
	cleaner.Target
	t     *testing.T
	calls []int
}

func (e *expirerTarget) FindExpired(time.Time, int) []core.Entry {
	e.t.Error("FindExpired called on a Target that offers Expire")
	return nil
}

func (e *expirerTarget) Expire(limit int) (core.Removal, error) {
	e.calls = append(e.calls, limit)
	return e.Target.(cleaner.Expirer).Expire(limit)
}

// TestPassUsesExpire: with a Target that removes expired values inside its
// own commit, a pass asks it in batches until a batch comes back short, and
// removes everything that expired.
func TestPassUsesExpire(t *testing.T) {
	s, clk := newStore()
	for i := range 25 {
		put(t, s, kv(i), "x", time.Second)
	}
	put(t, s, kv(99), "stays", 0)
	clk.Advance(time.Second)
	target := &expirerTarget{Target: s, t: t}
	rep, err := cleaner.New(target, cleaner.WithBatchSize(10)).RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 25, rep.Removed)
	require.Zero(t, rep.Skipped)
	require.Equal(t, 3, rep.Batches)
	require.Equal(t, []int{10, 10, 10}, target.calls)
	require.Len(t, rep.Versions, 3)
	require.Equal(t, 1, s.Stats().Keys)
}
