package main

import (
	"errors"
	"fmt"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/spf13/cobra"
)

func dumpCmd(e *env) *cobra.Command {
	var within string
	var at uint64
	c := &cobra.Command{
		Use:   "dump DIR",
		Short: "Print every entry (or those --within a scope, --at a version), one JSON object per line",
		Long: `dump prints the live entries of the store in key order, one JSON object per
line: {"key", "version", "timestamp", "expires" (the TTL deadline, when there
is one), "kind", "value"}. The key is printed as core.Key.String prints it,
the value as JSON (bytes as base64).

--within selects a scope: tenant, tenant/app, tenant/app/agent,
tenant/app/agent/<run id>, then /<type> and /<user key prefix>.
--at prints the state right after that version, expiry judged at its commit
time; the directory holds the versions of its log (after its checkpoint).`,
		Args: cobra.ExactArgs(1),
		RunE: action(func(cmd *cobra.Command, args []string) error {
			p, err := parseWithin(within)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			s, err := openRead(args[0])
			if err != nil {
				return describe(args[0], err)
			}
			defer s.Close()
			snap, err := snapshotAt(s.Store, cmd.Flags().Changed("at"), at)
			if err != nil {
				return err
			}
			out := newLineWriter(e.stdout)
			bar := e.newProgress("dumping", int64(snap.Len()), false)
			n := 0
			for k, vv := range snap.Scan(p) {
				if err := out.write(entryOf(k, vv)); err != nil {
					return err
				}
				if n++; n%4096 == 0 {
					bar.add(4096)
				}
			}
			bar.done()
			return out.flush()
		}),
	}
	c.Flags().StringVar(&within, "within", "", "only the keys of a scope: tenant[/app[/agent[/run id[/type[/user key prefix]]]]]")
	c.Flags().Uint64Var(&at, "at", 0, "the state right after this version (default: the newest)")
	return c
}

// snapshotAt is the store's snapshot at version at when given, else now,
// with clear errors for a version the directory does not hold.
func snapshotAt(s *mvcc.Store, given bool, at uint64) (*mvcc.Snapshot, error) {
	if !given {
		return s.Snapshot(), nil
	}
	snap, err := s.SnapshotAt(at)
	switch {
	case errors.Is(err, core.ErrCompacted):
		return nil, &exitError{code: exitNotFound, err: fmt.Errorf("version %d is older than the directory holds: %w", at, err)}
	case errors.Is(err, core.ErrNotFound):
		return nil, &exitError{code: exitNotFound, err: fmt.Errorf("version %d is newer than the directory holds (%d): %w", at, s.CurrentVersion(), err)}
	case err != nil:
		return nil, err
	}
	return snap, nil
}
