// Command recall shows an agent recalling its notes by meaning: each note is
// stored with an embedding, and a question finds the notes closest to it
// through the store's vector index, even when they share no word with it.
// It also shows what the index keeps exact: a snapshot recalls what it held
// when it was taken, a forgotten note is never recalled again, a note with a
// TTL stops being recalled when it expires, a search in one agent's scope sees
// only that agent's notes, and a vector of the wrong length is refused.
//
// The embedding is a toy made here (no model download): words map to a
// handful of concepts, and a text's vector is the normalized sum of its
// concepts' directions. A real agent calls an embedding model instead. The
// store runs on a manual clock, so the output is the same on every run.
//
//	go run ./examples/recall
package main

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "recall:", err)
		os.Exit(1)
	}
}

// dims is the length of the toy embeddings.
const dims = 64

// concepts maps words to what they are about: the toy model's knowledge.
var concepts = map[string]string{
	"card": "billing", "payment": "billing", "billing": "billing", "invoice": "billing", "charged": "billing", "refund": "billing", "paid": "billing",
	"password": "access", "login": "access", "sign": "access", "locked": "access", "account": "access", "2fa": "access",
	"slow": "speed", "timeout": "speed", "latency": "speed", "hangs": "speed", "loading": "speed",
	"expired": "expiry", "expiry": "expiry", "renew": "expiry", "renewal": "expiry",
	"customer": "people", "user": "people", "client": "people",
	"angry": "mood", "frustrated": "mood", "upset": "mood", "happy": "mood",
}

// embed returns the toy embedding of text: every known word adds its
// concept's direction (a fixed pseudo-random unit vector), every other word
// a faint direction of its own; the sum is normalized.
func embed(text string) []float32 {
	v := make([]float32, dims)
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		weight := float32(1)
		c, ok := concepts[w]
		if !ok {
			c, weight = "word:"+w, 0.15
		}
		for i, x := range direction(c) {
			v[i] += weight * x
		}
	}
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n > 0 {
		for i := range v {
			v[i] /= float32(math.Sqrt(n))
		}
	}
	return v
}

// direction returns a unit vector for name, the same on every run.
func direction(name string) []float32 {
	h := fnv.New64a()
	h.Write([]byte(name))
	x := h.Sum64()
	v := make([]float32, dims)
	var n float64
	for i := range v {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		v[i] = float32(int64(x%2001)-1000) / 1000
		n += float64(v[i]) * float64(v[i])
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

// memory is one agent's notes in the store: the text under a KV key, its
// embedding under the vector key of the same name.
type memory struct {
	store *mvcc.Store
	ns    core.Namespace
}

func (m memory) remember(name, text string, ttl time.Duration) error {
	_, err := m.store.Update(func(tx *mvcc.Txn) error {
		if err := tx.Put(core.KVKey(m.ns, name), core.StringValue(text), ttl); err != nil {
			return err
		}
		return tx.Put(core.VectorKey(m.ns, name), core.VectorValue(embed(text)), ttl)
	})
	return err
}

func (m memory) forget(name string) error {
	_, err := m.store.Update(func(tx *mvcc.Txn) error {
		if err := tx.Delete(core.KVKey(m.ns, name)); err != nil {
			return err
		}
		return tx.Delete(core.VectorKey(m.ns, name))
	})
	return err
}

// recall prints the k notes under p closest in meaning to question, as
// searcher (the store, or a snapshot of it) holds them.
func recall(w io.Writer, searcher interface {
	Search(core.Prefix, []float32, int, ...mvcc.SearchOption) ([]mvcc.Hit, error)
	Get(core.Key) (core.VersionedValue, error)
}, p core.Prefix, question string, k int) error {
	hits, err := searcher.Search(p, embed(question), k, mvcc.MinScore(0.2))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  %q:\n", question)
	if len(hits) == 0 {
		fmt.Fprintln(w, "    (nothing comes to mind)")
	}
	for _, h := range hits {
		note, err := searcher.Get(core.KVKey(h.Key.Namespace, string(h.Key.UserKey)))
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "    %.2f  %-7s %s\n", h.Score, h.Key.Namespace.Agent+":", note.Value)
	}
	return nil
}

func run(w io.Writer) error {
	clock := core.NewManualClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	// One index over the tenant's vectors; every search of a scope inside
	// it uses it.
	store := mvcc.New(mvcc.WithClock(clock), mvcc.WithVectorIndex(mvcc.VectorIndex{
		Within: core.TenantPrefix("acme"), Dims: dims, Metric: core.Cosine,
	}))
	run := core.RunID{0x6f, 0x1c}
	triage := memory{store, core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: run}}
	sales := memory{store, core.Namespace{Tenant: "acme", App: "support", Agent: "sales", RunID: run}}
	triageScope := core.AgentPrefix("acme", "support", "triage")

	notes := []struct {
		m          memory
		name, text string
		ttl        time.Duration
	}{
		{triage, "n1", "Customer was charged twice for the March invoice", 0},
		{triage, "n2", "User locked out after too many password attempts", 0},
		{triage, "n3", "Dashboard hangs while loading reports, timeout after 30s", 0},
		{triage, "n4", "Card expired, renewal email bounced", 0},
		{triage, "n5", "Client is frustrated and upset about the delays", time.Hour},
		{sales, "s1", "Client asked for a refund of the annual payment", 0},
	}
	fmt.Fprintln(w, "remembering:")
	for _, n := range notes {
		if err := n.m.remember(n.name, n.text, n.ttl); err != nil {
			return err
		}
		fmt.Fprintf(w, "  %s %s: %s\n", n.m.ns.Agent, n.name, n.text)
	}

	fmt.Fprintln(w, "\ntriage recalls by meaning (no word in common needed):")
	for _, q := range []string{"billing problem with a payment", "cannot sign in to the account", "the app is slow", "is the client upset?"} {
		if err := recall(w, store, triageScope, q, 2); err != nil {
			return err
		}
	}

	fmt.Fprintln(w, "\nthe whole tenant's memory (both agents):")
	if err := recall(w, store, core.TenantPrefix("acme"), "refund the payment", 3); err != nil {
		return err
	}

	snap := store.Snapshot()
	if err := triage.forget("n1"); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nforgot n1 (v%d); the snapshot taken before (v%d) still recalls it:\n", store.CurrentVersion(), snap.Version())
	fmt.Fprintln(w, " now:")
	if err := recall(w, store, triageScope, "charged twice", 1); err != nil {
		return err
	}
	fmt.Fprintln(w, " snapshot:")
	if err := recall(w, snap, triageScope, "charged twice", 1); err != nil {
		return err
	}

	clock.Advance(2 * time.Hour)
	fmt.Fprintln(w, "\ntwo hours later the mood note (TTL 1h) has expired:")
	if err := recall(w, store, triageScope, "is the client upset?", 1); err != nil {
		return err
	}

	_, err := store.Put(core.VectorKey(triage.ns, "bad"), core.VectorValue([]float32{1, 2, 3}), 0)
	fmt.Fprintf(w, "\na 3-element vector under the 64-element index is refused: %v (ErrInvalidValue: %v)\n",
		err, errors.Is(err, core.ErrInvalidValue))
	return nil
}
