package indices

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// checkWindow asserts that h holds exactly versions [lo, hi], each with the
// value val(version), and nothing around them.
func checkWindow(t testing.TB, h History[uint64], lo, hi uint64, val func(uint64) uint64) {
	t.Helper()
	require.Equal(t, int(hi-lo+1), h.Len())
	oldest, ok := h.Oldest()
	require.True(t, ok)
	require.Equal(t, lo, oldest)
	for v := lo; v <= hi; v++ {
		got, ok := h.Get(v)
		require.True(t, ok, "version %d", v)
		require.Equal(t, val(v), got, "version %d", v)
	}
	for _, v := range []uint64{0, lo - 1, hi + 1, hi + 32, hi + 1000} {
		if v >= lo && v <= hi {
			continue
		}
		_, ok := h.Get(v)
		require.False(t, ok, "version %d outside [%d, %d]", v, lo, hi)
	}
}

func double(v uint64) uint64 { return 2*v + 1 }

func TestHistoryZeroIsEmpty(t *testing.T) {
	var h History[uint64]
	require.Equal(t, 0, h.Len())
	_, ok := h.Oldest()
	require.False(t, ok)
	_, ok = h.Get(0)
	require.False(t, ok)
}

// TestHistoryWindows pushes versions through windows below, at and above the
// chunk size, starting at a chunk boundary and in the middle of a chunk.
func TestHistoryWindows(t *testing.T) {
	for _, limit := range []int{1, 2, 31, 32, 33, 64, 65, 1000} {
		for _, start := range []uint64{0, 1, 5, 31, 32, 33, 1000, 1 << 40} {
			var h History[uint64]
			last := start + 3*1000 + 17
			for v := start; v <= last; v++ {
				h = h.Push(v, double(v), limit)
				lo := start
				if v-start+1 > uint64(limit) {
					lo = v - uint64(limit) + 1
				}
				require.Equal(t, int(v-lo+1), h.Len(), "limit %d start %d at %d", limit, start, v)
				if v%97 == 0 || v == last || v-start < 70 {
					checkWindow(t, h, lo, v, double)
				}
			}
		}
	}
}

func TestHistoryLimitBelowOneKeepsOne(t *testing.T) {
	var h History[uint64]
	for v := uint64(1); v <= 40; v++ {
		h = h.Push(v, double(v), 0)
	}
	checkWindow(t, h, 40, 40, double)
	h = h.Push(41, double(41), -5)
	checkWindow(t, h, 41, 41, double)
}

// TestHistoryGapRestarts checks that a push that does not follow the newest
// version starts a new window at it.
func TestHistoryGapRestarts(t *testing.T) {
	var h History[uint64]
	for v := uint64(1); v <= 100; v++ {
		h = h.Push(v, double(v), 50)
	}
	h = h.Push(200, double(200), 50)
	checkWindow(t, h, 200, 200, double)
	h = h.Push(100, double(100), 50) // backwards is a gap too
	checkWindow(t, h, 100, 100, double)
	h = h.Push(101, double(101), 50)
	checkWindow(t, h, 100, 101, double)
}

// TestHistoryShrinkingLimit checks that a smaller limit trims the window.
func TestHistoryShrinkingLimit(t *testing.T) {
	var h History[uint64]
	for v := uint64(1); v <= 200; v++ {
		h = h.Push(v, double(v), 1000)
	}
	h = h.Push(201, double(201), 10)
	checkWindow(t, h, 192, 201, double)
}

// TestHistoryIsPersistent keeps every History pushed and checks each still
// reads as it did.
func TestHistoryIsPersistent(t *testing.T) {
	const limit = 40
	var hs []History[uint64]
	var h History[uint64]
	for v := uint64(3); v <= 300; v++ {
		h = h.Push(v, double(v), limit)
		hs = append(hs, h)
	}
	for i, h := range hs {
		hi := uint64(i) + 3
		lo := uint64(3)
		if hi >= 3+limit {
			lo = hi + 1 - limit
		}
		checkWindow(t, h, lo, hi, double)
	}
	// Two pushes onto one History do not disturb each other.
	base := hs[100]
	a := base.Push(104, 1, limit)
	b := base.Push(104, 2, limit)
	va, _ := a.Get(104)
	vb, _ := b.Get(104)
	require.Equal(t, uint64(1), va)
	require.Equal(t, uint64(2), vb)
	_, ok := base.Get(104)
	require.False(t, ok)
}

