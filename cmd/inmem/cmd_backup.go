package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func backupCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "backup DIR FILE",
		Short: "Write a backup of the store to FILE (- for stdout); works while the application runs",
		Long: `backup writes a consistent backup of the store in DIR to FILE, in the format
Snapshot.WriteTo writes (docs/format.md), while the application that holds
DIR goes on: it reads what is on stable storage when it starts. FILE is
written under a temporary name, synced, then renamed, so a FILE that exists
is always a whole backup. FILE - writes to standard output.`,
		Args: cobra.ExactArgs(2),
		RunE: action(func(cmd *cobra.Command, args []string) error {
			dir, file := args[0], args[1]
			s, err := openRead(dir)
			if err != nil {
				return describe(dir, err)
			}
			defer s.Close()
			snap := s.Snapshot()
			bar := e.newProgress("backup", -1, true)
			defer bar.done()
			if file == "-" {
				_, err := snap.WriteTo(bar.writer(e.stdout))
				return err
			}
			return writeFileAtomic(file, func(w io.Writer) error {
				_, err := snap.WriteTo(bar.writer(w))
				return err
			})
		}),
	}
}

// writeFileAtomic writes path through fn under a temporary name in the same
// directory, syncs it, renames it to path and syncs the directory: path is
// either absent, as before, or whole.
func writeFileAtomic(path string, fn func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := fn(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func restoreCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "restore FILE DIR",
		Short: "Make a new store directory DIR (absent or empty) from a backup FILE (- for stdin)",
		Long: `restore makes DIR, which must be absent or empty, a store directory holding
the backup in FILE: the same entries, versions, timestamps and TTL deadlines,
ready for mvcc.Open. A damaged, truncated or foreign backup is refused and
DIR is left as it was. FILE - reads standard input.`,
		Args: cobra.ExactArgs(2),
		RunE: action(func(cmd *cobra.Command, args []string) error {
			file, dir := args[0], args[1]
			if err := emptyOrAbsent(dir); err != nil {
				return err
			}
			_, statErr := os.Stat(dir)
			created := errors.Is(statErr, fs.ErrNotExist)
			var r io.Reader = e.stdin
			size := int64(-1)
			if file != "-" {
				f, err := os.Open(file)
				if err != nil {
					if errors.Is(err, fs.ErrNotExist) {
						return &exitError{code: exitMissing, err: fmt.Errorf("%s: no such file", file)}
					}
					return err
				}
				defer f.Close()
				if fi, err := f.Stat(); err == nil {
					size = fi.Size()
				}
				r = f
			}
			bar := e.newProgress("restore", size, true)
			err := restoreDir(dir, bar.reader(r))
			bar.done()
			if err != nil {
				if created {
					os.Remove(dir) // empty: restoreDir removed what it wrote
				}
				return describe(file, err)
			}
			return nil
		}),
	}
}

// emptyOrAbsent refuses a restore into a directory that holds anything.
func emptyOrAbsent(dir string) error {
	l, err := listDir(dir)
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) && ee.code == exitMissing {
			return nil
		}
		return err
	}
	if l.isStore() {
		return &exitError{code: exitFailure, err: fmt.Errorf("%s: already holds a store: restore makes a new one (choose an empty or absent directory)", dir)}
	}
	if len(l.Other) > 0 {
		return &exitError{code: exitForeign, err: fmt.Errorf("%s: not empty (it holds %s): restore needs an empty or absent directory", dir, sample(l.Other))}
	}
	return nil
}

func checkpointCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "checkpoint DIR",
		Short: "Write a checkpoint and drop the log before it (only when no process holds DIR)",
		Long: `checkpoint opens the store in DIR as the application does, writes a
checkpoint of its state, drops the log segments the checkpoint covers, and
closes it. It needs the directory to itself: while another process holds DIR
it exits with status 4 (that process checkpoints on its own, see
mvcc.WithCheckpointBytes).`,
		Args: cobra.ExactArgs(1),
		RunE: action(func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			s, err := openWrite(dir, false)
			if err != nil {
				return describe(dir, err)
			}
			v := s.CurrentVersion()
			if err := s.Checkpoint(); err != nil {
				s.Close()
				return err
			}
			if err := s.Close(); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "checkpoint at version %d written\n", v)
			return nil
		}),
	}
}
