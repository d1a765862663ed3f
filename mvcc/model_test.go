package mvcc

import (
	"maps"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
)

// fxModel is an independent model of one version of a store: every stored
// record by encoded key, expired ones not yet removed included.
type fxModel map[string]core.Entry

// live returns the model's entries not expired at now, in key order.
func (m fxModel) live(now time.Time) []core.Entry {
	encs := slices.Sorted(maps.Keys(m))
	var out []core.Entry
	for _, enc := range encs {
		if e := m[enc]; !e.Value.Expired(now) {
			out = append(out, e)
		}
	}
	return out
}

// get returns what Get answers for k at now.
func (m fxModel) get(k core.Key, now time.Time) (core.VersionedValue, bool) {
	e, ok := m[string(k.Encode())]
	if !ok || e.Value.Expired(now) {
		return core.VersionedValue{}, false
	}
	return e.Value, true
}

// fxHistory records the model after every version.
type fxHistory struct {
	models   []fxModel // models[v - base]: the store right after version v
	removals []bool    // removals[v - base]: version v removed a key
	base     uint64
}

func (h *fxHistory) at(v uint64) fxModel { return h.models[v-h.base] }

// removedAfter reports whether any version after v removed a key.
func (h *fxHistory) removedAfter(v uint64) bool {
	return slices.Contains(h.removals[v-h.base+1:], true)
}

// commit records version v: m with changes applied, and whether it removed
// a key.
func (h *fxHistory) commit(v uint64, m fxModel, removed bool) {
	if want := h.base + uint64(len(h.models)); v != want {
		panic("versions out of order")
	}
	h.models = append(h.models, m)
	h.removals = append(h.removals, removed)
}

func (h *fxHistory) current() fxModel { return h.models[len(h.models)-1] }