// TestHistoryMatchesModel compares a History with a map of the last limit
// pushes, through random limits, starts, gaps and lengths; every History
// built along the way must still read as its model said.
func TestHistoryMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		limit := rapid.SampledFrom([]int{1, 2, 3, 31, 32, 33, 63, 64, 65, 100, 1000}).Draw(t, "limit")
		v := rapid.Uint64Range(0, 200).Draw(t, "start")
		type saved struct {
			h      History[int]
			model  map[uint64]int
			lo, hi uint64
		}
		var h History[int]
		model := map[uint64]int{}
		var lo uint64
		var all []saved
		n := rapid.IntRange(1, 400).Draw(t, "pushes")
		for i := range n {
			if i > 0 {
				v++
				if rapid.IntRange(0, 99).Draw(t, "gap") == 0 {
					v += rapid.Uint64Range(1, 40).Draw(t, "gapLen")
					model = map[uint64]int{}
					lo = v
				}
			} else {
				lo = v
			}
			h = h.Push(v, i, limit)
			model[v] = i
			for v-lo+1 > uint64(limit) {
				delete(model, lo)
				lo++
			}
			if rapid.IntRange(0, 9).Draw(t, "save") == 0 || i == n-1 {
				m := make(map[uint64]int, len(model))
				for k, x := range model {
					m[k] = x
				}
				all = append(all, saved{h, m, lo, v})
			}
		}
		for _, s := range all {
			if s.h.Len() != len(s.model) {
				t.Fatalf("Len %d, want %d", s.h.Len(), len(s.model))
			}
			if oldest, ok := s.h.Oldest(); !ok || oldest != s.lo {
				t.Fatalf("Oldest %d %v, want %d", oldest, ok, s.lo)
			}
			from := s.lo - min(s.lo, 70)
			for q := from; q <= s.hi+70; q++ {
				got, ok := s.h.Get(q)
				want, wok := s.model[q]
				if ok != wok || got != want {
					t.Fatalf("window [%d,%d] limit %d: Get(%d) = %d %v, want %d %v", s.lo, s.hi, limit, q, got, ok, want, wok)
				}
			}
		}
	})
}

// TestHistoryConcurrentPushes pushes onto one History from several
// goroutines at once, the way competing lock-free writers do: each gets a
// History with its own value in the new version and the shared past intact,
// and the base is unchanged. A slot claim that is not one atomic step (a
// load, then a store) lets two pushes take the same slot, and then one reads
// the other's value; its window is a few instructions wide, so the pushers
// (one per processor, spinning, so all are running) meet at a barrier before
// every round and push at the same instant, thousands of times.
func TestHistoryConcurrentPushes(t *testing.T) {
	rounds := 8_000
	if testing.Short() {
		rounds = 4_000
	}
	if raceEnabled {
		rounds /= 40 // the race detector makes each round far slower
	}
	pushers := max(2, runtime.GOMAXPROCS(0))
	for _, limit := range []int{4, 40, 1000} {
		var base History[uint64]
		for v := uint64(1); v <= 70; v++ {
			base = base.Push(v, double(v), limit)
		}
		lo := uint64(1)
		if 70 > limit {
			lo = uint64(70 - limit + 1)
		}
		// Each round pushes onto a fresh tail whose next slot is free.
		heads := make([]History[uint64], rounds)
		for r := range heads {
			heads[r] = base.Push(71, 71, limit)
		}
		results := make([][2]History[uint64], rounds*pushers)
		var arrived atomic.Int64
		var wg sync.WaitGroup
		wg.Add(pushers)
		for g := range pushers {
			go func() {
				defer wg.Done()
				for r := range rounds {
					barrier(&arrived, int64(pushers*(r+1)))
					h := heads[r].Push(72, 1000+uint64(g), limit)
					results[r*pushers+g] = [2]History[uint64]{h, h.Push(73, 2000+uint64(g), limit)}
				}
			}()
		}
		waitWithin(t, &wg, "the pushers to finish their rounds")
		for i, hs := range results {
			r, g := i/pushers, uint64(i%pushers)
			v72, ok72 := hs[0].Get(72)
			w72, okw72 := hs[1].Get(72)
			v73, ok73 := hs[1].Get(73)
			if !ok72 || !okw72 || !ok73 || v72 != 1000+g || w72 != 1000+g || v73 != 2000+g {
				t.Fatalf("limit %d round %d pusher %d: 72 -> %d, %d, 73 -> %d; want %d, %d: two pushes took one slot",
					limit, r, g, v72, w72, v73, 1000+g, 2000+g)
			}
			if r%1000 == 0 {
				for v := max(lo, 73-uint64(limit)+1); v <= 70; v++ {
					got, ok := hs[1].Get(v)
					require.True(t, ok, "limit %d pusher %d version %d", limit, g, v)
					require.Equal(t, double(v), got)
				}
			}
		}
		checkWindow(t, base, lo, 70, double)
	}
}

