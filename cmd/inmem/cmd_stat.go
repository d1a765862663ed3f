package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/spf13/cobra"
)

// statReport is what stat prints (--json: this object).
type statReport struct {
	Dir          string       `json:"dir"`
	Version      uint64       `json:"version"`
	Time         *time.Time   `json:"time,omitempty"` // the commit time of Version
	Keys         int          `json:"keys"`           // stored, expired ones not yet removed included
	LiveKeys     int          `json:"live_keys"`      // not expired
	LiveBytes    int64        `json:"live_bytes"`
	HistoryBytes int64        `json:"history_bytes"`
	Tenants      []countJSON  `json:"tenants"` // live keys per tenant, in key order
	Types        []countJSON  `json:"types"`   // live keys per type
	Segments     []storeFile  `json:"segments"`
	Checkpoints  []storeFile  `json:"checkpoints"`
	LogBytes     int64        `json:"log_bytes"`
	Checkpoint   *storeFile   `json:"last_checkpoint,omitempty"`
	Recovery     recoveryJSON `json:"recovery"`
	Other        []string     `json:"other_files,omitempty"`
}

type countJSON struct {
	Name string `json:"name"`
	Keys int    `json:"keys"`
}

// recoveryJSON is mvcc.RecoveryReport for people and scripts.
type recoveryJSON struct {
	CheckpointVersion uint64   `json:"checkpoint_version"`
	Checkpoint        string   `json:"checkpoint,omitempty"`
	Skipped           []string `json:"skipped,omitempty"`
	Records           int      `json:"records"`
	LastVersion       uint64   `json:"last_version"`
	TornBytes         int64    `json:"torn_bytes,omitempty"`
	TornAt            string   `json:"torn_at,omitempty"`
	TornReason        string   `json:"torn_reason,omitempty"`
	ClosedCleanly     bool     `json:"closed_cleanly"`
}

func recoveryOf(r mvcc.RecoveryReport) recoveryJSON {
	return recoveryJSON{
		CheckpointVersion: r.CheckpointVersion, Checkpoint: r.Checkpoint, Skipped: r.Skipped,
		Records: r.Records, LastVersion: r.LastVersion,
		TornBytes: r.TornBytes, TornAt: r.TornAt, TornReason: r.TornReason,
		ClosedCleanly: r.ClosedCleanly,
	}
}

func statCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "stat DIR",
		Short: "Show what a store directory holds: version, keys, bytes, tenants, types, files, recovery",
		Args:  cobra.ExactArgs(1),
		RunE: action(func(cmd *cobra.Command, args []string) error {
			s, err := openRead(args[0])
			if err != nil {
				return describe(args[0], err)
			}
			defer s.Close()
			rep := e.stat(s)
			if asJSON {
				return writeJSON(e.stdout, rep)
			}
			return printStat(e.stdout, rep)
		}),
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

func (e *env) stat(s *readStore) statReport {
	st := s.Stats()
	snap := s.Snapshot()
	rep := statReport{
		Dir: s.Dir, Version: st.Version, Keys: st.Keys, LiveBytes: st.LiveBytes, HistoryBytes: st.HistoryBytes,
		Segments: s.Listing.Segments, Checkpoints: s.Listing.Checkpoints,
		Recovery: recoveryOf(s.Recovery()), Other: s.Listing.Other,
	}
	if rep.Segments == nil {
		rep.Segments = []storeFile{}
	}
	if rep.Checkpoints == nil {
		rep.Checkpoints = []storeFile{}
	}
	if at, err := s.SnapshotAt(st.Version); err == nil && st.Version > 0 {
		t := at.Time().UTC() // SnapshotAt's time is the version's commit time
		rep.Time = &t
	}
	for _, f := range s.Listing.Segments {
		rep.LogBytes += f.Size
	}
	if n := len(s.Listing.Checkpoints); n > 0 {
		rep.Checkpoint = &s.Listing.Checkpoints[n-1]
	}
	bar := e.newProgress("counting", int64(st.Keys), false)
	tenants := map[string]int{}
	var types [256]int
	n := 0
	for k := range snap.Scan(core.AllKeys()) {
		tenants[k.Namespace.Tenant]++
		types[k.Type]++
		if n++; n%4096 == 0 {
			bar.add(4096)
		}
	}
	bar.done()
	rep.LiveKeys = n
	rep.Tenants = []countJSON{}
	for _, name := range slices.Sorted(maps.Keys(tenants)) {
		rep.Tenants = append(rep.Tenants, countJSON{Name: name, Keys: tenants[name]})
	}
	rep.Types = []countJSON{}
	for t := core.TypeTag(0); t.Valid(); t++ {
		if types[t] > 0 {
			rep.Types = append(rep.Types, countJSON{Name: t.String(), Keys: types[t]})
		}
	}
	return rep
}

func printStat(w io.Writer, r statReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format+"\n", args...) }
	p("directory\t%s", r.Dir)
	if r.Time != nil {
		p("version\t%d\t(committed %s)", r.Version, r.Time.Format(time.RFC3339Nano))
	} else {
		p("version\t%d", r.Version)
	}
	p("keys\t%d\t(%d live, %d expired not yet removed)", r.Keys, r.LiveKeys, r.Keys-r.LiveKeys)
	p("live bytes\t%d", r.LiveBytes)
	p("history bytes\t%d", r.HistoryBytes)
	p("tenants\t%d", len(r.Tenants))
	for _, t := range r.Tenants {
		p("  %s\t%d keys", quoteEmpty(t.Name), t.Keys)
	}
	p("types\t%d", len(r.Types))
	for _, t := range r.Types {
		p("  %s\t%d keys", t.Name, t.Keys)
	}
	p("log\t%d segments, %d bytes", len(r.Segments), r.LogBytes)
	for _, f := range r.Segments {
		p("  %s\t%d bytes", f.Name, f.Size)
	}
	if r.Checkpoint != nil {
		p("last checkpoint\t%s\t(version %d, %d bytes)", r.Checkpoint.Name, r.Checkpoint.Version, r.Checkpoint.Size)
	} else {
		p("last checkpoint\tnone")
	}
	for _, f := range r.Checkpoints[:max(len(r.Checkpoints)-1, 0)] {
		p("  older\t%s\t(%d bytes)", f.Name, f.Size)
	}
	rc := r.Recovery
	p("recovery\tcheckpoint %d, %d log records replayed, last version %d", rc.CheckpointVersion, rc.Records, rc.LastVersion)
	if rc.ClosedCleanly {
		p("  closed cleanly\tyes")
	} else {
		p("  closed cleanly\tno (held by a process now, or it crashed)")
	}
	for _, f := range rc.Skipped {
		p("  damaged checkpoint passed over\t%s", f)
	}
	if rc.TornBytes > 0 || rc.TornAt != "" {
		p("  torn tail\t%d bytes at %s: %s (the next Open cuts it off)", rc.TornBytes, rc.TornAt, rc.TornReason)
	}
	if len(r.Other) > 0 {
		p("other files\t%s", sample(r.Other))
	}
	return tw.Flush()
}

// quoteEmpty shows the empty name as "".
func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}
