package indices

import (
	"iter"

	"github.com/inmemdb/inmem/core"
)

// Groups is the shape of the run and the type index: a persistent set of
// (group, encoded namespace) members, where the group is a run id or a type
// tag. It answers "which namespaces hold keys of this group" in namespace
// order. The zero Groups is empty. A Groups is safe for concurrent use.
type Groups struct {
	set set
}

// Len returns the number of (group, namespace) members.
func (g Groups) Len() int { return g.set.Len() }

// Has reports whether member (see RunMember, TypeMember) is present.
func (g Groups) Has(member []byte) bool {
	return g.set.Has(bytesView(member))
}

// Namespaces yields, in namespace order, the encoded namespaces (see
// core.Namespace.AppendEncode) that hold the group whose member prefix is
// group (RunGroup or TypeGroup). The strings yielded are owned by the index
// and must not be modified through unsafe means.
func (g Groups) Namespaces(group string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for m := range g.set.Prefix(group) {
			if !yield(m[len(group):]) {
				return
			}
		}
	}
}

// RunGroup is the group prefix of run in the run index.
func RunGroup(run core.RunID) string { return string(run[:]) }

// TypeGroup is the group prefix of t in the type index.
func TypeGroup(t core.TypeTag) string { return string([]byte{byte(t)}) }

// RunMember appends to dst the run-index member of run's namespace whose
// encoding is encNS.
func RunMember(dst []byte, run core.RunID, encNS string) []byte {
	dst = append(dst, run[:]...)
	return append(dst, encNS...)
}

// TypeMember appends to dst the type-index member of (t, namespace encNS).
func TypeMember(dst []byte, t core.TypeTag, encNS string) []byte {
	dst = append(dst, byte(t))
	return append(dst, encNS...)
}
