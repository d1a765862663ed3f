package mvcc

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/hnsw"
	"github.com/inmemdb/inmem/internal/vecdata"
	"github.com/stretchr/testify/require"
)

var vxMetrics = []core.Metric{core.Cosine, core.DotProduct, core.Euclidean}

// vxBrute is the search the model makes: every live vector of the query's
// length under p, scored by the same kernels, sorted by score then key.
func vxBrute(t testing.TB, sn *Snapshot, p core.Prefix, query []float32, k int, m core.Metric, minScore *float32) []Hit {
	t.Helper()
	q, err := core.NewVectorQuery(m, query)
	require.NoError(t, err)
	var all []Hit
	for key, vv := range sn.Scan(p) {
		s, ok := q.Score(vv.Value)
		if !ok || (minScore != nil && s < *minScore) {
			continue
		}
		all = append(all, Hit{Key: key, Value: vv, Score: s})
	}
	slices.SortFunc(all, func(a, b Hit) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return a.Key.Compare(b.Key)
	})
	return all[:min(k, len(all))]
}

func vxRequireHits(t testing.TB, want, got []Hit, what string) {
	t.Helper()
	require.Equal(t, len(want), len(got), what)
	for i := range want {
		require.True(t, want[i].Key.Equal(got[i].Key) && fxEqualVV(want[i].Value, got[i].Value) && want[i].Score == got[i].Score,
			"hit %d: want %v %v %v, got %v %v %v; %s", i, want[i].Key, want[i].Value, want[i].Score, got[i].Key, got[i].Value, got[i].Score, what)
	}
}

// vxRequireValidHits fails unless every hit is the snapshot's live value of
// its key, under p, scored right, best first.
func vxRequireValidHits(t testing.TB, sn *Snapshot, p core.Prefix, q *core.VectorQuery, hits []Hit) {
	t.Helper()
	for i, h := range hits {
		require.True(t, p.Match(h.Key), "hit %v outside %v", h.Key, p)
		got, err := sn.Get(h.Key)
		require.NoError(t, err, "hit %v is not live in the snapshot at %d", h.Key, sn.Version())
		fxRequireVV(t, got, h.Value, "hit %v is the snapshot's value", h.Key)
		s, ok := q.Score(h.Value.Value)
		require.True(t, ok)
		require.Equal(t, s, h.Score)
		if i > 0 {
			require.GreaterOrEqual(t, hits[i-1].Score, h.Score)
		}
	}
}

// vxCheckIndexes fails unless each index of st holds exactly the indexable
// vectors the data holds under its scope, with their values and deadlines.
func vxCheckIndexes(t testing.TB, st *state) {
	t.Helper()
	require.NoError(t, vxIndexError(st))
}

// vxIndexError is what vxCheckIndexes checks, as an error.
func vxIndexError(st *state) error {
	for _, vi := range st.vecs {
		type e struct {
			v  core.Value
			dl hnsw.Deadline
		}
		inIndex := map[string]e{}
		vi.g.Range("", func(key string, v core.Value, dl hnsw.Deadline) bool {
			inIndex[key] = e{v, dl}
			return true
		})
		n := 0
		var err error
		st.rangeRecords(vi.spec.within, func(enc string, r *stored) bool {
			if !vi.spec.indexable(r.val) {
				return true
			}
			n++
			got, ok := inIndex[enc]
			switch {
			case !ok:
				err = fmt.Errorf("index of %v lacks %v at version %d", vi.spec.cfg.Within, keyOf(enc), st.version)
			case !got.v.Equal(r.val):
				err = fmt.Errorf("index of %v holds another vector for %v", vi.spec.cfg.Within, keyOf(enc))
			case got.dl != deadlineOf(r):
				err = fmt.Errorf("index of %v holds another deadline for %v", vi.spec.cfg.Within, keyOf(enc))
			}
			return err == nil
		})
		if err != nil {
			return err
		}
		if n != len(inIndex) || n != vi.g.Len() {
			return fmt.Errorf("index of %v holds %d vectors (%d counted), the data %d, at version %d", vi.spec.cfg.Within, len(inIndex), vi.g.Len(), n, st.version)
		}
	}
	return nil
}

