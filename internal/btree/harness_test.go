package btree

import (
	"fmt"
	"slices"
	"strconv"
)

// val is the value type of the model tests: it names the key it was stored under and when.
type val struct {
	key string
	gen int
}

// snapshot is a published Map with the contents it must keep forever.
type snapshot struct {
	m    *Map[val]
	keys []string
	vals []val
}

// harness runs operations on an Edit and on a model (a sorted slice) side by side; each
// method returns an error when they disagree or an invariant breaks.
type harness struct {
	e        *Edit[val]
	model    map[string]val
	keys     []string // the model's entries in ascending key order, when sorted is set
	vals     []val
	sorted   bool
	gen      int
	versions []snapshot
}

func newHarness() *harness {
	return &harness{e: (*Map[val])(nil).Edit(), model: map[string]val{}, sorted: true}
}

// sort brings keys and vals up to date with the model.
func (h *harness) sort() {
	if h.sorted {
		return
	}
	h.keys = h.keys[:0]
	for k := range h.model {
		h.keys = append(h.keys, k)
	}
	slices.Sort(h.keys)
	h.vals = h.vals[:0]
	for _, k := range h.keys {
		h.vals = append(h.vals, h.model[k])
	}
	h.sorted = true
}

// testKey makes the i-th key of the test key space: a shared prefix and a decimal suffix, so
// that some keys are prefixes of others; -1 is the empty key.
func testKey(i int) string {
	if i < 0 {
		return ""
	}
	return "run/0123456789/" + strconv.Itoa(i)
}

func (h *harness) set(k string) error {
	h.gen++
	v := val{k, h.gen}
	old, replaced := h.e.Set(k, v)
	want, found := h.model[k]
	if replaced != found || old != want {
		return fmt.Errorf("Set(%q) = %v, %v; model %v, %v", k, old, replaced, want, found)
	}
	h.model[k] = v
	h.sorted = false
	return nil
}

func (h *harness) del(k string) error {
	old, deleted := h.e.Delete(k)
	want, found := h.model[k]
	if deleted != found || old != want {
		return fmt.Errorf("Delete(%q) = %v, %v; model %v, %v", k, old, deleted, want, found)
	}
	delete(h.model, k)
	h.sorted = false
	return nil
}

func (h *harness) get(k string) error {
	v, ok := h.e.Get(k)
	want, found := h.model[k]
	if ok != found || v != want {
		return fmt.Errorf("Get(%q) = %v, %v; model %v, %v", k, v, ok, want, found)
	}
	return nil
}

// expectAt checks that c is at model position i (invalid when i is out of range).
func expectAt(c *Cursor[val], ok bool, keys []string, vals []val, i int, what string) error {
	want := i >= 0 && i < len(keys)
	if ok != want || c.Valid() != want {
		return fmt.Errorf("%s: ok=%v valid=%v, want %v (model position %d of %d)", what, ok, c.Valid(), want, i, len(keys))
	}
	if !want {
		if c.Key() != "" || c.Value() != nil {
			return fmt.Errorf("%s: invalid cursor has key %q", what, c.Key())
		}
		return nil
	}
	if c.Key() != keys[i] || *c.Value() != vals[i] {
		return fmt.Errorf("%s: at %q=%v, want %q=%v", what, c.Key(), *c.Value(), keys[i], vals[i])
	}
	return nil
}

// seek checks the four seeks for k and walks a few steps from each.
func (h *harness) seek(c *Cursor[val], k string, steps int) error {
	h.sort()
	ge, _ := slices.BinarySearch(h.keys, k)
	gt := ge
	if gt < len(h.keys) && h.keys[gt] == k {
		gt++
	}
	for _, s := range []struct {
		name string
		seek func(string) bool
		at   int
	}{{"SeekGE", c.SeekGE, ge}, {"SeekGT", c.SeekGT, gt}, {"SeekLT", c.SeekLT, ge - 1}, {"SeekLE", c.SeekLE, gt - 1}} {
		name := fmt.Sprintf("%s(%q)", s.name, k)
		if err := expectAt(c, s.seek(k), h.keys, h.vals, s.at, name); err != nil {
			return err
		}
		// walk forward then back (the second direction only while valid)
		i := s.at
		for j := 0; j < steps && c.Valid(); j++ {
			i++
			if err := expectAt(c, c.Next(), h.keys, h.vals, i, name+" Next"); err != nil {
				return err
			}
		}
		s.seek(k)
		i = s.at
		for j := 0; j < steps && c.Valid(); j++ {
			i--
			if err := expectAt(c, c.Prev(), h.keys, h.vals, i, name+" Prev"); err != nil {
				return err
			}
		}
	}
	return nil
}

