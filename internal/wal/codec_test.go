package wal

import (
	"encoding/binary"
	"math"
	"testing"
)

func TestUvarintShortestOnly(t *testing.T) {
	for _, u := range []uint64{0, 1, 127, 128, 16383, 16384, math.MaxUint32, math.MaxUint64} {
		b := binary.AppendUvarint(nil, u)
		if uvarintLen(u) != len(b) {
			t.Fatalf("uvarintLen(%d) = %d, encoding is %d bytes", u, uvarintLen(u), len(b))
		}
		d := decoder{b: b}
		if got := d.uvarint("n"); got != u || d.bad != "" {
			t.Fatalf("%d decoded as %d (%s)", u, got, d.bad)
		}
	}
	d := decoder{b: []byte{0x80, 0x00}} // 0, overlong
	if d.uvarint("n"); d.bad == "" {
		t.Fatal("an overlong uvarint was accepted")
	}
}