// vxWorld drives random vector writes on a store: puts (new, overwrite,
// with a TTL), non-vector values, vectors of another length outside the
// index, deletes, touches, prefix deletes, and clock steps.
type vxWorld struct {
	s     *Store
	clk   *core.ManualClock
	r     *rand.Rand
	pool  [][]float32
	nss   []core.Namespace
	other core.Namespace // outside the index's scope
}

func newVXWorld(t testing.TB, seed uint64, dims int, opts ...Option) *vxWorld {
	s, clk := fxStore(opts...)
	spec := vecdata.Spec{Seed: seed, Dims: dims, Clusters: 6, Spread: 0.3}
	return &vxWorld{
		s: s, clk: clk, r: rand.New(rand.NewPCG(seed, 1)), pool: spec.Vectors(300),
		nss:   []core.Namespace{fxNS("t", "a1", 1), fxNS("t", "a1", 2), fxNS("t", "a2", 1), fxNS("t", "a3", 9)},
		other: fxNS("u", "a1", 1),
	}
}

func (w *vxWorld) step(t testing.TB) {
	t.Helper()
	ns := w.nss[w.r.IntN(len(w.nss))]
	key := core.VectorKey(ns, fmt.Sprintf("m%02d", w.r.IntN(25)))
	ttl := time.Duration(0)
	if w.r.IntN(4) == 0 {
		ttl = time.Duration(1+w.r.IntN(5)) * time.Second
	}
	var err error
	switch x := w.r.IntN(20); {
	case x < 10:
		_, err = w.s.Put(key, core.VectorValue(w.pool[w.r.IntN(len(w.pool))]), ttl)
	case x < 11:
		_, err = w.s.Put(core.KVKey(ns, "note"), core.StringValue("not a vector"), ttl)
	case x < 12: // outside the index: a vector of another length, and one of the index's
		_, err = w.s.Put(core.VectorKey(w.other, "short"), core.VectorValue([]float32{1, 2}), 0)
		if err == nil {
			_, err = w.s.Put(core.VectorKey(w.other, fmt.Sprint("o", w.r.IntN(5))), core.VectorValue(w.pool[w.r.IntN(len(w.pool))]), 0)
		}
	case x < 13:
		_, err = w.s.Put(key, core.StringValue("a vector key holding a string"), ttl)
	case x < 16:
		_, err = w.s.Delete(key)
	case x < 17:
		_, err = w.s.Touch(key, ttl)
	case x < 18:
		_, _, err = w.s.DeletePrefix(core.NamespacePrefix(ns))
	case x < 19:
		_, err = w.s.Update(func(tx *Txn) error {
			for range 3 {
				k := core.VectorKey(ns, fmt.Sprintf("m%02d", w.r.IntN(25)))
				if err := tx.Put(k, core.VectorValue(w.pool[w.r.IntN(len(w.pool))]), 0); err != nil {
					return err
				}
			}
			return nil
		})
	default:
		w.clk.Advance(time.Duration(w.r.IntN(1500)) * time.Millisecond)
		_, err = w.s.Expire(w.r.IntN(3))
	}
	if err != nil && !errors.Is(err, core.ErrNotFound) {
		require.NoError(t, err)
	}
}

func (w *vxWorld) scopes() []core.Prefix {
	ns := w.nss[w.r.IntN(len(w.nss))]
	return []core.Prefix{
		core.AllKeys(), core.TenantPrefix("t"), core.AgentPrefix("t", "app", "a1"), core.NamespacePrefix(ns),
		core.KeyPrefix(core.NewKey(ns, core.TypeVector, nil)), core.TenantPrefix("u"),
	}
}

