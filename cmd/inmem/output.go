package main

import (
	"bufio"
	"encoding/json"
	"io"
	"time"

	"github.com/inmemdb/inmem/core"
)

// entryJSON is one entry as dump, get and history print it.
type entryJSON struct {
	Key       string          `json:"key"`
	Version   uint64          `json:"version"`
	Timestamp time.Time       `json:"timestamp"`
	Expires   *time.Time      `json:"expires,omitempty"` // the TTL deadline; absent: never
	Kind      string          `json:"kind"`
	Value     json.RawMessage `json:"value"`
	// Text is set, and Value is null, for a value JSON cannot hold (a NaN
	// or infinite float): its text rendering.
	Text string `json:"text,omitempty"`
}

func entryOf(k core.Key, vv core.VersionedValue) entryJSON {
	e := entryJSON{Key: k.String(), Version: vv.Version, Timestamp: vv.Timestamp.UTC(), Kind: vv.Value.Kind().String()}
	if at, ok := vv.ExpiresAt(); ok {
		at = at.UTC()
		e.Expires = &at
	}
	b, err := vv.Value.MarshalJSON()
	if err != nil {
		e.Value, e.Text = json.RawMessage("null"), vv.Value.String()
	} else {
		e.Value = b
	}
	return e
}

// lineWriter writes one JSON object per line, buffered.
type lineWriter struct {
	w   *bufio.Writer
	enc *json.Encoder
}

func newLineWriter(w io.Writer) *lineWriter {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &lineWriter{w: bw, enc: enc}
}

func (l *lineWriter) write(v any) error { return l.enc.Encode(v) }

func (l *lineWriter) flush() error { return l.w.Flush() }

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