// barrier counts one arrival and spins until n have arrived: spinning, not
// parking, so the goroutines leave it within nanoseconds of each other (it
// yields now and then, so an oversubscribed machine still gets through).
func barrier(arrived *atomic.Int64, n int64) {
	arrived.Add(1)
	for i := 0; arrived.Load() < n; i++ {
		if i%1024 == 1023 {
			runtime.Gosched()
		}
	}
}

// waitWithin waits for wg, failing t after a deadline that names what it
// waited for.
func waitWithin(t *testing.T, wg *sync.WaitGroup, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("waited a minute for %s", what)
	}
}

// TestHistoryPushOntoOlderVersion pushes again onto a History whose next
// slot a later push already took: the second push must not see or disturb
// the first one's value.
func TestHistoryPushOntoOlderVersion(t *testing.T) {
	var h History[uint64]
	for v := uint64(0); v < 10; v++ {
		h = h.Push(v, double(v), 100)
	}
	a := h.Push(10, 1, 100)
	b := h.Push(10, 2, 100)
	a2 := a.Push(11, 3, 100)
	b2 := b.Push(11, 4, 100)
	for _, c := range []struct {
		h      History[uint64]
		v10    uint64
		v11    uint64
		has11  bool
		prefix string
	}{{a, 1, 0, false, "a"}, {b, 2, 0, false, "b"}, {a2, 1, 3, true, "a2"}, {b2, 2, 4, true, "b2"}} {
		got, ok := c.h.Get(10)
		require.True(t, ok, c.prefix)
		require.Equal(t, c.v10, got, c.prefix)
		got, ok = c.h.Get(11)
		require.Equal(t, c.has11, ok, c.prefix)
		require.Equal(t, c.v11, got, c.prefix)
	}
	checkWindow(t, h, 0, 9, double)
}

// TestHistoryOfOneAllocatesNoChunk: a window of one version keeps its value
// in the History itself; the next push moves it into a chunk, at any slot,
// and two pushes onto the same one-version History stay apart.
func TestHistoryOfOneAllocatesNoChunk(t *testing.T) {
	for _, start := range []uint64{0, 5, 30, 31, 32, 1<<40 - 1} {
		var h History[int]
		h = h.Push(start, 1, 10)
		if h.tail != nil {
			t.Fatalf("start %d: a chunk for one version", start)
		}
		if v, ok := h.Get(start); !ok || v != 1 {
			t.Fatalf("start %d: Get = %d, %v", start, v, ok)
		}
		a := h.Push(start+1, 2, 10)
		b := h.Push(start+1, 3, 1)
		for _, c := range []struct {
			h       History[int]
			first   bool
			next, n int
		}{{a, true, 2, 2}, {b, false, 3, 1}} {
			if c.h.Len() != c.n {
				t.Fatalf("start %d: Len %d, want %d", start, c.h.Len(), c.n)
			}
			if v, ok := c.h.Get(start); ok != c.first || ok && v != 1 {
				t.Fatalf("start %d: Get(start) = %d, %v", start, v, ok)
			}
			if v, ok := c.h.Get(start + 1); !ok || v != c.next {
				t.Fatalf("start %d: Get(start+1) = %d, %v, want %d", start, v, ok, c.next)
			}
		}
		if v, _ := h.Get(start); v != 1 {
			t.Fatalf("start %d: the one-version History changed", start)
		}
	}
}
