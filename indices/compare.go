package indices

import "strings"

// bytewise orders strings by their bytes. immutable's sorted map requires a
// comparer that returns exactly -1, 0 or +1 (its branch search tests == 1), and
// strings.Compare does. It is safe for concurrent use.
type bytewise struct{}

// Compare returns strings.Compare(a, b): -1, 0 or +1.
func (bytewise) Compare(a, b string) int { return strings.Compare(a, b) }

// uint64s orders uint64 values; it returns exactly -1, 0 or +1. It is safe for
// concurrent use.
type uint64s struct{}

// Compare returns -1, 0 or +1 as a is less than, equal to or greater than b.
func (uint64s) Compare(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
