package proptest

import (
	"math"
	"time"

	"github.com/inmemdb/inmem/core"
)

// The key space the suites draw from: 2 tenants x 2 runs x 2 types x 3 user
// keys, small so that operations collide. The two run ids are shared by both
// tenants, so a run scan spans two namespaces.
var (
	spaceTenants  = []string{"t0", "t1"}
	spaceRuns     = []core.RunID{{0x11, 1}, {0x22, 2}}
	foreignRun    = core.RunID{0x33, 3} // a run with no keys
	spaceTypes    = []core.TypeTag{core.TypeKV, core.TypeEvent}
	spaceUserKeys = []string{"a", "ab", "b"}
	// spacePrefixes are the user-key prefixes drawn for prefix scans.
	spacePrefixes = []string{"", "a", "ab", "b", "c"}
	invalidType   = core.TypeTag(200)
)

// tick is the unit of the TTLs and clock advances the suites draw, so that
// expiry boundaries are hit exactly.
const tick = time.Second

// epoch is where the suites' own clocks start.
var epoch = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// farFuture is a time after every expiry the suites can produce.
var farFuture = time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)

// space holds the key space, built once.
var space = buildSpace()

type keySpace struct {
	namespaces []core.Namespace // in namespace order
	keys       []core.Key       // in key order
	prefixes   []core.Key       // one per (namespace, type), empty user key
	// events are event log keys Append may take (sequences 1 and 2 of every
	// namespace) and the last sequence of the first namespace's log, at
	// which Append fails: the steps write and delete them directly too.
	events []core.Key
	// drawn is what the steps draw keys from: keys, then events.
	drawn []core.Key
}

func buildSpace() keySpace {
	var ks keySpace
	for _, tenant := range spaceTenants {
		for _, run := range spaceRuns {
			ks.namespaces = append(ks.namespaces, core.Namespace{Tenant: tenant, App: "app", Agent: "agent", RunID: run})
		}
	}
	for _, ns := range ks.namespaces {
		for _, t := range spaceTypes {
			ks.prefixes = append(ks.prefixes, core.NewKey(ns, t, nil))
			for _, uk := range spaceUserKeys {
				ks.keys = append(ks.keys, core.NewKey(ns, t, []byte(uk)))
			}
		}
		ks.events = append(ks.events, core.EventKey(ns, 1), core.EventKey(ns, 2))
	}
	ks.events = append(ks.events, core.EventKey(ks.namespaces[0], math.MaxUint64))
	ks.drawn = append(append([]core.Key{}, ks.keys...), ks.events...)
	return ks
}

// allRuns is every run the checks scan: the key space's and one without keys.
func allRuns() []core.RunID { return append(append([]core.RunID{}, spaceRuns...), foreignRun) }

// allTypes is every valid type tag.
func allTypes() []core.TypeTag {
	var ts []core.TypeTag
	for t := core.TypeTag(0); t.Valid(); t++ {
		ts = append(ts, t)
	}
	return ts
}
