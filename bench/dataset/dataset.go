// Package dataset builds the benchmark's data: keys of realistic size (about
// 50 encoded bytes: tenant, app and agent strings, a run id, a type tag and an
// 8-byte user key) with 32-byte values, laid out as an agent-memory store
// looks: one large namespace (a long event log) and many small runs of ten
// keys each.
//
// Everything is derived from a fixed seed, so every system under test gets the
// same keys in the same order.
package dataset

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/inmemdb/inmem/core"
)

// RunSize is the number of keys of each small run.
const RunSize = 10

// Expiring is the number of keys loaded with a short TTL, for FindExpired.
const Expiring = 10

// ExpiringTTL is the TTL of the expiring keys: by the time any workload runs
// they have expired.
const ExpiringTTL = time.Millisecond

// ValueSize is the size in bytes of every value.
const ValueSize = 32

// Set is one data set of N keys. It is immutable once built and safe for
// concurrent reads; nothing may write to its slices.
type Set struct {
	N    int
	Keys []core.Key      // the N keys, in load order (shuffled)
	Vals [][]byte        // Vals[i] is Keys[i]'s value
	TTLs []time.Duration // Keys[i]'s TTL: 0, or ExpiringTTL for the Expiring keys

	// Live holds the indices (into Keys) of keys that never expire: the keys
	// read and overwritten by the workloads, in random order.
	Live []int32

	// Big is the prefix of the large namespace's event log, holding BigCount
	// keys (N/10).
	Big      core.Key
	BigCount int

	// SmallRun is the namespace of one ten-key run among the small ones.
	SmallRun core.Namespace

	// Fresh are keys absent from the set (in runs of their own), for the
	// workloads that insert new keys.
	Fresh []core.Key

	// FreshRun are BatchSize(N) keys absent from the set, all events of one
	// new run in ascending order: the batch an agent run appends.
	FreshRun []core.Key

	// Updates are values for overwrites, distinct from Vals.
	Updates [][]byte
}

var (
	apps   = [...]string{"chat", "code", "mail", "docs"}
	seed1  = uint64(0x1a2b3c4d)
	seed2  = uint64(0x5e6f7081)
	bigApp = "chat"
)

// MinKeys is the smallest data set New builds.
const MinKeys = 200

// New returns the data set of n keys (n >= MinKeys) with fresh keys for
// inserts: FreshCount(n) of them. It panics for a smaller n. Safe for
// concurrent use (each call builds its own set).
func New(n int) *Set {
	if n < MinKeys {
		panic(fmt.Sprintf("dataset: %d keys is too few", n))
	}
	rng := rand.New(rand.NewPCG(seed1, seed2))
	s := &Set{N: n, BigCount: n / 10}

	bigNS := core.Namespace{Tenant: "t-0000", App: bigApp, Agent: "planner", RunID: runID(rng)}
	s.Big = core.NewKey(bigNS, core.TypeEvent, nil)
	keys := make([]core.Key, 0, n)
	for i := range s.BigCount {
		keys = append(keys, core.EventKey(bigNS, uint64(i)))
	}
	runs := 0
	for len(keys) < n {
		ns := smallNamespace(rng, runs)
		runs++
		for j := 0; j < RunSize && len(keys) < n; j++ {
			keys = append(keys, runKey(ns, j))
		}
	}
	// The small run to scan is the first one: always complete and, as the
	// expiring keys are taken from the end, never expiring.
	s.SmallRun = keys[s.BigCount].Namespace

	s.TTLs = make([]time.Duration, n)
	for i := range Expiring {
		s.TTLs[n-1-i*RunSize] = ExpiringTTL // one key in each of the last runs
	}

	perm := rng.Perm(n)
	s.Keys = make([]core.Key, n)
	ttls := make([]time.Duration, n)
	for to, from := range perm {
		s.Keys[to] = keys[from]
		ttls[to] = s.TTLs[from]
	}
	s.TTLs = ttls
	s.Vals = make([][]byte, n)
	for i := range s.Vals {
		s.Vals[i] = value(rng)
	}
	for i, ttl := range s.TTLs {
		if ttl == 0 {
			s.Live = append(s.Live, int32(i))
		}
	}
	rng.Shuffle(len(s.Live), func(i, j int) { s.Live[i], s.Live[j] = s.Live[j], s.Live[i] })

	fresh := FreshCount(n)
	for len(s.Fresh) < fresh {
		ns := smallNamespace(rng, runs)
		runs++
		for j := 0; j < RunSize && len(s.Fresh) < fresh; j++ {
			s.Fresh = append(s.Fresh, runKey(ns, j))
		}
	}
	s.Updates = make([][]byte, 256)
	for i := range s.Updates {
		s.Updates[i] = value(rng)
	}
	// Drawn last, so the keys and values above stay what they always were.
	runNS := smallNamespace(rng, runs)
	s.FreshRun = make([]core.Key, fresh)
	for i := range s.FreshRun {
		s.FreshRun[i] = core.EventKey(runNS, uint64(i))
	}
	return s
}

// FreshCount returns how many fresh keys New(n) makes: enough for one
// insert batch (see BatchSize) of that size.
func FreshCount(n int) int { return BatchSize(n) }

// BatchSize returns the number of keys of the one-transaction batch workload
// and the most new keys inserted before they are removed again: 10,000, or
// N/10 for smaller sets, so a store grows by at most 10% while measured.
func BatchSize(n int) int { return min(10_000, max(n/10, 1)) }

func runID(rng *rand.Rand) core.RunID {
	var r core.RunID
	binary.BigEndian.PutUint64(r[:8], rng.Uint64())
	binary.BigEndian.PutUint64(r[8:], rng.Uint64())
	r[6] = r[6]&0x0f | 0x40 // a v4 UUID, as core.NewRunID makes
	r[8] = r[8]&0x3f | 0x80
	return r
}

// smallNamespace is the namespace of small run number i: 100 tenants, 4 apps,
// 1,000 agents, a random run id.
func smallNamespace(rng *rand.Rand, i int) core.Namespace {
	return core.Namespace{
		Tenant: fmt.Sprintf("t-%04d", i%100),
		App:    apps[i%len(apps)],
		Agent:  fmt.Sprintf("ag-%04d", i%1000),
		RunID:  runID(rng),
	}
}

// runKey is key j of a small run: a mix of events, KV entries, traces and a
// state machine, every user key 8 bytes.
func runKey(ns core.Namespace, j int) core.Key {
	switch {
	case j < 4:
		return core.EventKey(ns, uint64(j))
	case j < 7:
		return core.KVKey(ns, fmt.Sprintf("kv-%05d", j))
	case j < 9:
		return core.TraceKey(ns, uint64(j))
	default:
		return core.StateKey(ns, fmt.Sprintf("st-%05d", j))
	}
}

func value(rng *rand.Rand) []byte {
	b := make([]byte, ValueSize)
	for i := 0; i < ValueSize; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rng.Uint64())
	}
	return b
}
