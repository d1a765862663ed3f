package core

import (
	"flag"
	"os"
	"testing"
)

// TestMain raises rapid's default number of checks per property from 100 to
// 1000 (the properties are cheap); an explicit -rapid.checks wins.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "rapid.checks" {
			set = true
		}
	})
	if !set && !testing.Short() {
		if f := flag.Lookup("rapid.checks"); f != nil {
			_ = f.Value.Set("1000")
		}
	}
	os.Exit(m.Run())
}