// scan compares Range(lo, hi) in both directions with the model.
func scan(m interface {
	Range(lo, hi string, reverse bool) func(func(string, *val) bool)
}, keys []string, vals []val, lo, hi string) error {
	a, _ := slices.BinarySearch(keys, lo)
	b := len(keys)
	if hi != "" {
		b, _ = slices.BinarySearch(keys, hi)
	}
	if b < a {
		b = a
	}
	for _, reverse := range []bool{false, true} {
		i, step := a, 1
		if reverse {
			i, step = b-1, -1
		}
		n := 0
		for k, v := range m.Range(lo, hi, reverse) {
			if i < a || i >= b || k != keys[i] || *v != vals[i] {
				return fmt.Errorf("Range(%q, %q, %v): entry %d is %q=%v", lo, hi, reverse, n, k, *v)
			}
			i += step
			n++
		}
		if n != b-a {
			return fmt.Errorf("Range(%q, %q, %v) yielded %d entries, want %d", lo, hi, reverse, n, b-a)
		}
	}
	return nil
}

type editRange struct{ e *Edit[val] }

func (r editRange) Range(lo, hi string, reverse bool) func(func(string, *val) bool) {
	return r.e.Range(lo, hi, reverse)
}

type mapRange struct{ m *Map[val] }

func (r mapRange) Range(lo, hi string, reverse bool) func(func(string, *val) bool) {
	return r.m.Range(lo, hi, reverse)
}

func (h *harness) scan(lo, hi string) error {
	h.sort()
	return scan(editRange{h.e}, h.keys, h.vals, lo, hi)
}

// invariants checks the edit's tree and its length.
func (h *harness) invariants() error {
	if err := h.e.check(); err != nil {
		return err
	}
	if h.e.Len() != len(h.model) {
		return fmt.Errorf("Len %d, model %d", h.e.Len(), len(h.model))
	}
	return nil
}

// publish freezes the edit into a Map and keeps it with a copy of the model.
func (h *harness) publish() error {
	m := h.e.Map()
	h.sort()
	s := snapshot{m, slices.Clone(h.keys), slices.Clone(h.vals)}
	if len(h.versions) >= 6 {
		h.versions = slices.Delete(h.versions, 0, 1)
	}
	h.versions = append(h.versions, s)
	return s.verify()
}

// verify checks that a published Map still holds exactly its contents and invariants.
func (s snapshot) verify() error {
	if err := s.m.check(); err != nil {
		return err
	}
	if s.m.Len() != len(s.keys) {
		return fmt.Errorf("published map: Len %d, want %d", s.m.Len(), len(s.keys))
	}
	c := s.m.Cursor()
	i := 0
	for ok := c.First(); ok; ok = c.Next() {
		if i >= len(s.keys) || c.Key() != s.keys[i] || *c.Value() != s.vals[i] {
			return fmt.Errorf("published map changed: entry %d is %q=%v", i, c.Key(), *c.Value())
		}
		i++
	}
	if i != len(s.keys) {
		return fmt.Errorf("published map changed: %d entries, want %d", i, len(s.keys))
	}
	for ok := c.Last(); ok; ok = c.Prev() {
		i--
		if i < 0 || c.Key() != s.keys[i] || *c.Value() != s.vals[i] {
			return fmt.Errorf("published map changed: reverse entry %d is %q", i, c.Key())
		}
	}
	if i != 0 {
		return fmt.Errorf("published map changed: reverse walk stopped at %d", i)
	}
	for i, k := range s.keys {
		if v, ok := s.m.Get(k); !ok || v != s.vals[i] {
			return fmt.Errorf("published map changed: Get(%q) = %v, %v", k, v, ok)
		}
	}
	return nil
}

// branch continues from published version i with a new edit.
func (h *harness) branch(i int) {
	s := h.versions[i]
	h.e = s.m.Edit()
	h.keys, h.vals = slices.Clone(s.keys), slices.Clone(s.vals)
	h.model = make(map[string]val, len(s.keys))
	for i, k := range s.keys {
		h.model[k] = s.vals[i]
	}
	h.sorted = true
}

// verifyAll checks every kept version.
func (h *harness) verifyAll() error {
	for _, s := range h.versions {
		if err := s.verify(); err != nil {
			return err
		}
	}
	return nil
}
