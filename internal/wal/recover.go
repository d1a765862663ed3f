package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"slices"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vfs"
)

// RecoveryReport says what Recover found and did. A plain value.
type RecoveryReport struct {
	CheckpointVersion uint64   // the version of the checkpoint loaded; 0: none
	Checkpoint        string   // its file name; "": none
	Skipped           []string // damaged checkpoint files passed over for an older one
	Segments          int      // log segments read
	Records           int      // records replayed: those past the checkpoint
	LastVersion       uint64   // the last version recovered; the next Append carries LastVersion+1
	TornBytes         int64    // bytes of a torn tail: cut off the end of the log (left in place when read-only); 0: none
	TornAt            string   // where the tail was: "<segment file>@<offset>"; "": none
	TornReason        string   // what was found there: "incomplete record", "checksum mismatch", ...
	ClosedCleanly     bool     // the log was closed by Close (not by a crash) and lost nothing since
}

// Recover reads the directory and hands its contents to the caller: first the
// newest valid checkpoint, to load (called only when there is one; entries
// yields its entries in stream order, each checked against its block's
// checksum, after the whole file has been checked), then every log record
// past the checkpoint's version, in version order, to replay. The *Record
// passed to replay is reused after replay returns: keep its keys and values
// (they are immutable) but not its Changes slice. Either callback may be nil.
// An error from a callback stops recovery and is returned as it is.
//
// The recovered versions continue exactly (checkpoint version, then v+1,
// v+2, ...). A torn or damaged tail of the last segment (an incomplete record,
// or a damaged one with no valid record after it) is cut off the file,
// reported and logged as a warning. Damage anywhere else (a damaged record
// followed by valid ones, a bad segment header, a missing segment, a segment
// whose end record names a successor that is missing, a version gap or
// duplicate) is an error wrapping core.ErrCorrupt and the directory is left
// as it was. So is any loss from a log closed cleanly: a torn tail, or a log
// that ends before the last version Close recorded. A damaged checkpoint is
// passed over for an older one when the log still holds every version after
// the older one; otherwise Recover fails.
//
// Recover runs once per Log, before any Append; afterwards the log appends
// after LastVersion. Safe for concurrent use (other calls wait or fail).
func (l *Log) Recover(load func(h SnapshotHeader, entries iter.Seq[Entry]) error, replay func(r *Record) error) (RecoveryReport, error) {
	var rep RecoveryReport
	l.ckptMu.Lock()
	defer l.ckptMu.Unlock()
	l.mu.Lock()
	switch {
	case l.state == stateClosed:
		l.mu.Unlock()
		return rep, fmt.Errorf("wal: %w", core.ErrClosed)
	case l.recoverRan:
		l.mu.Unlock()
		return rep, fmt.Errorf("%w: Recover runs once", ErrInvalid)
	}
	l.recoverRan = true
	l.mu.Unlock()

	segs, ckpts, marked, err := l.listDir()
	if err != nil {
		return rep, err
	}
	closedAt, marked, err := l.readClosed(marked)
	if err != nil {
		return rep, err
	}

	// The newest checkpoint that checks out.
	base, found := uint64(0), false
	var hdr SnapshotHeader
	for _, v := range slices.Backward(ckpts) {
		h, err := l.verifyCheckpoint(v)
		if err == nil {
			base, found, hdr = v, true, h
			break
		}
		if !errors.Is(err, core.ErrCorrupt) {
			return rep, l.changed(err)
		}
		l.log.Warn("wal: damaged checkpoint passed over", "dir", l.dir, "file", checkpointName(v), "err", err)
		rep.Skipped = append(rep.Skipped, checkpointName(v))
	}

	// Segments before start hold only versions <= base.
	start := 0
	for start+1 < len(segs) && segs[start+1] <= base+1 {
		start++
	}
	if start < len(segs) && (segs[start] > base+1 || segs[start] == 0) {
		return rep, fmt.Errorf("%w: the log starts at version %d, after the checkpoint's %d: a segment is missing", core.ErrCorrupt, segs[start], base)
	}

	if found {
		rep.CheckpointVersion, rep.Checkpoint = base, checkpointName(base)
		if load != nil {
			if err := l.loadCheckpoint(base, hdr, load); err != nil {
				return rep, err
			}
		}
	}

	last := base
	kept := make([]segment, 0, len(segs)-start)
	var rec Record
	var cut tornTail   // a torn tail of the last segment, cut once all checks pass
	prev := uint64(0)  // the last version of the segment read before
	prevEnded := false // the segment read before ends with an end record
	for i := start; i < len(segs); i++ {
		name, isLast := segmentName(segs[i]), i == len(segs)-1
		if i > start && segs[i] != prev+1 {
			return rep, fmt.Errorf("%w: segment %s follows one ending at version %d", core.ErrCorrupt, name, prev)
		}
		data, err := vfs.ReadFile(l.fs, l.path(name))
		if err != nil {
			return rep, l.changed(fmt.Errorf("wal: %w", err))
		}
		res, err := scanSegment(name, data, segs[i], isLast, base, &rec, func(r *Record) error {
			rep.Records++
			if replay != nil {
				return replay(r)
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
		rep.Segments++
		if res.tornHeader {
			if prevEnded {
				return rep, fmt.Errorf("%w: segment %s, named by the end record of the one before, has a damaged header", core.ErrCorrupt, name)
			}
			cut = tornTail{name: name, n: int64(len(data)), reason: res.reason, remove: true}
			break
		}
		if res.reason != "" {
			cut = tornTail{name: name, off: int64(res.good), n: int64(len(data) - res.good), reason: res.reason}
		}
		if res.ended && isLast {
			if err := l.missingSuccessor(name, res.last+1); err != nil {
				return rep, err
			}
		}
		prev, prevEnded = res.last, res.ended
		last = max(last, res.last)
		kept = append(kept, segment{first: segs[i], size: int64(res.good)})
	}
	if len(ckpts) > 0 && ckpts[len(ckpts)-1] > last {
		return rep, fmt.Errorf("%w: checkpoint %s is damaged and the log ends at version %d", core.ErrCorrupt, checkpointName(ckpts[len(ckpts)-1]), last)
	}
	if marked {
		switch {
		case last < closedAt:
			return rep, fmt.Errorf("%w: the log was closed cleanly at version %d and now ends at version %d", core.ErrCorrupt, closedAt, last)
		case l.opts.ReadOnly && last > closedAt:
			// A writer opened the directory after the marker was listed.
		case cut.reason != "":
			return rep, fmt.Errorf("%w: the log was closed cleanly at version %d and segment %s offset %d now holds %s", core.ErrCorrupt, closedAt, cut.name, cut.off, cut.reason)
		case last > closedAt:
			return rep, fmt.Errorf("%w: the log was closed cleanly at version %d and now holds version %d", core.ErrCorrupt, closedAt, last)
		default:
			rep.ClosedCleanly = true
		}
	}
	rep.LastVersion = last
	if cut.reason != "" {
		l.torn(&rep, cut)
	}
	if l.opts.ReadOnly {
		return rep, l.ready(rep, kept, last, base)
	}
	if cut.reason != "" {
		if err := l.cutTail(cut); err != nil {
			return rep, err
		}
	}

	// Drop what the checkpoint covers: segments holding only versions <= base
	// (a last segment cut back to them included) and older checkpoints; and
	// the clean-close marker, before the log takes a write.
	var drop []string
	for _, f := range segs[:start] {
		drop = append(drop, segmentName(f))
	}
	if n := len(kept); n > 0 && prev < last {
		for _, s := range kept {
			drop = append(drop, segmentName(s.first))
		}
		kept = kept[:0]
	}
	for _, v := range ckpts {
		if v < base {
			drop = append(drop, checkpointName(v))
		}
	}
	if marked {
		drop = append(drop, closedName)
	}
	if err := l.remove(drop); err != nil {
		return rep, err
	}
	return rep, l.ready(rep, kept, last, base)
}

// ready makes a recovered log take writes after last (or, read-only, only
// Close).
func (l *Log) ready(rep RecoveryReport, kept []segment, last, base uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state == stateClosed {
		return fmt.Errorf("wal: %w", core.ErrClosed)
	}
	if n := len(kept); n > 0 && !l.opts.ReadOnly {
		f, err := l.fs.OpenAppend(l.path(segmentName(kept[n-1].first)))
		if err != nil {
			return fmt.Errorf("wal: %w", err)
		}
		l.active = f
	}
	l.segs = kept
	l.nextVer, l.written, l.ckptVer = last+1, last, base
	l.state = stateReady
	if l.opts.Sync == SyncBatch && !l.opts.ReadOnly {
		l.stop, l.done = make(chan struct{}), make(chan struct{})
		go l.syncLoop()
	}
	l.log.Debug("wal: recovered", "dir", l.dir, "checkpoint", rep.CheckpointVersion,
		"segments", rep.Segments, "records", rep.Records, "last_version", rep.LastVersion,
		"torn_bytes", rep.TornBytes, "closed_cleanly", rep.ClosedCleanly, "read_only", l.opts.ReadOnly)
	return nil
}

// changed turns a file that vanished while a read-only Log read the
// directory into ErrChanged: a writer removed it (a checkpoint drops old
// files).
func (l *Log) changed(err error) error {
	if l.opts.ReadOnly && errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %w", ErrChanged, err)
	}
	return err
}

// missingSuccessor returns the error for a last segment whose end record
// names a successor the directory listing did not hold: ErrCorrupt, or, for
// a read-only Log that finds the successor now, ErrChanged (a writer rotated
// the log after the listing).
func (l *Log) missingSuccessor(name string, next uint64) error {
	if l.opts.ReadOnly {
		if names, err := l.fs.List(l.dir); err == nil && slices.Contains(names, segmentName(next)) {
			return fmt.Errorf("%w: segment %s appeared", ErrChanged, segmentName(next))
		}
	}
	return fmt.Errorf("%w: segment %s ends naming its successor %s, which is missing", core.ErrCorrupt, name, segmentName(next))
}

// listDir returns the segments' and the checkpoints' versions, ascending,
// and whether the clean-close marker is there, and removes temporary files
// a crashed checkpoint or Close left (unless read-only).
func (l *Log) listDir() (segs, ckpts []uint64, marked bool, err error) {
	names, err := l.fs.List(l.dir)
	if err != nil {
		return nil, nil, false, fmt.Errorf("wal: %w", err)
	}
	for _, name := range names {
		switch kind, v := NameKind(name); {
		case kind == FileSegment:
			segs = append(segs, v)
		case kind == FileCheckpoint:
			ckpts = append(ckpts, v)
		case kind == FileClosed:
			marked = true
		case (kind == FileCheckpointTemp || name == closedName+tempExt) && !l.opts.ReadOnly:
			if err := l.fs.Remove(l.path(name)); err != nil {
				return nil, nil, false, fmt.Errorf("wal: %w", err)
			}
		}
	}
	slices.Sort(segs) // names sort as versions; cheap insurance
	slices.Sort(ckpts)
	return segs, ckpts, marked, nil
}

// readClosed reads the clean-close marker when the listing held one.
func (l *Log) readClosed(marked bool) (uint64, bool, error) {
	if !marked {
		return 0, false, nil
	}
	b, err := vfs.ReadFile(l.fs, l.path(closedName))
	if err != nil {
		if l.opts.ReadOnly && errors.Is(err, fs.ErrNotExist) {
			return 0, false, nil // a writer opened the directory and removed it
		}
		return 0, false, fmt.Errorf("wal: %w", err)
	}
	v, err := checkClosed(b)
	return v, err == nil, err
}

// verifyCheckpoint checks a checkpoint file's framing and checksums end to
// end, and that it holds the version its name says, and nothing after its
// trailer.
func (l *Log) verifyCheckpoint(v uint64) (SnapshotHeader, error) {
	name := checkpointName(v)
	f, err := l.fs.Open(l.path(name))
	if err != nil {
		return SnapshotHeader{}, fmt.Errorf("wal: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	h, err := readSnapshot(br, nil, false)
	if err != nil {
		return h, fmt.Errorf("checkpoint %s: %w", name, err)
	}
	if h.Version != v {
		return h, fmt.Errorf("%w: checkpoint %s holds version %d", core.ErrCorrupt, name, h.Version)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		if err == nil {
			return h, fmt.Errorf("%w: checkpoint %s: bytes after the trailer", core.ErrCorrupt, name)
		}
		return h, fmt.Errorf("wal: checkpoint %s: %w", name, err)
	}
	return h, nil
}

var errStop = errors.New("stop")

// loadCheckpoint passes a verified checkpoint's entries to load.
func (l *Log) loadCheckpoint(v uint64, h SnapshotHeader, load func(SnapshotHeader, iter.Seq[Entry]) error) error {
	var readErr error
	entries := func(yield func(Entry) bool) {
		f, err := l.fs.Open(l.path(checkpointName(v)))
		if err != nil {
			readErr = l.changed(fmt.Errorf("wal: %w", err))
			return
		}
		defer f.Close()
		_, err = readSnapshot(bufio.NewReaderSize(f, 64<<10), func(e Entry) error {
			if !yield(e) {
				return errStop
			}
			return nil
		}, true)
		if err != nil && err != errStop {
			readErr = fmt.Errorf("checkpoint %s: %w", checkpointName(v), err)
		}
	}
	err := load(h, entries)
	if readErr != nil {
		return readErr
	}
	return err
}

type scanResult struct {
	last       uint64 // the version of the last good record; first-1 when there is none
	good       int    // the offset after the last good record (and the end record)
	ended      bool   // the segment ends with an end record naming last+1
	tornHeader bool   // the data is an incomplete header alone: a crash while creating the segment
	reason     string // why the bytes after good are a torn tail; "": there are none
}

// scanSegment checks the bytes of the segment called name, which must hold
// versions first, first+1, ..., and calls fn for every record past base. The
// record passed to fn is rec, reused. Damage is an error wrapping
// core.ErrCorrupt unless isLast and it is a torn tail (scanResult.reason).
// It does no I/O.
func scanSegment(name string, data []byte, first uint64, isLast bool, base uint64, rec *Record, fn func(*Record) error) (scanResult, error) {
	hf, err := checkSegmentHeader(data)
	if err != nil {
		if isLast && len(data) <= segmentHdrLen {
			return scanResult{last: first - 1, tornHeader: true, reason: "incomplete segment header"}, nil
		}
		return scanResult{}, fmt.Errorf("segment %s: %w", name, err)
	}
	if hf != first {
		return scanResult{}, fmt.Errorf("%w: segment %s: header names version %d", core.ErrCorrupt, name, hf)
	}
	off, next := segmentHdrLen, first
	var status frameStatus
	for off < len(data) {
		var payload []byte
		if payload, status = checkFrame(data[off:]); status != frameOK {
			break
		}
		if payloadVersion(payload) == 0 {
			return endOfSegment(name, data, off, payload, next)
		}
		if v := payloadVersion(payload); v != next {
			return scanResult{}, fmt.Errorf("%w: segment %s offset %d: version %d, want %d", core.ErrCorrupt, name, off, v, next)
		}
		if next > base {
			if err := decodeRecord(payload, rec); err != nil {
				return scanResult{}, fmt.Errorf("segment %s offset %d: %w", name, off, err)
			}
			if err := fn(rec); err != nil {
				return scanResult{}, err
			}
		}
		next++
		off += frameHeaderLen + len(payload)
	}
	res := scanResult{last: next - 1, good: off}
	if off < len(data) {
		reason := [...]string{frameShort: "incomplete record", frameBadLength: "bad record length", frameBadCRC: "checksum mismatch"}[status]
		if !isLast {
			if tornEndRecord(data[off:], next) {
				// A crash while the log rotated: the successor is complete,
				// the end record naming it is not.
				return res, nil
			}
			return scanResult{}, fmt.Errorf("%w: segment %s offset %d: %s in a segment that is not the last", core.ErrCorrupt, name, off, reason)
		}
		if validFrameAfter(data, off, next-1) {
			return scanResult{}, fmt.Errorf("%w: segment %s offset %d: %s before valid records", core.ErrCorrupt, name, off, reason)
		}
		res.reason = reason
	}
	return res, nil
}

// endOfSegment checks an end record found at off: it must be the segment's
// last bytes and name the version after the segment's last record.
func endOfSegment(name string, data []byte, off int, payload []byte, next uint64) (scanResult, error) {
	end := off + frameHeaderLen + len(payload)
	switch {
	case len(payload) != endPayloadLen:
		return scanResult{}, fmt.Errorf("%w: segment %s offset %d: an end record of %d bytes", core.ErrCorrupt, name, off, len(payload))
	case binary.BigEndian.Uint64(payload[8:]) != next:
		return scanResult{}, fmt.Errorf("%w: segment %s offset %d: end record names version %d as the next, want %d", core.ErrCorrupt, name, off, binary.BigEndian.Uint64(payload[8:]), next)
	case end != len(data):
		return scanResult{}, fmt.Errorf("%w: segment %s offset %d: %d bytes after its end record", core.ErrCorrupt, name, end, len(data)-end)
	}
	return scanResult{last: next - 1, good: end, ended: true}, nil
}

// tornEndRecord reports whether b is a proper prefix of the end record that
// names next.
func tornEndRecord(b []byte, next uint64) bool {
	want := appendEndRecord(nil, next)
	return len(b) < len(want) && string(b) == string(want[:len(b)])
}

// tornTail is a torn tail of the last segment: the bytes from off on (the
// whole file when remove is set) are a write a crash interrupted.
type tornTail struct {
	name   string
	off, n int64
	reason string
	remove bool
}

func (l *Log) torn(rep *RecoveryReport, t tornTail) {
	rep.TornBytes += t.n
	rep.TornAt = fmt.Sprintf("%s@%d", t.name, t.off)
	rep.TornReason = t.reason
	if l.opts.ReadOnly {
		l.log.Warn("wal: torn log tail left in place (read-only)", "dir", l.dir, "file", t.name, "offset", t.off, "bytes", t.n, "reason", t.reason)
		return
	}
	l.log.Warn("wal: torn log tail cut off", "dir", l.dir, "file", t.name, "offset", t.off, "bytes", t.n, "reason", t.reason)
}

// cutTail cuts a torn tail off its segment (or removes a segment that holds
// an incomplete header alone), durably.
func (l *Log) cutTail(t tornTail) error {
	if t.remove {
		if err := l.fs.Remove(l.path(t.name)); err != nil {
			return fmt.Errorf("wal: %w", err)
		}
		if err := l.dirFile.Sync(); err != nil {
			return fmt.Errorf("wal: sync directory: %w", err)
		}
		return nil
	}
	f, err := l.fs.OpenAppend(l.path(t.name))
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	err = f.Truncate(t.off)
	if err == nil {
		err = f.Sync()
	}
	if e := f.Close(); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("wal: cut torn tail: %w", err)
	}
	return nil
}

// validFrameAfter reports whether a valid record of a version past last
// starts anywhere in b after off.
func validFrameAfter(b []byte, off int, last uint64) bool {
	for q := off + 1; q+frameHeaderLen+minPayloadLen <= len(b); q++ {
		n := binary.BigEndian.Uint32(b[q:])
		if n < minPayloadLen || uint64(n) > uint64(len(b)-q-frameHeaderLen) {
			continue
		}
		if v := payloadVersion(b[q+frameHeaderLen:]); (v <= last || v-last > uint64(len(b)-off)) && v != 0 {
			continue
		}
		if _, st := checkFrame(b[q:]); st == frameOK {
			return true
		}
	}
	return false
}

// remove deletes files of the directory and syncs it.
func (l *Log) remove(names []string) error {
	if len(names) == 0 {
		return nil
	}
	for _, name := range names {
		if err := l.fs.Remove(l.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("wal: %w", err)
		}
	}
	if err := l.dirFile.Sync(); err != nil {
		return fmt.Errorf("wal: sync directory: %w", err)
	}
	return nil
}
