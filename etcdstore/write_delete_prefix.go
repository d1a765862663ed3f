package etcdstore

import (
	"github.com/inmemdb/inmem/core"
)

// DeletePrefix removes every stored key p matches in one commit with one
// version — a finished run (core.NamespacePrefix), an agent's memory
// (core.AgentPrefix), a tenant — with the indices, and returns how many live
// keys it removed and the version; expired values not yet removed go too,
// as core.ChangeExpire. When nothing stored matches it returns (0, 0, nil)
// and assigns no version. An invalid p gives an error wrapping
// core.ErrInvalidKey. It reads every record p matches (to report them to
// watchers and keep the indices exact) and removes them with one etcd range
// delete, in an etcd transaction of its own; one index entry per namespace
// (and type) it empties, and two mark index operations per event log it
// removes sequences from (the log's sequences only grow: see Append), count
// against etcd's --max-txn-ops (core.ErrTooLarge beyond). Safe for
// concurrent use.
func (s *Store) DeletePrefix(p core.Prefix) (int, uint64, error) {
	if err := p.Err(); err != nil {
		return 0, 0, err
	}
	enc := string(p.AppendEncode(nil))
	scan := s.l.data + enc
	logRange, _ := s.l.logRange(enc)
	live, removed := 0, 0
	v, err := s.commit(&request{what: "DeletePrefix", scan: scan, scanLog: logRange, alone: true, plan: func(st *state) error {
		live, removed = 0, len(st.scans[scan])
		for _, sl := range st.scans[scan] {
			op := core.ChangeExpire
			if _, ok := sl.live(st.now); ok {
				op = core.ChangeDelete
				live++
			}
			st.remove(sl, op)
		}
		return nil
	}})
	if err != nil || removed == 0 {
		return 0, 0, err
	}
	return live, v, nil
}
