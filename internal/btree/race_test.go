package btree

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestReadersWhileEditing has readers walk, seek and get on published versions while one
// writer keeps changing an edit and publishing new versions from it. Run under -race: an edit
// that wrote to a node of a published Map would be a data race, and the readers also compare
// every version with the contents it had when published.
func TestReadersWhileEditing(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	h := newHarness()
	for _, k := range batchKeys(r, 3000, false) {
		if err := h.set(k); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu       sync.Mutex
		versions []snapshot
	)
	publish := func() {
		m := h.e.Map()
		h.sort()
		mu.Lock()
		versions = append(versions, snapshot{m, slices.Clone(h.keys), slices.Clone(h.vals)})
		mu.Unlock()
	}
	publish()

	done := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 0))
			for {
				select {
				case <-done:
					return
				default:
				}
				mu.Lock()
				s := versions[r.IntN(len(versions))]
				mu.Unlock()
				if err := s.verify(); err != nil {
					t.Error(err)
					return
				}
				lo := testKey(r.IntN(keySpace))
				if err := scan(mapRange{s.m}, s.keys, s.vals, lo, ""); err != nil {
					t.Error(err)
					return
				}
			}
		}(uint64(g))
	}

	for v := 0; v < 40; v++ {
		for _, k := range batchKeys(r, 200, v%2 == 0) {
			var err error
			if r.IntN(3) == 0 {
				err = h.del(k)
			} else {
				err = h.set(k)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		publish()
	}
	close(done)
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(time.Minute):
		t.Fatal("readers did not stop within a minute of the writer finishing")
	}
	for _, s := range versions {
		if err := s.verify(); err != nil {
			t.Fatal(err)
		}
	}
}
