package proptest

import (
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// Each Run and RunStore below is one rapid.Check: -rapid.checks sequences
// (100 by default, a fifth under -short). Eleven of them make 1,100
// sequences per CI run (the eight Run ones are cheap; RunStore's checks
// after every step are not).

func TestRunModel(t *testing.T) {
	t.Run("no clock", func(t *testing.T) {
		Run(t, func() core.Storage { return NewModel(nil) })
	})
	t.Run("clock", func(t *testing.T) {
		c := core.NewManualClock(epoch)
		Run(t, func() core.Storage { return NewModel(c) }, WithClock(c))
	})
}

func TestRunMVCC(t *testing.T) {
	modes := []struct {
		name  string
		opts  []mvcc.Option
		clock bool
	}{
		{"default without clock", nil, false},
		{"default", nil, true},
		{"history 3", []mvcc.Option{mvcc.WithHistory(3)}, true},
		{"history 0", []mvcc.Option{mvcc.WithHistory(0)}, true},
		{"history 3 without clock", []mvcc.Option{mvcc.WithHistory(3)}, false},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			if !mode.clock {
				Run(t, func() core.Storage { return mvcc.New(mode.opts...) })
				return
			}
			c := core.NewManualClock(epoch)
			opts := append([]mvcc.Option{mvcc.WithClock(c)}, mode.opts...)
			Run(t, func() core.Storage { return mvcc.New(opts...) }, WithClock(c))
		})
	}
}

func TestRunStore(t *testing.T) {
	modes := []struct {
		name string
		opts []mvcc.Option
	}{
		{"default", nil},
		{"history 3", []mvcc.Option{mvcc.WithHistory(3)}},
		{"history 0", []mvcc.Option{mvcc.WithHistory(0)}},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			RunStore(t, func(c core.Clock) *mvcc.Store {
				return mvcc.New(append([]mvcc.Option{mvcc.WithClock(c)}, mode.opts...)...)
			})
		})
	}
}
