package wal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
)

func writeSnap(t testing.TB, h SnapshotHeader, entries []Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := WriteSnapshot(&buf, h, slices.Values(entries))
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteSnapshot returned %d, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

func readSnap(b []byte) (SnapshotHeader, []Entry, error) {
	var got []Entry
	h, err := ReadSnapshot(bytes.NewReader(b), func(e Entry) error {
		got = append(got, e)
		return nil
	})
	return h, got, err
}

func checkEntries(t testing.TB, got, want []Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Key != want[i].Key || !equalVersioned(got[i].Value, want[i].Value) {
			t.Fatalf("entry %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

var testHeader = SnapshotHeader{Version: 1000, Time: epoch, Created: epoch.Add(time.Hour), Creator: "wal test"}

func TestSnapshotRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 7, 5000} { // 5000 entries span several blocks
		entries := genEntries(30, n, 1000)
		b := writeSnap(t, testHeader, entries)
		h, got, err := readSnap(b)
		if err != nil {
			t.Fatalf("%d entries: %v", n, err)
		}
		if h.Version != 1000 || !h.Time.Equal(epoch) || !h.Created.Equal(epoch.Add(time.Hour)) || h.Creator != "wal test" {
			t.Fatalf("header %+v", h)
		}
		checkEntries(t, got, entries)
		// ReadSnapshot reads nothing past the trailer.
		r := io.MultiReader(bytes.NewReader(b), strings.NewReader("next"))
		if _, err := ReadSnapshot(r, nil); err != nil {
			t.Fatal(err)
		}
		if rest, _ := io.ReadAll(r); string(rest) != "next" {
			t.Fatalf("bytes after the trailer consumed: left %q", rest)
		}
	}
}

func TestSnapshotLargeEntry(t *testing.T) {
	big := strings.Repeat("x", blockTarget*3)
	entries := []Entry{
		{Key: "a", Value: core.VersionedValue{Value: core.StringValue("small"), Version: 1, Timestamp: epoch}},
		{Key: "b", Value: core.VersionedValue{Value: core.StringValue(big), Version: 2, Timestamp: epoch}},
		{Key: "c", Value: core.VersionedValue{Value: core.Int64Value(3), Version: 3, Timestamp: epoch}},
	}
	_, got, err := readSnap(writeSnap(t, testHeader, entries))
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, got, entries)
}

func TestSnapshotBadInput(t *testing.T) {
	var buf bytes.Buffer
	if _, err := WriteSnapshot(nil, testHeader, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("nil writer: %v", err)
	}
	if _, err := WriteSnapshot(&buf, SnapshotHeader{Creator: strings.Repeat("c", 256)}, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("long creator: %v", err)
	}
	newer := []Entry{{Key: "k", Value: core.VersionedValue{Version: 1001}}}
	if _, err := WriteSnapshot(&buf, testHeader, slices.Values(newer)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("entry newer than the snapshot: %v", err)
	}
	if _, err := ReadSnapshot(nil, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("nil reader: %v", err)
	}
	// A nil entry sequence is an empty snapshot.
	b := writeSnap(t, testHeader, nil)
	if _, got, err := readSnap(b); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v, %d entries", err, len(got))
	}
	// An error from fn comes back as it is, and stops the read.
	stop := errors.New("stop here")
	calls := 0
	_, err := ReadSnapshot(bytes.NewReader(writeSnap(t, testHeader, genEntries(31, 10, 1000))), func(Entry) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Fatalf("fn error: %v after %d calls", err, calls)
	}
}

type failWriter struct{ left int }

func (w *failWriter) Write(b []byte) (int, error) {
	if len(b) > w.left {
		n := w.left
		w.left = 0
		return n, errors.New("disk full")
	}
	w.left -= len(b)
	return len(b), nil
}

func TestSnapshotWriteError(t *testing.T) {
	entries := genEntries(32, 3000, 1000)
	full := writeSnap(t, testHeader, entries)
	for _, at := range []int{0, 10, len(full) / 2, len(full) - 1} {
		n, err := WriteSnapshot(&failWriter{left: at}, testHeader, slices.Values(entries))
		if err == nil || n != int64(at) {
			t.Fatalf("fail at %d: n %d, err %v", at, n, err)
		}
	}
}

// TestSnapshotTruncated: a stream cut at any offset is refused.
func TestSnapshotTruncated(t *testing.T) {
	b := writeSnap(t, testHeader, genEntries(33, 40, 1000))
	for cut := 0; cut < len(b); cut++ {
		_, _, err := readSnap(b[:cut])
		mustCorrupt(t, err, fmt.Sprintf("cut at %d of %d", cut, len(b)))
	}
}

// TestSnapshotFlips: a stream with any byte flipped is refused.
func TestSnapshotFlips(t *testing.T) {
	b := writeSnap(t, testHeader, genEntries(34, 40, 1000))
	for off := range b {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			c := slices.Clone(b)
			c[off] ^= mask
			_, _, err := readSnap(c)
			mustCorrupt(t, err, fmt.Sprintf("flip %#x at %d of %d", mask, off, len(b)))
		}
	}
}

// TestSnapshotConstantMemory: the reader's buffer holds one block, however
// long the stream.
func TestSnapshotConstantMemory(t *testing.T) {
	b := writeSnap(t, testHeader, genEntries(35, 20000, 1000))
	if len(b) < 10*blockTarget {
		t.Fatalf("stream of %d bytes: want many blocks", len(b))
	}
	var largest int
	r := snapshotReader{r: bytes.NewReader(b)}
	if _, err := r.header(); err != nil {
		t.Fatal(err)
	}
	for {
		k, err := r.read(1, "block")
		if err != nil {
			t.Fatal(err)
		}
		if k[0] != blockEntries {
			break
		}
		hdr, err := r.read(8, "block header")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.readLarge(int(binary.BigEndian.Uint32(hdr)), "block"); err != nil {
			t.Fatal(err)
		}
		if _, err := r.read(4, "block checksum"); err != nil {
			t.Fatal(err)
		}
		largest = max(largest, cap(r.buf))
	}
	if largest > 2*blockTarget {
		t.Fatalf("block buffer grew to %d bytes", largest)
	}
}
