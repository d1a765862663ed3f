package wal

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/inmemdb/inmem/core"
)

// FuzzReadSnapshot: any input is read without a panic and is either refused
// with ErrCorrupt or yields entries that survive a second round trip.
func FuzzReadSnapshot(f *testing.F) {
	for _, n := range []int{0, 1, 3} {
		var buf bytes.Buffer
		if _, err := WriteSnapshot(&buf, testHeader, slices.Values(genEntries(40, n, 1000))); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
		f.Add(buf.Bytes()[:buf.Len()/2])
	}
	f.Add([]byte(snapshotMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, got, err := readSnap(data)
		if err != nil {
			if !errors.Is(err, core.ErrCorrupt) {
				t.Fatalf("error not wrapping ErrCorrupt: %v", err)
			}
			return
		}
		h2, again, err := readSnap(writeSnap(t, h, got))
		if err != nil {
			t.Fatal(err)
		}
		if h2.Version != h.Version || !h2.Time.Equal(h.Time) || h2.Creator != h.Creator {
			t.Fatalf("header %+v, then %+v", h, h2)
		}
		checkEntries(t, again, got)
	})
}

// FuzzSegment: any bytes as the last segment of a log are scanned without a
// panic, as an error wrapping ErrCorrupt or as gapless records from the
// segment's first version; the good prefix scans again to the same records
// with nothing to cut. (The file handling around the scan is exercised by the
// torn-tail and byte-flip tests.)
func FuzzSegment(f *testing.F) {
	recs := genRecords(41, 5, 4)
	var seg []byte
	seg = appendSegmentHeader(seg, 5)
	for i := range recs {
		var err error
		if seg, err = appendRecord(seg, &recs[i]); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(seg, uint64(0))
	f.Add(seg, uint64(6))
	f.Add(seg[:len(seg)-3], uint64(0))
	f.Add(seg[:segmentHdrLen], uint64(0))
	f.Add(seg[:10], uint64(0))
	f.Add(appendEndRecord(slices.Clone(seg), 9), uint64(0))
	f.Fuzz(func(t *testing.T, data []byte, base uint64) {
		var got []Record
		collect := func(r *Record) error {
			got = append(got, cloneRecord(r))
			return nil
		}
		var rec Record
		res, err := scanSegment("fuzz", data, 5, true, base, &rec, collect)
		if err != nil {
			if !errors.Is(err, core.ErrCorrupt) {
				t.Fatalf("error not wrapping ErrCorrupt: %v", err)
			}
			return
		}
		want := max(5, base+1)
		for i, r := range got {
			if r.Version != want+uint64(i) {
				t.Fatalf("record %d has version %d, want %d", i, r.Version, want+uint64(i))
			}
		}
		if res.tornHeader {
			if len(got) != 0 || len(data) > segmentHdrLen {
				t.Fatalf("torn header with %d records, %d bytes", len(got), len(data))
			}
			return
		}
		if res.last < 4 || (len(got) > 0 && res.last != got[len(got)-1].Version) {
			t.Fatalf("last %d, records %d", res.last, len(got))
		}
		first := got
		got = nil
		again, err := scanSegment("fuzz", data[:res.good], 5, false, base, &rec, collect)
		if err != nil || again.reason != "" || again.last != res.last {
			t.Fatalf("the good prefix scans to %+v, %v; first %+v", again, err, res)
		}
		checkRecords(t, got, first)
	})
}
