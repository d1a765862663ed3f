package btree

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"
)

// keySpace is the number of distinct test keys; batches of up to maxBatch keys grow trees of
// height 3 (a height-2 tree holds at most leafMax*innerMax entries).
const (
	keySpace = 3000
	maxBatch = 700
)

// rounds returns how many times 100 rapid sequences a model test runs (rapid's default is
// 100 per Check): 10 in a plain go test, 2 under -race (see raceEnabled).
func rounds() int {
	if raceEnabled {
		return 2
	}
	return 10
}

// TestModel runs random Set/Delete/Get/seek/scan/publish/branch sequences against a sorted
// slice model, checking the tree's invariants after every step and every kept published
// version after every publish.
func TestModel(t *testing.T) {
	for r := range rounds() {
		t.Run(fmt.Sprint(r), rapid.MakeCheck(func(t *rapid.T) { runModel(t) }))
	}
}

func runModel(t *rapid.T) {
	h := newHarness()
	key := rapid.Map(rapid.IntRange(-1, keySpace), testKey)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Repeat(map[string]func(*rapid.T){
		"": func(t *rapid.T) { must(h.invariants()) },
		"set": func(t *rapid.T) {
			must(h.set(key.Draw(t, "key")))
		},
		"setBatch": func(t *rapid.T) {
			for _, k := range batch(t) {
				must(h.set(k))
			}
		},
		"delete": func(t *rapid.T) {
			k := key.Draw(t, "key")
			h.sort()
			if len(h.keys) > 0 && rapid.Bool().Draw(t, "present") {
				k = h.keys[rapid.IntRange(0, len(h.keys)-1).Draw(t, "i")]
			}
			must(h.del(k))
		},
		"deleteBatch": func(t *rapid.T) {
			h.sort()
			if len(h.keys) == 0 {
				t.Skip("empty")
			}
			// Delete a run of present keys, or keys from the whole key space.
			if rapid.Bool().Draw(t, "run") {
				i := rapid.IntRange(0, len(h.keys)-1).Draw(t, "from")
				n := rapid.IntRange(1, len(h.keys)-i).Draw(t, "n")
				for _, k := range append([]string(nil), h.keys[i:i+n]...) {
					must(h.del(k))
				}
				return
			}
			for _, k := range batch(t) {
				must(h.del(k))
			}
		},
		"get": func(t *rapid.T) { must(h.get(key.Draw(t, "key"))) },
		"seek": func(t *rapid.T) {
			must(h.seek(h.e.Cursor(), key.Draw(t, "key"), rapid.IntRange(0, 40).Draw(t, "steps")))
		},
		"scan": func(t *rapid.T) {
			lo, hi := key.Draw(t, "lo"), key.Draw(t, "hi")
			must(h.scan(lo, hi))
		},
		"publish": func(t *rapid.T) { must(h.publish()) },
		"verifyOld": func(t *rapid.T) {
			if len(h.versions) == 0 {
				t.Skip("nothing published")
			}
			s := h.versions[rapid.IntRange(0, len(h.versions)-1).Draw(t, "version")]
			must(s.verify())
			k := key.Draw(t, "key")
			must(scan(mapRange{s.m}, s.keys, s.vals, k, ""))
			must(scan(mapRange{s.m}, s.keys, s.vals, "", k))
		},
		"branch": func(t *rapid.T) {
			if len(h.versions) == 0 {
				t.Skip("nothing published")
			}
			h.branch(rapid.IntRange(0, len(h.versions)-1).Draw(t, "version"))
		},
	})
	must(h.verifyAll())
}

// batch draws a set of keys: a contiguous run of the key space or random keys, from a seed
// (drawing each key through rapid would be slow for big batches).
func batch(t *rapid.T) []string {
	n := rapid.IntRange(1, maxBatch).Draw(t, "n")
	seed := rapid.Uint64().Draw(t, "seed")
	return batchKeys(rand.New(rand.NewPCG(seed, 0)), n, rapid.Bool().Draw(t, "contiguous"))
}

func batchKeys(r *rand.Rand, n int, contiguous bool) []string {
	ks := make([]string, n)
	start := r.IntN(keySpace)
	for i := range ks {
		if contiguous {
			ks[i] = testKey((start + i) % keySpace)
		} else {
			ks[i] = testKey(r.IntN(keySpace))
		}
	}
	return ks
}
