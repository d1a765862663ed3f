package main

import (
	"errors"
	"fmt"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/spf13/cobra"
)

const keyHelp = `KEY is written as core.Key.String prints it:
tenant/app/agent/<run id>/<type>/<user key>, type one of kv, event, state,
trace, run, vector. An event or trace key's user key may be its sequence
number; a user key in double quotes is a Go string literal.`

func getCmd(e *env) *cobra.Command {
	var at uint64
	c := &cobra.Command{
		Use:   "get DIR KEY",
		Short: "Print one key's value as a JSON object (exit 6 when it has none)",
		Long:  "get prints the key's value as dump does (one JSON object).\n\n" + keyHelp,
		Args:  cobra.ExactArgs(2),
		RunE: action(func(cmd *cobra.Command, args []string) error {
			k, err := parseKey(args[1])
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
			vv, err := snap.Get(k)
			if errors.Is(err, core.ErrNotFound) {
				return &exitError{code: exitNotFound, err: fmt.Errorf("%s: no value at version %d", k, snap.Version())}
			}
			if err != nil {
				return err
			}
			out := newLineWriter(e.stdout)
			if err := out.write(entryOf(k, vv)); err != nil {
				return err
			}
			return out.flush()
		}),
	}
	c.Flags().Uint64Var(&at, "at", 0, "the value right after this version (default: the newest)")
	return c
}

func historyCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "history DIR KEY",
		Short: "Print the versions of a key the directory still holds, newest first",
		Long: `history prints the values the key had at every version the directory still
holds (the state its checkpoint holds, then each commit of its log), newest
first, one JSON object per line as dump prints them. Where the key had no
value (deleted, or expired) from some version on, a line
{"key", "version", "absent": true} says so: version is the first version
without a value.

` + keyHelp,
		Args: cobra.ExactArgs(2),
		RunE: action(func(cmd *cobra.Command, args []string) error {
			k, err := parseKey(args[1])
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			s, err := openRead(args[0])
			if err != nil {
				return describe(args[0], err)
			}
			defer s.Close()
			out := newLineWriter(e.stdout)
			n := 0
			for h, err := range keyHistory(s.Store, k) {
				if err != nil {
					return err
				}
				n++
				if h.absent {
					err = out.write(absentJSON{Key: k.String(), Version: h.version, Absent: true})
				} else {
					err = out.write(entryOf(k, h.value))
				}
				if err != nil {
					return err
				}
			}
			if err := out.flush(); err != nil {
				return err
			}
			if n == 0 {
				return &exitError{code: exitNotFound, err: fmt.Errorf("%s: no value at any version the directory holds", k)}
			}
			return nil
		}),
	}
	return c
}

type absentJSON struct {
	Key     string `json:"key"`
	Version uint64 `json:"version"`
	Absent  bool   `json:"absent"`
}

// historyItem is one step of a key's history: a value, or the first version
// of a stretch without one.
type historyItem struct {
	value   core.VersionedValue
	version uint64 // absent: the first version without a value
	absent  bool
}

// keyHistory yields the key's values, newest first, at every version the
// store retains, each value once; between two values (and after the last),
// the first version of a stretch where the key had none (stretches before
// its oldest value are not reported). Expiry is judged at
// each version's commit time, as SnapshotAt judges it.
func keyHistory(s *mvcc.Store, k core.Key) func(yield func(historyItem, error) bool) {
	return func(yield func(historyItem, error) bool) {
		v := s.CurrentVersion()
		var absentFrom uint64 // the lowest version of the current stretch without a value; 0: none
		for v > 0 {
			snap, err := s.SnapshotAt(v)
			if errors.Is(err, core.ErrCompacted) {
				break
			}
			if err != nil {
				yield(historyItem{}, err)
				return
			}
			vv, err := snap.Get(k)
			switch {
			case errors.Is(err, core.ErrNotFound):
				absentFrom = v
				v--
				continue
			case err != nil:
				yield(historyItem{}, err)
				return
			}
			if absentFrom != 0 {
				if !yield(historyItem{version: absentFrom, absent: true}, nil) {
					return
				}
				absentFrom = 0
			}
			if !yield(historyItem{value: vv}, nil) {
				return
			}
			v = vv.Version - 1
		}
		// A stretch without a value below the oldest value is the time
		// before the key was first written: nothing to say.
	}
}
