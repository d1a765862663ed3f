package mvcc

import "github.com/inmemdb/inmem/core"

// DeletePrefix removes every stored key p matches in one commit with one
// version — a finished run (NamespacePrefix), an agent's memory
// (AgentPrefix), a tenant — every index updated in the same step. It returns
// how many live keys it removed and the version; expired values not yet
// removed go too, as ChangeExpire in the commit record. When nothing stored
// matches it returns (0, 0, nil) and assigns no version. An invalid p gives
// an error wrapping ErrInvalidKey. O(log n + k·log n) for k keys removed.
// Safe for concurrent use.
func (s *Store) DeletePrefix(p core.Prefix) (int, uint64, error) {
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
