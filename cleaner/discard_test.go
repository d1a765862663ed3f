package cleaner

import (
	"context"
	"log/slog"
	"testing"
)

// The default logger drops everything, whatever is derived from it.
func TestDiscardHandler(t *testing.T) {
	var h slog.Handler = discard{}
	h = h.WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithGroup("g")
	if h.Enabled(context.Background(), slog.LevelError) {
		t.Fatal("discard is enabled")
	}
	if err := h.Handle(context.Background(), slog.Record{}); err != nil {
		t.Fatal(err)
	}
	if defaults().logger.Enabled(context.Background(), slog.LevelError) {
		t.Fatal("the default logger logs")
	}
}
