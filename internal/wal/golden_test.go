package wal

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
)

// The golden tests pin every byte layout of docs/format.md: the expected
// bytes are written out field by field from the document, not produced by
// the code under test. Only the checksums are computed (CRC-32C, as the
// document defines it).

// hx decodes hex written with spaces and "|" between fields for reading.
func hx(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "|", "", "\n", "", "\t", "").Replace(s))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func crcC(b ...[]byte) []byte {
	var c uint32
	for _, p := range b {
		c = crc32.Update(c, crc32.MakeTable(crc32.Castagnoli), p)
	}
	return binary.BigEndian.AppendUint32(nil, c)
}

func cat(b ...[]byte) []byte { return bytes.Join(b, nil) }

func mustEqualBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s:\n got % x\nwant % x", what, got, want)
	}
}

// goldenAt is 2026-01-02T03:04:05.000000006Z: seconds 0x695735a5, 6 ns.
var goldenAt = time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)

const goldenAtHex = "00000000 695735a5 | 00000006"

func TestGoldenSegmentHeader(t *testing.T) {
	body := hx(t, "696e6d656d57414c | 00000001 | 00000000 | 0000000000000007")
	want := cat(body, crcC(body))
	mustEqualBytes(t, "segment header", appendSegmentHeader(nil, 7), want)
	if len(want) != segmentHdrLen {
		t.Fatalf("header length %d", len(want))
	}
	if v, err := checkSegmentHeader(want); err != nil || v != 7 {
		t.Fatalf("checkSegmentHeader: %d, %v", v, err)
	}
}

// TestGoldenRecord pins a record frame, its payload, every change op, and
// every kind of the value encoding.
func TestGoldenRecord(t *testing.T) {
	m := core.MapValue(map[string]core.Value{"b": core.Int64Value(1), "a": core.NullValue()})
	values := []core.Value{
		core.NullValue(), core.BoolValue(true), core.Int64Value(-2), core.Float64Value(1.5),
		core.StringValue("hi"), core.BytesValue([]byte{0xff}),
		core.ArrayValue(core.BoolValue(false), core.StringValue("")), m,
		core.VectorValue([]float32{1, -2}),
	}
	valueHex := []string{
		"00",
		"01 01",
		"02 fffffffffffffffe",
		"03 3ff8000000000000",
		"04 02 6869",
		"05 01 ff",
		"06 02 | 01 00 | 04 00",
		"07 02 | 01 61 00 | 01 62 02 0000000000000001",
		"08 02 3f800000 c0000000",
	}
	rec := Record{Version: 0x0102, Time: goldenAt}
	ops := []core.ChangeOp{core.ChangePut, core.ChangeDelete, core.ChangeExpire}
	var changes []byte
	for i, v := range values {
		key := "k" + string(rune('0'+i))
		ttl := time.Duration(0)
		ttlHex := "00"
		if i == 1 {
			ttl, ttlHex = time.Second, "80 94 eb dc 03" // 1e9 as a uvarint
		}
		rec.Changes = append(rec.Changes, Change{Key: key, Op: ops[i%3], Value: core.VersionedValue{
			Value: v, Version: 0x81, Timestamp: goldenAt, TTL: ttl,
		}})
		changes = append(changes, hx(t,
			"0"+string(rune('1'+i%3))+ // op
				" | 02 6b 3"+string(rune('0'+i))+ // key length, key
				" | 81 01"+ // value version 0x81 as a uvarint
				" | "+goldenAtHex+
				" | "+ttlHex+
				" | "+valueHex[i])...)
	}
	payload := cat(hx(t, "0000000000000102 | "+goldenAtHex+" | 09"), changes)
	length := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	want := cat(length, crcC(length, payload), payload)
	got, err := appendRecord(nil, &rec)
	if err != nil {
		t.Fatal(err)
	}
	mustEqualBytes(t, "record frame", got, want)
	var back Record
	if err := decodeRecord(want[frameHeaderLen:], &back); err != nil || !equalRecord(&back, &rec) {
		t.Fatalf("decode: %+v, %v", back, err)
	}
}

func TestGoldenEndRecord(t *testing.T) {
	payload := hx(t, "0000000000000000 | 0000000000000100")
	length := hx(t, "00000010")
	mustEqualBytes(t, "end record", appendEndRecord(nil, 0x100), cat(length, crcC(length, payload), payload))
}

