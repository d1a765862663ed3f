package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/inmemdb/inmem/core"
)

// RecoveryReport says what Recover found and did. A plain value.
type RecoveryReport struct {
	CheckpointVersion uint64   // the version of the checkpoint loaded; 0: none
	Checkpoint        string   // its file name; "": none
	Skipped           []string // damaged checkpoint files passed over for an older one
	Segments          int      // log segments read
	Records           int      // records replayed: those past the checkpoint
	LastVersion       uint64   // the last version recovered; the next Append carries LastVersion+1
	TornBytes         int64    // bytes cut off the end of the log; 0: none
	TornAt            string   // where the cut was: "<segment file>@<offset>"; "": none
	TornReason        string   // what was found there: "incomplete record", "checksum mismatch", ...
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
// reported and logged. Damage anywhere else (a damaged record followed by
// valid ones, a bad segment header, a missing segment, a version gap or
// duplicate) is an error wrapping core.ErrCorrupt and the directory is left
// as it was. A damaged checkpoint is passed over for an older one when the
// log still holds every version after the older one; otherwise Recover fails.
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
		return rep, l.usable()
	case l.recoverRan:
		l.mu.Unlock()
		return rep, fmt.Errorf("%w: Recover runs once", ErrInvalid)
	}
	l.recoverRan = true
	l.mu.Unlock()

	segs, ckpts, err := l.listDir()
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
			return rep, err
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
	prev := uint64(0) // the last version of the segment read before
	for i := start; i < len(segs); i++ {
		if i > start && segs[i] != prev+1 {
			return rep, fmt.Errorf("%w: segment %s follows one ending at version %d", core.ErrCorrupt, segmentName(segs[i]), prev)
		}
		res, err := l.replaySegment(segs[i], i == len(segs)-1, base, &rec, replay, &rep)
		if err != nil {
			return rep, err
		}
		rep.Segments++
		if res.removed {
			break
		}
		prev = res.last
		last = max(last, res.last)
		kept = append(kept, segment{first: segs[i], size: res.size})
	}
	if len(ckpts) > 0 && ckpts[len(ckpts)-1] > last {
		return rep, fmt.Errorf("%w: checkpoint %s is damaged and the log ends at version %d", core.ErrCorrupt, checkpointName(ckpts[len(ckpts)-1]), last)
	}
	rep.LastVersion = last

	// Drop what the checkpoint covers: segments holding only versions <= base
	// (a last segment cut back to them included) and older checkpoints.
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
	if err := l.remove(drop); err != nil {
		return rep, err
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state == stateClosed {
		return rep, l.usable()
	}
	if n := len(kept); n > 0 {
		f, err := os.OpenFile(filepath.Join(l.dir, segmentName(kept[n-1].first)), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return rep, fmt.Errorf("wal: %w", err)
		}
		l.active = f
	}
	l.segs = kept
	l.nextVer, l.written, l.ckptVer = last+1, last, base
	l.state = stateReady
	if l.opts.Sync == SyncBatch {
		l.stop, l.done = make(chan struct{}), make(chan struct{})
		go l.syncLoop()
	}
	l.log.Info("wal: recovered", "dir", l.dir, "checkpoint", rep.CheckpointVersion,
		"segments", rep.Segments, "records", rep.Records, "last_version", rep.LastVersion, "torn_bytes", rep.TornBytes)
	return rep, nil
}

// listDir returns the segments' and the checkpoints' versions, ascending,
// and removes temporary files a crashed checkpoint left.
func (l *Log) listDir() (segs, ckpts []uint64, err error) {
	des, err := os.ReadDir(l.dir)
	if err != nil {
		return nil, nil, fmt.Errorf("wal: %w", err)
	}
	for _, de := range des {
		name := de.Name()
		if !de.Type().IsRegular() {
			continue
		}
		if v, ok := parseName(name, segmentExt); ok {
			segs = append(segs, v)
		} else if v, ok := parseName(name, checkpointExt); ok {
			ckpts = append(ckpts, v)
		} else if strings.HasSuffix(name, checkpointExt+tempExt) {
			if err := os.Remove(filepath.Join(l.dir, name)); err != nil {
				return nil, nil, fmt.Errorf("wal: %w", err)
			}
		}
	}
	slices.Sort(segs) // ReadDir sorts by name, and names sort as versions; cheap insurance
	slices.Sort(ckpts)
	return segs, ckpts, nil
}

