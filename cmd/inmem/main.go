// Command inmem looks inside, checks, backs up and restores the directory of
// a durable inmem store (one made by mvcc.Open), and serves the store's
// memory to agents over the Model Context Protocol.
//
//	inmem stat DIR                 what the directory holds
//	inmem verify DIR               check every checksum and the segment chain
//	inmem dump DIR                 every entry, one JSON object per line
//	inmem get DIR KEY              one key's value
//	inmem history DIR KEY          the versions of a key the directory still holds
//	inmem backup DIR FILE          a backup, while the application runs
//	inmem restore FILE DIR         a new store directory from a backup
//	inmem checkpoint DIR           a checkpoint, when no process holds DIR
//	inmem diff DIR --from V1       the keys whose value differs between two versions
//	inmem mcp DIR                  an MCP server over stdio
//
// The read-only commands (stat, verify, dump, get, history, backup, diff) never
// write to DIR and work while another process holds it. Exit status: 0 ok,
// 1 failure (a damaged store, a failed check), 2 bad usage, 3 a missing
// directory or file, 4 a directory another process holds, 5 a directory that
// is not an inmem store, 6 a key that is not found. docs/cli.md is the
// reference.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes (docs/cli.md).
const (
	exitOK       = 0
	exitFailure  = 1 // damage found, or a command failed
	exitUsage    = 2 // bad arguments or flags
	exitMissing  = 3 // no such directory or file, or a directory holding no store
	exitLocked   = 4 // another process holds the directory
	exitForeign  = 5 // not an inmem store directory
	exitNotFound = 6 // the key has no value
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs the command line args with the given standard streams and returns
// the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(&env{stdin: stdin, stdout: stdout, stderr: stderr})
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		// Cobra's own errors: an unknown command or flag, a wrong number
		// of arguments.
		fmt.Fprintf(stderr, "inmem: %v\nRun 'inmem --help' for usage.\n", err)
		return exitUsage
	}
	if ee.err != nil {
		// The library's errors start with "inmem: " already.
		fmt.Fprintf(stderr, "inmem: %s\n", strings.TrimPrefix(ee.err.Error(), "inmem: "))
	}
	return ee.code
}

// exitError is an error that ends the command with a given status. A nil err
// prints nothing (the command already said what was wrong).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// env is what the commands read and write: the standard streams, and the
// global flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	progress       string // "auto", "always" or "never"
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "inmem",
		Short: "Look inside, check, back up and restore an inmem store directory; serve it over MCP",
		Long: `inmem works on the directory of a durable inmem store (one made by mvcc.Open).

The read-only commands (stat, verify, dump, get, history, backup, diff) never
write to the directory and work while another process holds it. checkpoint needs
the directory to itself; restore makes a new one; mcp serves the store to
agents over the Model Context Protocol (stdio).

Exit status: 0 ok, 1 failure (damage found, a command failed), 2 bad usage,
3 missing directory or file, 4 directory held by another process, 5 not an
inmem store directory, 6 key not found.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(e.stderr)
			cmd.Usage()
			return usagef("no command given")
		},
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.PersistentFlags().StringVar(&e.progress, "progress", "auto",
		"progress bar on stderr for long work: auto (when stderr is a terminal), always or never")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		switch e.progress {
		case "auto", "always", "never":
			return nil
		}
		return usagef("--progress: want auto, always or never, not %q", e.progress)
	}
	root.AddCommand(
		statCmd(e), verifyCmd(e), dumpCmd(e), getCmd(e), historyCmd(e),
		backupCmd(e), restoreCmd(e), checkpointCmd(e), diffCmd(e), mcpCmd(e),
	)
	return root
}

// action adapts a command body to cobra: every error it returns ends the
// command with a status (classify decides which), so that main can tell
// them from cobra's usage errors.
func action(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := fn(cmd, args)
		if err == nil {
			return nil
		}
		var ee *exitError
		if errors.As(err, &ee) {
			return err
		}
		return &exitError{code: classify(err), err: err}
	}
}

// usagef is a usage error found by a command itself.
func usagef(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}