// TestSearchExactIsBruteForce checks exact search (no index) against the
// model's brute force, for every metric, at every scope, with expiry,
// overwrites, deletes, vectors of other lengths and non-vector values.
func TestSearchExactIsBruteForce(t *testing.T) {
	for _, m := range vxMetrics {
		t.Run(m.String(), func(t *testing.T) {
			w := newVXWorld(t, uint64(m), 8)
			for i := range 300 {
				w.step(t)
				if i%10 != 0 {
					continue
				}
				sn := w.s.Snapshot()
				for _, p := range w.scopes() {
					q := w.pool[w.r.IntN(len(w.pool))]
					k := 1 + w.r.IntN(12)
					got, err := sn.Search(p, q, k, Similarity(m))
					require.NoError(t, err)
					vxRequireHits(t, vxBrute(t, sn, p, q, k, m, nil), got, fmt.Sprintf("search %v at %d", p, sn.Version()))
					floor := float32(w.r.NormFloat64() * 0.3)
					got, err = sn.Search(p, q, k, Similarity(m), MinScore(floor))
					require.NoError(t, err)
					vxRequireHits(t, vxBrute(t, sn, p, q, k, m, &floor), got, fmt.Sprintf("search %v above %v", p, floor))
				}
			}
		})
	}
}

// TestSearchIndexedModel runs the same writes on a store with an index over
// tenant t: after each step the index holds exactly the data's vectors (at
// the current version and at every retained one), every hit of an indexed
// search is the snapshot's live value, Exact() equals brute force, a search
// in a narrow scope (scanned through the index) equals brute force, and old
// snapshots keep answering as of their version.
func TestSearchIndexedModel(t *testing.T) {
	for _, m := range vxMetrics {
		t.Run(m.String(), func(t *testing.T) {
			w := newVXWorld(t, 10+uint64(m), 8, WithVectorIndex(VectorIndex{Within: core.TenantPrefix("t"), Dims: 8, Metric: m, M: 4, EfConstruction: 16}))
			type kept struct {
				sn    *Snapshot
				p     core.Prefix
				query []float32
				hits  []Hit
			}
			var olds []kept
			for i := range 300 {
				w.step(t)
				vxCheckIndexes(t, w.s.root.Load().cur)
				if i%10 != 0 {
					continue
				}
				sn := w.s.Snapshot()
				for _, p := range w.scopes() {
					query := w.pool[w.r.IntN(len(w.pool))]
					q, _ := core.NewVectorQuery(m, query)
					hits, err := sn.Search(p, query, 5, Similarity(m))
					require.NoError(t, err)
					vxRequireValidHits(t, sn, p, &q, hits)
					want := vxBrute(t, sn, p, query, 5, m, nil)
					if enc, within := p.AppendEncode(nil), core.TenantPrefix("t").AppendEncode(nil); !bytes.HasPrefix(enc, within) {
						// The index does not cover p (it is wider, or elsewhere): exact.
						vxRequireHits(t, want, hits, fmt.Sprintf("search %v outside the index", p))
					}
					exact, err := sn.Search(p, query, 5, Exact(), Similarity(m))
					require.NoError(t, err)
					vxRequireHits(t, want, exact, fmt.Sprintf("Exact() under %v", p))
					if sn.st.indexFor(string(p.AppendEncode(nil)), 8, 0) != nil {
						// Under the index its metric is the default.
						dflt, err := sn.Search(p, query, 5)
						require.NoError(t, err)
						vxRequireHits(t, hits, dflt, "the index's metric is the default")
					}
					olds = append(olds, kept{sn, p, query, hits})
				}
			}
			// Old snapshots answer as they did: later writes never reach
			// the graphs they hold.
			for _, o := range olds {
				hits, err := o.sn.Search(o.p, o.query, 5, Similarity(m))
				require.NoError(t, err)
				vxRequireHits(t, o.hits, hits, fmt.Sprintf("snapshot %d again", o.sn.Version()))
				vxCheckIndexes(t, o.sn.st)
			}
			// Versions retained in the window rewind to exactly their indexes.
			cur := w.s.CurrentVersion()
			for v := cur - 20; v <= cur; v++ {
				st, ok := w.s.root.Load().at(v)
				require.True(t, ok)
				vxCheckIndexes(t, st)
			}
		})
	}
}

