package wal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
)

// The bytes of a stream with marks: format version 2, the mark block after
// the entry blocks, before the trailer.
func TestGoldenSnapshotMarks(t *testing.T) {
	h := SnapshotHeader{Version: 9, Time: goldenAt, Created: goldenAt.Add(time.Second), Creator: "t",
		Marks: []Mark{{Key: "ev", Seq: 7}, {Key: "ew", Seq: 300}}}
	entries := []Entry{{Key: "a", Value: core.VersionedValue{Value: core.StringValue("x"), Version: 3, Timestamp: goldenAt}}}
	header := hx(t, "696e6d656d534e50 | 00000002 | 00000022 |"+ // magic, version 2, body length 34
		"0000000000000009 |"+goldenAtHex+" | 00000000 695735a6 | 00000006 | 01 74")
	header = cat(header, crcC(header))
	payload := hx(t, "01 61 | 03 | "+goldenAtHex+" | 00 | 04 01 78")
	blockHdr := cat(hx(t, "42"), binary.BigEndian.AppendUint32(nil, uint32(len(payload))), hx(t, "00000001"))
	block := cat(blockHdr, payload, crcC(blockHdr, payload))
	marks := hx(t, "02 6576 | 07 | 02 6577 | ac 02")
	marksHdr := cat(hx(t, "4d"), binary.BigEndian.AppendUint32(nil, uint32(len(marks))), hx(t, "00000002"))
	markBlock := cat(marksHdr, marks, crcC(marksHdr, marks))
	trailer := hx(t, "54 | 0000000000000001")
	want := cat(header, block, markBlock, trailer)
	want = cat(want, crcC(want))

	var buf bytes.Buffer
	n, err := WriteSnapshot(&buf, h, slices.Values(entries))
	if err != nil || n != int64(len(want)) {
		t.Fatalf("WriteSnapshot: %d, %v", n, err)
	}
	mustEqualBytes(t, "snapshot stream with marks", buf.Bytes(), want)

	got, err := ReadSnapshot(bytes.NewReader(want), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Marks, h.Marks) {
		t.Fatalf("marks %v, want %v", got.Marks, h.Marks)
	}
}

// Many marks span blocks and come back in order, from a backup stream and
// from a checkpoint (in the header Recover gives its load callback); a
// stream without marks stays format version 1.
func TestSnapshotMarksRoundTrip(t *testing.T) {
	marks := make([]Mark, 20_000)
	for i := range marks {
		marks[i] = Mark{Key: fmt.Sprintf("log-%06d", i), Seq: uint64(i) * 977}
	}
	entries := genEntries(3, 50, 100)
	var buf bytes.Buffer
	if _, err := WriteSnapshot(&buf, SnapshotHeader{Version: 100, Marks: marks}, slices.Values(entries)); err != nil {
		t.Fatal(err)
	}
	var n int
	h, err := ReadSnapshot(bytes.NewReader(buf.Bytes()), func(Entry) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if n != len(entries) || !slices.Equal(h.Marks, marks) {
		t.Fatalf("%d entries, %d marks back", n, len(h.Marks))
	}

	buf.Reset()
	if _, err := WriteSnapshot(&buf, SnapshotHeader{Version: 100}, slices.Values(entries)); err != nil {
		t.Fatal(err)
	}
	if v := binary.BigEndian.Uint32(buf.Bytes()[8:]); v != 1 {
		t.Fatalf("a stream without marks is format version %d", v)
	}

	dir := t.TempDir()
	l, _ := mustOpen(t, dir, Options{})
	appendAll(t, l, genRecords(5, 1, 10), 2)
	if err := l.WriteCheckpoint(10, epoch, slices.Values(genEntries(6, 20, 10)), marks...); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, got := mustOpen(t, dir, Options{})
	defer l.Close()
	if got.header == nil || !slices.Equal(got.header.Marks, marks) {
		t.Fatalf("the checkpoint's marks did not come back")
	}
}

// A reader refuses marks anywhere a writer never puts them, and damaged
// mark blocks; a writer refuses marks out of order.
func TestSnapshotMarksRefused(t *testing.T) {
	_, err := WriteSnapshot(&bytes.Buffer{}, SnapshotHeader{Marks: []Mark{{Key: "b"}, {Key: "a"}}}, nil)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("marks out of order written: %v", err)
	}
	_, err = WriteSnapshot(&bytes.Buffer{}, SnapshotHeader{Marks: []Mark{{Key: "a"}, {Key: "a"}}}, nil)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("a repeated mark written: %v", err)
	}

	h := SnapshotHeader{Version: 9, Marks: []Mark{{Key: "ev", Seq: 7}}}
	entries := genEntries(8, 3, 9)
	var buf bytes.Buffer
	if _, err := WriteSnapshot(&buf, h, slices.Values(entries)); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	markAt := bytes.LastIndexByte(good[:len(good)-13], blockMarks)
	for _, c := range []struct {
		name string
		edit func([]byte) []byte
	}{
		{"damaged mark", func(b []byte) []byte { b[markAt+10] ^= 1; return b }},
		{"damaged mark count", func(b []byte) []byte { b[markAt+8]++; return b }},
		{"cut in the mark block", func(b []byte) []byte { return b[:markAt+5] }},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := c.edit(bytes.Clone(good))
			_, err := ReadSnapshot(bytes.NewReader(b), nil)
			if !errors.Is(err, core.ErrCorrupt) {
				t.Fatalf("read: %v", err)
			}
		})
	}
	// Checksums right, but marks where no writer puts them: refused.
	entryBlock := func(sw *snapshotWriter) error {
		b := startBlock(nil)
		b, _ = appendVersioned(b, entries[0].Key, &entries[0].Value)
		return sw.write(finishBlock(b, 1))
	}
	markBlock := func(sw *snapshotWriter) error {
		_, err := writeMarks(sw, nil, h.Marks)
		return err
	}
	noMarks := h
	noMarks.Marks = nil
	for _, c := range []struct {
		name   string
		header SnapshotHeader
		blocks []func(*snapshotWriter) error
	}{
		{"entries after marks", h, []func(*snapshotWriter) error{markBlock, entryBlock}},
		{"marks in format version 1", noMarks, []func(*snapshotWriter) error{entryBlock, markBlock}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var w bytes.Buffer
			sw := snapshotWriter{w: &w, crc: crc32.New(castagnoli)}
			if err := sw.write(appendSnapshotHeader(nil, &c.header)); err != nil {
				t.Fatal(err)
			}
			for _, block := range c.blocks {
				if err := block(&sw); err != nil {
					t.Fatal(err)
				}
			}
			tr := binary.BigEndian.AppendUint64([]byte{blockTrailer}, 1)
			sw.crc.Write(tr)
			if err := sw.write(binary.BigEndian.AppendUint32(tr, sw.crc.Sum32())); err != nil {
				t.Fatal(err)
			}
			if _, err := ReadSnapshot(bytes.NewReader(w.Bytes()), nil); !errors.Is(err, core.ErrCorrupt) || !strings.Contains(err.Error(), "unexpected block") {
				t.Fatalf("read: %v", err)
			}
		})
	}
}
