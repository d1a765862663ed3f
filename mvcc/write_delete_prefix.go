package mvcc

import (
	"fmt"

	"github.com/inmemdb/inmem/core"
)

// DeletePrefix removes every stored key p matches in one commit with one
// version — a finished run (NamespacePrefix), an agent's memory
// (AgentPrefix), a tenant — every index updated in the same step. It returns
// how many live keys it removed and the version; expired values not yet
// removed go too, as ChangeExpire in the commit record. When nothing stored
// matches it returns (0, 0, nil) and assigns no version.
//
// The zero core.Prefix, which no constructor returns, is refused with an
// error wrapping core.ErrInvalidArgument: deleting every key takes
// core.AllKeys(), said on purpose. An invalid p (a KeyPrefix with an unknown
// type tag) gives an error wrapping core.ErrInvalidKey. A closed store gives
// core.ErrClosed, a version space used up core.ErrVersionExhausted, and on a
// store made by Open a failed log write gives that error (and the store then
// refuses every write). On error nothing changes. O(log n + k·log n) for k
// keys removed. Safe for concurrent use.
func (s *Store) DeletePrefix(p core.Prefix) (int, uint64, error) {
	if p.IsZero() {
		return 0, 0, fmt.Errorf("%w: DeletePrefix of the zero Prefix: pass core.AllKeys() to delete every key", core.ErrInvalidArgument)
	}
	if err := p.Err(); err != nil {
		return 0, 0, err
	}
	prefix := string(p.AppendEncode(nil))
	live := 0
	var encs []string
	v, err := s.commit(func(d *draft) error {
		live, encs = 0, encs[:0]
		// The cursor's keys are views into nodes the removals below change
		// in place: the commit record needs its own copies, all carved out
		// of one allocation.
		var buf []byte
		var ends []int
		d.rangeRecords(prefix, func(enc string, _ *stored) bool {
			buf = append(buf, enc...)
			ends = append(ends, len(buf))
			return true
		})
		arena, start := view(buf), 0
		for _, end := range ends {
			encs = append(encs, arena[start:end])
			start = end
		}
		for _, enc := range encs {
			op := core.ChangeExpire
			if _, ok := d.live(enc); ok {
				op = core.ChangeDelete
				live++
			}
			d.remove(enc, op)
		}
		return nil
	})
	if err != nil || len(encs) == 0 {
		return 0, 0, err
	}
	return live, v, nil
}
