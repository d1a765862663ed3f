package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/mvcc"
	"github.com/rogpeppe/go-internal/testscript"
)

// The test binary is also the inmem command and a helper, inmemtest, for the
// scripts in testdata/script: testscript runs them as real processes.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"inmem":     func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		"inmemtest": func() { os.Exit(helper(os.Args[1:])) },
	})
}

var update = flag.Bool("update", false, "rewrite the golden outputs of testdata/script from what the commands print")

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		UpdateScripts: *update,
		Dir:           "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfile": cmdWaitFile,
			"exits":    cmdExits,
		},
		RequireUniqueNames: true,
	})
}

// waitfile FILE waits, up to a deadline, for FILE to exist: a background
// process says it is ready by writing it.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitfile: %s did not appear within 30s (the background process did not get ready)", args[0])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// exits N CMD ARGS... runs CMD and checks that it exits with status N; its
// output is kept for stdout and stderr checks.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N CMD ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Logf("[stdout]\n%s[stderr]\n%s", ts.ReadFile("stdout"), ts.ReadFile("stderr"))
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// fixtureStart is the fixture's clock at its first write: long ago, so that
// its one-hour TTL has run out (an expired value not yet removed), while the
// other TTLs run to 2200.
var fixtureStart = time.Date(2000, 1, 2, 3, 4, 5, 0, time.UTC)

// fixtureRun is the fixture's run ids: 01000000-..., 02000000-...
func fixtureRun(i byte) core.RunID { return core.RunID{i} }

// helper runs the inmemtest subcommands the scripts use.
func helper(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: inmemtest fixture|hold|damage ...")
		return 2
	}
	var err error
	switch args[0] {
	case "fixture":
		err = writeFixture(args[1])
	case "hold":
		err = hold(args[1:])
	case "damage":
		err = damage(args[1:])
	default:
		err = fmt.Errorf("unknown subcommand %q", args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "inmemtest:", err)
		return 1
	}
	return 0
}

// writeFixture writes the test store into dir, deterministically: two
// tenants, every type, overwrites, a delete, an expired value, a checkpoint
// halfway and log records after it.
func writeFixture(dir string) error {
	clk := core.NewManualClock(fixtureStart)
	s, err := mvcc.Open(dir, mvcc.WithClock(clk))
	if err != nil {
		return err
	}
	if err := fixtureWrites(s, clk); err != nil {
		s.Close()
		return err
	}
	return s.Close()
}

func fixtureWrites(s *mvcc.Store, clk *core.ManualClock) error {
	acme := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: fixtureRun(1)}
	globex := core.Namespace{Tenant: "globex", App: "ops", Agent: "pager", RunID: fixtureRun(2)}
	forever := 200 * 365 * 24 * time.Hour
	steps := []func() error{
		func() error { return put(s, core.KVKey(acme, "hypothesis"), core.StringValue("dns"), 0) },
		func() error { return put(s, core.KVKey(acme, "scratch"), core.StringValue("soon gone"), time.Hour) },
		func() error { _, _, err := s.Append(acme, core.StringValue("ticket received"), 0); return err },
		func() error {
			return put(s, core.StateKey(acme, "ticket"), core.StringValue("open"), 0)
		},
		func() error {
			v, err := core.ValueOf(map[string]any{"priority": 2, "tags": []string{"billing", "eu"}})
			if err != nil {
				return err
			}
			return put(s, core.RunMetadataKey(acme), v, 0)
		},
		func() error { return s.Checkpoint() },
		func() error {
			return put(s, core.KVKey(acme, "hypothesis"), core.StringValue("billing sync failed"), forever)
		},
		func() error { _, _, err := s.Append(acme, core.Int64Value(42), 0); return err },
		func() error { return put(s, core.KVKey(globex, "oncall"), core.StringValue("ana"), 0) },
		func() error { _, err := s.Delete(core.KVKey(globex, "oncall")); return err },
		func() error { return put(s, core.KVKey(globex, "oncall"), core.StringValue("ben"), 0) },
		func() error {
			return put(s, core.NewKey(globex, core.TypeKV, []byte{0, 1, 'x'}), core.BytesValue([]byte{1, 2, 3}), 0)
		},
		func() error { return put(s, core.StateKey(acme, "ticket"), core.StringValue("resolved"), 0) },
	}
	for _, step := range steps {
		clk.Advance(time.Minute)
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func put(s *mvcc.Store, k core.Key, v core.Value, ttl time.Duration) error {
	_, err := s.Put(k, v, ttl)
	return err
}

// hold DIR READY opens DIR as an application would (holding it), writes
// one more value, creates READY, and keeps DIR until SIGINT.
func hold(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: inmemtest hold DIR READY")
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	clk := core.NewManualClock(fixtureStart.Add(time.Hour))
	s, err := mvcc.Open(args[0], mvcc.WithClock(clk))
	if err != nil {
		return err
	}
	ns := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: fixtureRun(1)}
	if _, _, err := s.Append(ns, core.StringValue("written by the holder"), 0); err != nil {
		return err
	}
	if err := os.WriteFile(args[1], nil, 0o644); err != nil {
		return err
	}
	<-sig
	return s.Close()
}

// damage cut|flip FILE OFFSET truncates FILE at OFFSET, or flips the bits
// of its byte at OFFSET (a negative OFFSET counts from the end).
func damage(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: inmemtest damage cut|flip FILE OFFSET")
	}
	data, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	off, err := strconv.Atoi(args[2])
	if err != nil {
		return err
	}
	if off < 0 {
		off += len(data)
	}
	if off < 0 || off >= len(data) {
		return fmt.Errorf("offset %s outside %s's %d bytes", args[2], filepath.Base(args[1]), len(data))
	}
	switch args[0] {
	case "cut":
		return os.Truncate(args[1], int64(off))
	case "flip":
		data[off] ^= 0x5a
		return os.WriteFile(args[1], data, 0o644)
	}
	return fmt.Errorf("unknown damage %q", args[0])
}
