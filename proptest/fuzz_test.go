package proptest

import (
	"math/rand/v2"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

// fuzzModes are the store configurations FuzzReplay picks from with the
// input's first byte.
var fuzzModes = [][]mvcc.Option{
	nil,
	{mvcc.WithHistory(3)},
	{mvcc.WithHistory(0)},
}

// FuzzReplay decodes arbitrary bytes as an operation sequence (the first
// byte picks the store's configuration, each later byte one choice) and runs
// it against an mvcc.Store and the Model, comparing every answer and
// checking every invariant after each step.
func FuzzReplay(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 16 {
		b := make([]byte, 32+i*24)
		for j := range b {
			b[j] = byte(rng.UintN(256))
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := fuzzModes[0]
		if len(data) > 0 {
			opts, data = fuzzModes[int(data[0])%len(fuzzModes)], data[1:]
		}
		Replay(t, data, func(c core.Clock) *mvcc.Store {
			return mvcc.New(append([]mvcc.Option{mvcc.WithClock(c)}, opts...)...)
		})
	})
}
