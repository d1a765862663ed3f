package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/inmemdb/inmem/mvcc"
	"github.com/spf13/cobra"
)

// verifyReport is what verify prints (--json: this object).
type verifyReport struct {
	Dir         string    `json:"dir"`
	OK          bool      `json:"ok"`
	Version     uint64    `json:"version"` // the version the directory recovers to; 0 when it does not recover
	Checkpoints int       `json:"checkpoints_checked"`
	Segments    int       `json:"segments"`
	Records     int       `json:"records_replayed"`
	Problems    []problem `json:"problems"`
	Notes       []string  `json:"notes,omitempty"` // what is not damage but worth knowing
}

// problem is one thing wrong, and where.
type problem struct {
	File string `json:"file,omitempty"`
	What string `json:"what"`
}

func verifyCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "verify DIR",
		Short: "Check every checkpoint and log record: checksums, the segment chain, versions (exit 1 on damage)",
		Long: `verify reads every checkpoint file and every log record of DIR, checks every
checksum, the segment chain and the versions, and says what is wrong and
where. Exit status 0: the directory is sound; 1: damage was found.
A torn tail (a record cut short at the end of the log, left by a crash) is
reported as damage too: the next Open cuts it off.`,
		Args: cobra.ExactArgs(1),
		RunE: action(func(cmd *cobra.Command, args []string) error {
			rep, err := e.verify(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(e.stdout, rep); err != nil {
					return err
				}
			} else {
				printVerify(e.stdout, rep)
			}
			if !rep.OK {
				return &exitError{code: exitFailure}
			}
			return nil
		}),
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

// verify checks dir. Damage is in the report; the error is for a directory
// that cannot be checked at all (missing, foreign).
func (e *env) verify(dir string) (verifyReport, error) {
	rep := verifyReport{Dir: dir, Problems: []problem{}}
	l, err := storeDir(dir)
	if err != nil {
		return rep, err
	}
	rep.Segments = len(l.Segments)
	bad := func(file, format string, args ...any) {
		rep.Problems = append(rep.Problems, problem{File: file, What: fmt.Sprintf(format, args...)})
	}
	for _, name := range l.Temp {
		bad(name, "an unfinished checkpoint (left by a crash; the next Open deletes it)")
	}

	// The store as recovery sees it: the newest sound checkpoint, the log
	// after it (every frame's checksum, the chain of versions across
	// segments).
	s, err := openRead(dir)
	loaded, skipped := "", map[string]bool{}
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			return rep, err
		}
		bad("", "%v", err)
	} else {
		rec := s.Recovery()
		rep.Version, rep.Records, loaded = s.CurrentVersion(), rec.Records, rec.Checkpoint
		for _, f := range rec.Skipped {
			skipped[f] = true
			bad(f, "damaged checkpoint: recovery passes over it for an older one")
		}
		if rec.TornBytes > 0 || rec.TornAt != "" {
			switch held, known := heldByAnother(dir); {
			case held:
				// The process holding the directory recovered it (cutting
				// any torn tail) when it opened it: what follows its last
				// whole record is a write in progress.
				rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %d bytes of a write in progress after the last whole record (another process holds the directory)", rec.TornAt, rec.TornBytes))
			case known:
				bad(rec.TornAt, "torn tail: %s, %d bytes (a crash in mid-write; the next Open cuts it off)", rec.TornReason, rec.TornBytes)
			default:
				bad(rec.TornAt, "torn tail: %s, %d bytes (a crash in mid-write, or a write in progress if a process holds the directory; the next Open cuts it off)", rec.TornReason, rec.TornBytes)
			}
		}
		s.Close()
	}
	if loaded != "" {
		rep.Checkpoints++
	}

	// Every other checkpoint, end to end.
	for _, f := range l.Checkpoints {
		if f.Name == loaded || skipped[f.Name] {
			continue
		}
		rep.Checkpoints++
		if err := e.verifyCheckpoint(dir, f); err != nil {
			bad(f.Name, "%v", err)
		}
	}
	rep.OK = len(rep.Problems) == 0
	return rep, nil
}

// verifyCheckpoint reads a checkpoint file as a backup: every block's
// checksum, the trailer, the key order, the version its name gives, and
// nothing after the trailer.
func (e *env) verifyCheckpoint(dir string, f storeFile) error {
	fh, err := os.Open(filepath.Join(dir, f.Name))
	if err != nil {
		return err
	}
	defer fh.Close()
	cr := &countReader{r: fh}
	bar := e.newProgress("checking "+f.Name, f.Size, true)
	s, err := mvcc.Restore(bar.reader(cr), mvcc.WithHistory(0))
	bar.done()
	if err != nil {
		return err
	}
	defer s.Close()
	if v := s.CurrentVersion(); v != f.Version {
		return fmt.Errorf("holds version %d, its name says %d", v, f.Version)
	}
	fi, err := fh.Stat()
	if err != nil {
		return err
	}
	if rest := fi.Size() - cr.n; rest > 0 {
		return fmt.Errorf("%d bytes after the trailer", rest)
	}
	return nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func printVerify(w io.Writer, r verifyReport) {
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, p := range r.Problems {
		if p.File != "" {
			fmt.Fprintf(w, "DAMAGED %s: %s\n", p.File, p.What)
		} else {
			fmt.Fprintf(w, "DAMAGED %s\n", p.What)
		}
	}
	if r.OK {
		fmt.Fprintf(w, "ok: %s: version %d, %d checkpoints and %d log segments checked, %d records replayed\n",
			r.Dir, r.Version, r.Checkpoints, r.Segments, r.Records)
		return
	}
	fmt.Fprintf(w, "%s: %d problems found\n", r.Dir, len(r.Problems))
}
