package indices

import (
	"fmt"
	"testing"

	"github.com/benbjohnson/immutable"
)

// BenchmarkSetImpl puts the set's B+tree beside immutable.SortedMap, which
// the set was built on before, at the run index's shape: members of a
// ~60-byte shared prefix. Add is a new member (persistent: the base stays),
// Has a present one.
func BenchmarkSetImpl(b *testing.B) {
	member := func(i int) string { return fmt.Sprintf("tenant\x00\x01app\x00\x01agent\x00\x01run-%010d", i) }
	for _, n := range []int{1_000, 100_000} {
		var e GroupsEdit
		im := immutable.NewSortedMap[string, struct{}](bytewise{})
		for i := range n {
			e.Add([]byte(member(2 * i)))
			im = im.Set(member(2*i), struct{}{})
		}
		g := e.Groups()
		adds, has := make([]string, 1024), make([]string, 1024)
		for i := range adds {
			adds[i] = member(2*((i*7919)%n) + 1)
			has[i] = member(2 * ((i * 7919) % n))
		}
		b.Run(fmt.Sprintf("add/n=%d/btree", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				if g.add([]byte(adds[i%len(adds)])).Len() != n+1 {
					b.Fatal("lost a member")
				}
			}
		})
		b.Run(fmt.Sprintf("add/n=%d/immutable", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				if im.Set(adds[i%len(adds)], struct{}{}).Len() != n+1 {
					b.Fatal("lost a member")
				}
			}
		})
		b.Run(fmt.Sprintf("has/n=%d/btree", n), func(b *testing.B) {
			for i := range b.N {
				if !g.set.Has(has[i%len(has)]) {
					b.Fatal("missing member")
				}
			}
		})
		b.Run(fmt.Sprintf("has/n=%d/immutable", n), func(b *testing.B) {
			for i := range b.N {
				if _, ok := im.Get(has[i%len(has)]); !ok {
					b.Fatal("missing member")
				}
			}
		})
	}
}
