package main

import (
	"fmt"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/spf13/cobra"
)

// changeJSON is one line of diff: what changed at a key between two
// versions.
type changeJSON struct {
	Op string `json:"op"` // "put": the key's value at --to (new or different); "delete": it has none at --to
	entryJSON
}

func opName(op core.ChangeOp) string {
	switch op {
	case core.ChangePut:
		return "put"
	case core.ChangeDelete:
		return "delete"
	}
	return fmt.Sprint(op)
}

func diffCmd(e *env) *cobra.Command {
	var within string
	var from, to uint64
	c := &cobra.Command{
		Use:   "diff DIR --from V1 [--to V2]",
		Short: "Print the keys whose value differs between two versions, one JSON object per line",
		Long: `diff prints, in key order, exactly the keys whose value differs between the
state right after version --from and the state right after version --to (default: the
newest), each with expiry judged at its version's commit time, one JSON object per line: "op" put with the value at --to (a new or
different value, version or TTL deadline), or "op" delete with the value at --from
(deleted, or expired by --to's time), then the fields dump prints. Its cost grows
with the number of differences (mvcc.Diff). --within narrows it to a scope.`,
		Args: cobra.ExactArgs(1),
		RunE: action(func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("from") {
				return usagef("diff needs --from")
			}
			p, err := parseWithin(within)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			s, err := openRead(args[0])
			if err != nil {
				return describe(args[0], err)
			}
			defer s.Close()
			a, err := snapshotAt(s.Store, true, from)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("to") {
				to = s.CurrentVersion()
			}
			// Both sides judge expiry at their version's commit time.
			b, err := snapshotAt(s.Store, true, to)
			if err != nil {
				return err
			}
			out := newLineWriter(e.stdout)
			for c := range mvcc.Diff(a, b, mvcc.Within(p)) {
				if err := out.write(changeJSON{Op: opName(c.Op), entryJSON: entryOf(c.Key, c.Value)}); err != nil {
					return err
				}
			}
			return out.flush()
		}),
	}
	c.Flags().Uint64Var(&from, "from", 0, "the older version")
	c.Flags().Uint64Var(&to, "to", 0, "the newer version (default: the newest)")
	c.Flags().StringVar(&within, "within", "", "only the keys of a scope: tenant[/app[/agent[/run id[/type[/user key prefix]]]]]")
	return c
}