// TestSearchBadInput: every bad argument is refused with its sentinel.
func TestSearchBadInput(t *testing.T) {
	s, _ := fxStore(WithVectorIndex(VectorIndex{Within: core.AllKeys(), Dims: 2}))
	q := []float32{1, 0}
	for name, c := range map[string]struct {
		p    core.Prefix
		q    []float32
		k    int
		opts []SearchOption
		want error
	}{
		"k 0":          {core.AllKeys(), q, 0, nil, core.ErrInvalidArgument},
		"k < 0":        {core.AllKeys(), q, -3, nil, core.ErrInvalidArgument},
		"empty query":  {core.AllKeys(), nil, 1, nil, core.ErrInvalidArgument},
		"NaN query":    {core.AllKeys(), []float32{float32(math.NaN()), 1}, 1, nil, core.ErrInvalidArgument},
		"Inf query":    {core.AllKeys(), []float32{1, float32(math.Inf(1))}, 1, nil, core.ErrInvalidArgument},
		"bad metric":   {core.AllKeys(), q, 1, []SearchOption{Similarity(9)}, core.ErrInvalidArgument},
		"NaN floor":    {core.AllKeys(), q, 1, []SearchOption{MinScore(float32(math.NaN()))}, core.ErrInvalidArgument},
		"bad prefix":   {core.KeyPrefix(core.Key{Type: 99}), q, 1, nil, core.ErrInvalidKey},
		"exact k 0":    {core.AllKeys(), q, 0, []SearchOption{Exact()}, core.ErrInvalidArgument},
		"exact NaN":    {core.AllKeys(), []float32{float32(math.NaN())}, 1, []SearchOption{Exact()}, core.ErrInvalidArgument},
		"3-dim NaN":    {core.TenantPrefix("x"), []float32{0, 0, float32(math.NaN())}, 1, nil, core.ErrInvalidArgument},
		"nil opt okay": {core.AllKeys(), q, 1, []SearchOption{nil}, nil},
	} {
		_, err := s.Search(c.p, c.q, c.k, c.opts...)
		if c.want == nil {
			require.NoError(t, err, name)
			continue
		}
		require.ErrorIs(t, err, c.want, name)
		_, err = s.Snapshot().Search(c.p, c.q, c.k, c.opts...)
		require.ErrorIs(t, err, c.want, name)
	}
	// A huge k is fine: it returns what there is.
	_, err := s.Put(core.VectorKey(fxNS("t", "a", 1), "x"), core.VectorValue(q), 0)
	require.NoError(t, err)
	for _, opts := range [][]SearchOption{nil, {Exact()}} {
		hits, err := s.Search(core.AllKeys(), q, math.MaxInt, opts...)
		require.NoError(t, err)
		require.Len(t, hits, 1)
	}
	// The zero and the nil snapshot search an empty store.
	var zero Snapshot
	hits, err := zero.Search(core.AllKeys(), q, 3)
	require.NoError(t, err)
	require.Empty(t, hits)
	hits, err = (*Snapshot)(nil).Search(core.AllKeys(), q, 3)
	require.NoError(t, err)
	require.Empty(t, hits)
}

