package main

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports long work on stderr: a bar when stderr is a terminal (or
// --progress=always), nothing otherwise. The zero of its methods' receiver
// (a nil *progress) does nothing.
type progress struct {
	bar *progressbar.ProgressBar
}

// newProgress starts a bar for work of total units (bytes when bytes is
// true, else items; total < 0: unknown), or returns nil when no bar is
// wanted.
func (e *env) newProgress(what string, total int64, bytes bool) *progress {
	if !e.wantProgress() {
		return nil
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100_000_000), // 100ms
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	}
	if bytes {
		opts = append(opts, progressbar.OptionShowBytes(true))
	} else {
		opts = append(opts, progressbar.OptionSetItsString("entries"), progressbar.OptionShowIts())
	}
	return &progress{bar: progressbar.NewOptions64(total, opts...)}
}

func (e *env) wantProgress() bool {
	switch e.progress {
	case "always":
		return true
	case "never":
		return false
	}
	f, ok := e.stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// add counts n more units done.
func (p *progress) add(n int64) {
	if p != nil {
		p.bar.Add64(n)
	}
}

// done ends the bar.
func (p *progress) done() {
	if p != nil {
		p.bar.Finish()
	}
}

// writer returns w counting what goes through it on the bar.
func (p *progress) writer(w io.Writer) io.Writer {
	if p == nil {
		return w
	}
	return io.MultiWriter(w, p.bar)
}

// reader returns r counting what is read on the bar.
func (p *progress) reader(r io.Reader) io.Reader {
	if p == nil {
		return r
	}
	return io.TeeReader(r, p.bar)
}
