package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// damageOffsets are the offsets of a file of size n that the damage test
// tries, as the library's durable damage test picks them: the first bytes
// (headers), the last bytes (the tail record), and points spread over the
// rest.
func damageOffsets(n int) []int {
	var out []int
	for i := 0; i < min(n, 40); i += 3 {
		out = append(out, i)
	}
	for i := max(n-12, 0); i < n; i++ {
		out = append(out, i)
	}
	for i := 1; i < 24; i++ {
		out = append(out, n*i/24)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// recordEnds returns the offsets at which the records of a log segment end
// (the header's end first): a segment cut at one of them is a shorter log,
// which nothing in the directory tells from a whole one.
func recordEnds(seg []byte) []int {
	const header, frame = 28, 8
	ends := []int{header}
	for off := header; off+frame <= len(seg); {
		off += frame + int(binary.BigEndian.Uint32(seg[off:]))
		if off > len(seg) {
			break
		}
		ends = append(ends, off)
	}
	return ends
}

// verifyCode runs inmem verify on dir in this process and returns its exit
// status and output.
func verifyCode(dir string) (int, string) {
	var out bytes.Buffer
	code := run([]string{"verify", dir}, nil, &out, &out)
	return code, out.String()
}

// inmem verify finds the damage the library's durable tests plant — every
// file of a store cut short at many offsets, or with one byte changed — and
// exits 1, a log cut exactly between two records included (the store was
// closed cleanly: its clean-close marker names the last version), and
// changes nothing.
func TestVerifyFindsDamage(t *testing.T) {
	base := t.TempDir()
	orig := filepath.Join(base, "orig")
	if err := writeFixture(orig); err != nil {
		t.Fatal(err)
	}
	if code, out := verifyCode(orig); code != 0 {
		t.Fatalf("the fixture does not verify (%d): %s", code, out)
	}
	des, err := os.ReadDir(orig)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, de := range des {
		if de.Name() != "LOCK" {
			files = append(files, de.Name())
		}
	}
	lastSeg := ""
	for _, f := range files {
		if filepath.Ext(f) == ".wal" {
			lastSeg = f // ReadDir sorts by name: versions
		}
	}
	if len(files) < 2 || lastSeg == "" {
		t.Fatalf("the fixture holds %v: want a checkpoint and a log", files)
	}
	trial, between := 0, 0
	for _, file := range files {
		data, err := os.ReadFile(filepath.Join(orig, file))
		if err != nil {
			t.Fatal(err)
		}
		var ends []int
		if file == lastSeg {
			ends = recordEnds(data)
		}
		offsets := damageOffsets(len(data))
		if file == lastSeg {
			offsets = append(offsets, ends[:3]...)
			slices.Sort(offsets)
			offsets = slices.Compact(offsets)
		}
		for _, off := range offsets {
			for _, how := range []string{"cut", "flip"} {
				trial++
				dir := filepath.Join(base, fmt.Sprintf("t%d", trial))
				copyDir(t, orig, dir)
				b := slices.Clone(data)
				if how == "cut" {
					b = b[:off]
				} else {
					b[off] ^= 0x5a
				}
				if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
					t.Fatal(err)
				}
				code, out := verifyCode(dir)
				if how == "cut" && slices.Contains(ends, off) {
					between++
				}
				if code != 1 {
					t.Errorf("%s %s at %d of %d: exit %d, want 1: %s", file, how, off, len(data), code, out)
				}
				if !bytes.Contains([]byte(out), []byte("DAMAGED")) {
					t.Errorf("%s %s at %d: no DAMAGED line: %s", file, how, off, out)
				}
				got, err := os.ReadFile(filepath.Join(dir, file))
				if err != nil || !bytes.Equal(got, b) {
					t.Fatalf("%s %s at %d: verify changed the file", file, how, off)
				}
				os.RemoveAll(dir)
			}
		}
	}
	t.Logf("%d damaged copies, %d of them cut between records: all found damaged", trial, between)
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	des, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		in, err := os.Open(filepath.Join(from, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(to, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