// TestVectorIndexRefusesOtherLengths: under an index every way of storing a
// caller's vector refuses another length, or a NaN or an infinity, with
// ErrInvalidValue and changes nothing; outside it any vector goes.
func TestVectorIndexRefusesOtherLengths(t *testing.T) {
	in, out := fxNS("t", "a", 1), fxNS("u", "a", 1)
	s, _ := fxStore(WithVectorIndex(VectorIndex{Within: core.TenantPrefix("t"), Dims: 3}))
	good := core.VectorValue([]float32{1, 2, 3})
	for name, bad := range map[string]core.Value{
		"short": core.VectorValue([]float32{1, 2}),
		"long":  core.VectorValue([]float32{1, 2, 3, 4}),
		"empty": core.VectorValue(nil),
		"NaN":   core.VectorValue([]float32{1, float32(math.NaN()), 3}),
		"Inf":   core.VectorValue([]float32{1, 2, float32(math.Inf(-1))}),
	} {
		before := s.CurrentVersion()
		k := core.VectorKey(in, "v")
		_, err := s.Put(k, bad, 0)
		require.ErrorIs(t, err, core.ErrInvalidValue, "Put %s", name)
		_, err = s.CompareAndSwap(k, 0, bad, 0)
		require.ErrorIs(t, err, core.ErrInvalidValue, "CompareAndSwap %s", name)
		_, _, err = s.Append(in, bad, 0)
		require.ErrorIs(t, err, core.ErrInvalidValue, "Append %s", name)
		tx := s.Begin()
		require.ErrorIs(t, tx.Put(k, bad, 0), core.ErrInvalidValue, "Txn.Put %s", name)
		_, err = tx.Append(in, bad, 0)
		require.ErrorIs(t, err, core.ErrInvalidValue, "Txn.Append %s", name)
		tx.Discard()
		require.Equal(t, before, s.CurrentVersion(), "%s changed nothing", name)

		_, err = s.Put(core.VectorKey(out, name), bad, 0)
		require.NoError(t, err, "outside the index a %s vector is fine", name)
	}
	_, err := s.Put(core.VectorKey(in, "v"), good, 0)
	require.NoError(t, err)
	_, err = s.Put(core.KVKey(in, "note"), core.StringValue("not a vector: fine"), 0)
	require.NoError(t, err)
}

// TestSearchSnapshotAtAndRewind: a search at SnapshotAt(v) sees exactly
// version v's vectors, for versions that are a group's last and for
// versions inside a group (rewound from the group's records).
func TestSearchSnapshotAtAndRewind(t *testing.T) {
	ns := fxNS("t", "a", 1)
	s, clk := fxStore(WithVectorIndex(VectorIndex{Within: core.AllKeys(), Dims: 2, Metric: core.Euclidean}))
	// One group of five versions, built the way the commit leader builds
	// it: one draft, one publish.
	vecs := [][]float32{{0, 0}, {1, 0}, {2, 0}, {3, 0}}
	cur := s.root.Load()
	d := newDraft(cur.cur, clk.Now())
	for i, v := range vecs {
		enc := encodeKey(core.VectorKey(ns, fmt.Sprint(i)))
		_, err := d.apply(func(d *draft) error { d.put(enc, core.VectorValue(v), 0); return nil })
		require.NoError(t, err)
	}
	_, err := d.apply(func(d *draft) error { d.remove(encodeKey(core.VectorKey(ns, "0")), core.ChangeDelete); return nil })
	require.NoError(t, err)
	s.publish(cur, d)
	require.Equal(t, uint64(5), s.CurrentVersion())

	for v := uint64(1); v <= 5; v++ {
		sn, err := s.SnapshotAt(v)
		require.NoError(t, err)
		vxCheckIndexes(t, sn.st)
		hits, err := sn.Search(core.AllKeys(), []float32{0, 0}, 10)
		require.NoError(t, err)
		var names []string
		for _, h := range hits {
			names = append(names, string(h.Key.UserKey))
		}
		want := []string{"0", "1", "2", "3"}[:min(v, 4)]
		if v == 5 {
			want = []string{"1", "2", "3"}
		}
		require.Equal(t, want, names, "version %d", v)
	}
}