// verifyCheckpoint checks a checkpoint file's framing and checksums end to
// end, and that it holds the version its name says, and nothing after its
// trailer.
func (l *Log) verifyCheckpoint(v uint64) (SnapshotHeader, error) {
	name := checkpointName(v)
	f, err := os.Open(filepath.Join(l.dir, name))
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
		f, err := os.Open(filepath.Join(l.dir, checkpointName(v)))
		if err != nil {
			readErr = fmt.Errorf("wal: %w", err)
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

type segmentResult struct {
	last    uint64 // the version of its last record; first-1 when it holds none
	size    int64  // its size after any cut
	removed bool   // it was a torn header alone, and was removed
}

// replaySegment reads one segment, replays its records past base and cuts a
// torn tail off it when it is the last segment.
func (l *Log) replaySegment(first uint64, isLast bool, base uint64, rec *Record, replay func(*Record) error, rep *RecoveryReport) (segmentResult, error) {
	name := segmentName(first)
	path := filepath.Join(l.dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		return segmentResult{}, fmt.Errorf("wal: %w", err)
	}
	res, err := scanSegment(name, data, first, isLast, base, rec, func(r *Record) error {
		rep.Records++
		if replay != nil {
			return replay(r)
		}
		return nil
	})
	switch {
	case err != nil:
		return segmentResult{}, err
	case res.tornHeader:
		if err := os.Remove(path); err != nil {
			return segmentResult{}, fmt.Errorf("wal: %w", err)
		}
		l.torn(rep, name, 0, int64(len(data)), res.reason)
		return segmentResult{removed: true}, nil
	case res.reason != "":
		if err := truncate(path, int64(res.good)); err != nil {
			return segmentResult{}, err
		}
		l.torn(rep, name, int64(res.good), int64(len(data)-res.good), res.reason)
	}
	return segmentResult{last: res.last, size: int64(res.good)}, nil
}

type scanResult struct {
	last       uint64 // the version of the last good record; first-1 when there is none
	good       int    // the offset after the last good record
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
			return scanResult{}, fmt.Errorf("%w: segment %s offset %d: %s in a segment that is not the last", core.ErrCorrupt, name, off, reason)
		}
		if validFrameAfter(data, off, next-1) {
			return scanResult{}, fmt.Errorf("%w: segment %s offset %d: %s before valid records", core.ErrCorrupt, name, off, reason)
		}
		res.reason = reason
	}
	return res, nil
}

func (l *Log) torn(rep *RecoveryReport, name string, off, n int64, reason string) {
	rep.TornBytes += n
	rep.TornAt = fmt.Sprintf("%s@%d", name, off)
	rep.TornReason = reason
	l.log.Warn("wal: torn log tail cut off", "dir", l.dir, "file", name, "offset", off, "bytes", n, "reason", reason)
}

// validFrameAfter reports whether a valid record of a version past last
// starts anywhere in b after off.
func validFrameAfter(b []byte, off int, last uint64) bool {
	for q := off + 1; q+frameHeaderLen+minPayloadLen <= len(b); q++ {
		n := binary.BigEndian.Uint32(b[q:])
		if n < minPayloadLen || uint64(n) > uint64(len(b)-q-frameHeaderLen) {
			continue
		}
		if v := payloadVersion(b[q+frameHeaderLen:]); v <= last || v-last > uint64(len(b)-off) {
			continue
		}
		if _, st := checkFrame(b[q:]); st == frameOK {
			return true
		}
	}
	return false
}

func truncate(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	err = f.Truncate(size)
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

// remove deletes files of the directory and syncs it.
func (l *Log) remove(names []string) error {
	if len(names) == 0 {
		return nil
	}
	for _, name := range names {
		if err := os.Remove(filepath.Join(l.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("wal: %w", err)
		}
	}
	if err := l.dirFile.Sync(); err != nil {
		return fmt.Errorf("wal: sync directory: %w", err)
	}
	return nil
}