func TestGoldenClosed(t *testing.T) {
	body := hx(t, "696e6d656d434c53 | 00000001 | 000000000000002a")
	want := cat(body, crcC(body))
	mustEqualBytes(t, "clean-close marker", appendClosed(nil, 42), want)
	if v, err := checkClosed(want); err != nil || v != 42 {
		t.Fatalf("checkClosed: %d, %v", v, err)
	}
}

func TestGoldenSnapshot(t *testing.T) {
	h := SnapshotHeader{Version: 9, Time: goldenAt, Created: goldenAt.Add(time.Second), Creator: "t"}
	entries := []Entry{
		{Key: "a", Value: core.VersionedValue{Value: core.StringValue("x"), Version: 3, Timestamp: goldenAt}},
		{Key: "bc", Value: core.VersionedValue{Value: core.Int64Value(5), Version: 9, Timestamp: goldenAt, TTL: 300}},
	}
	header := hx(t, "696e6d656d534e50 | 00000001 | 00000022 |"+ // magic, version, body length 34
		"0000000000000009 |"+goldenAtHex+" | 00000000 695735a6 | 00000006 | 01 74")
	header = cat(header, crcC(header))
	payload := hx(t, "01 61 | 03 | "+goldenAtHex+" | 00 | 04 01 78 |"+
		"02 6263 | 09 | "+goldenAtHex+" | ac 02 | 02 0000000000000005")
	blockHdr := cat(hx(t, "42"), binary.BigEndian.AppendUint32(nil, uint32(len(payload))), hx(t, "00000002"))
	block := cat(blockHdr, payload, crcC(blockHdr, payload))
	trailer := hx(t, "54 | 0000000000000002")
	want := cat(header, block, trailer)
	want = cat(want, crcC(want))

	var buf bytes.Buffer
	n, err := WriteSnapshot(&buf, h, slices.Values(entries))
	if err != nil || n != int64(len(want)) {
		t.Fatalf("WriteSnapshot: %d, %v", n, err)
	}
	mustEqualBytes(t, "snapshot stream", buf.Bytes(), want)

	// No entries: header and trailer only.
	empty := cat(header, hx(t, "54 | 0000000000000000"))
	empty = cat(empty, crcC(empty))
	buf.Reset()
	if _, err := WriteSnapshot(&buf, h, nil); err != nil {
		t.Fatal(err)
	}
	mustEqualBytes(t, "empty snapshot stream", buf.Bytes(), empty)
}

// TestGoldenNames pins the file names of docs/format.md.
func TestGoldenNames(t *testing.T) {
	for got, want := range map[string]string{
		segmentName(7):              "00000000000000000007.wal",
		checkpointName(1 << 40):     "00000001099511627776.ckpt",
		checkpointName(3) + tempExt: "00000000000000000003.ckpt.tmp",
		closedName:                  "CLOSED",
		closedName + tempExt:        "CLOSED.tmp",
		lockName:                    "LOCK",
	} {
		if got != want {
			t.Errorf("name %q, want %q", got, want)
		}
	}
	if v, ok := parseName("18446744073709551615.wal", segmentExt); !ok || v != 1<<64-1 {
		t.Errorf("parseName of the largest version: %d, %v", v, ok)
	}
	if _, ok := parseName("7.wal", segmentExt); ok {
		t.Error("a name of fewer than 20 digits parsed")
	}
}

// NameKind tells every file of docs/format.md by its name, and nothing else.
func TestNameKind(t *testing.T) {
	for _, c := range []struct {
		name string
		kind FileKind
		v    uint64
	}{
		{"00000000000000000007.wal", FileSegment, 7},
		{"00000001099511627776.ckpt", FileCheckpoint, 1 << 40},
		{"00000000000000000003.ckpt.tmp", FileCheckpointTemp, 3},
		{"LOCK", FileLock, 0},
		{"CLOSED", FileClosed, 0},
		{"CLOSED.tmp", FileOther, 0},
		{"7.wal", FileOther, 0},
		{"00000000000000000007.wal.tmp", FileOther, 0},
		{"notes.ckpt.tmp", FileOther, 0},
		{"0000000000000000000x.ckpt", FileOther, 0},
	} {
		kind, v := NameKind(c.name)
		if kind != c.kind || v != c.v {
			t.Errorf("NameKind(%q) = %d, %d; want %d, %d", c.name, kind, v, c.kind, c.v)
		}
	}
}
