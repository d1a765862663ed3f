package indices

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestTTLAddAllMatchesAdd checks TTL.AddAll against Add in order, duplicates
// included (the last wins), in both branches.
func TestTTLAddAllMatchesAdd(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		key := rapid.SampledFrom([]string{"a", "b", "c", "d", "e"})
		at := func(label string) time.Time {
			return base.Add(time.Duration(rapid.IntRange(-3, 3).Draw(t, label)) * time.Second)
		}
		var x TTL[int]
		for i := range rapid.IntRange(0, 60).Draw(t, "initial") {
			x = x.Add(at("oldAt"), key.Draw(t, "oldKey")+fmt.Sprint(i%10), -i)
		}
		before := collect2(x.All())
		var entries []ttlEntry[int]
		want := x
		for i := range rapid.IntRange(0, 12).Draw(t, "batch") {
			e := ttlEntry[int]{ExpiresAt: at("at"), EncKey: key.Draw(t, "key"), Value: i}
			entries = append(entries, e)
			want = want.Add(e.ExpiresAt, e.EncKey, e.Value)
		}
		got := x.AddAll(entries)
		if !slices.Equal(collect2(got.All()), collect2(want.All())) {
			t.Fatalf("AddAll: %v, want %v", collect2(got.All()), collect2(want.All()))
		}
		if !slices.Equal(collect2(x.All()), before) {
			t.Fatalf("AddAll changed its receiver")
		}
	})
}
