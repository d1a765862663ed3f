package mvcc

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/vfs"
	"github.com/inmemdb/inmem/internal/wal"
)

// backupCreator is what a backup stream records as its writer.
const backupCreator = "inmem backup"

// WriteTo writes a backup of the snapshot to w: a self-describing,
// versioned, checksummed stream (docs/format.md) holding the snapshot's
// version, its time, and every stored entry — value, version, timestamp,
// TTL, expired values not yet removed included — in key order, in blocks
// with their own checksums. Memory use is constant and writers of the store
// are not held up: the snapshot is immutable. It returns the bytes written.
// Safe for concurrent use (each call its own writer).
func (sn *Snapshot) WriteTo(w io.Writer) (int64, error) {
	if w == nil {
		return 0, fmt.Errorf("%w: WriteTo needs a writer", core.ErrInvalidArgument)
	}
	st := sn.state()
	h := wal.SnapshotHeader{Version: st.version, Time: sn.Time(), Created: sn.Time(), Creator: backupCreator, Marks: st.seqs.wal()}
	if rec := st.commit(st.version); rec != nil {
		h.Time = rec.time()
	}
	n, err := wal.WriteSnapshot(w, h, walEntries(st))
	if err != nil {
		return n, fmt.Errorf("mvcc: backup: %w", err)
	}
	return n, nil
}

// RestoreDir creates a durable store in dir (which must be empty or absent)
// from a backup written by Snapshot.WriteTo, and returns it open, as Open
// would: at the backup's version, with the same entries, versions,
// timestamps and TTL deadlines, durable from the start (the backup is
// written into dir as its checkpoint before RestoreDir returns). The whole
// stream is read and checked before anything is written: a damaged,
// truncated or foreign stream is refused with an error wrapping
// core.ErrCorrupt. A directory that holds any file is refused with one
// wrapping core.ErrInvalidArgument, a directory another store holds with one
// wrapping ErrLocked; in every such case dir is left as it was. Options as
// for Open, except WithReadOnly, which it refuses.
func RestoreDir(dir string, r io.Reader, opts ...Option) (*Store, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: RestoreDir needs a reader", core.ErrInvalidArgument)
	}
	cfg := newConfig(opts)
	if cfg.readOnly {
		return nil, fmt.Errorf("%w: RestoreDir writes: WithReadOnly does not apply", core.ErrInvalidArgument)
	}
	fsys := cfg.fs
	if fsys == nil {
		fsys = vfs.OS
	}
	notEmpty := func() error {
		return fmt.Errorf("mvcc: restore into %s: %w: the directory is not empty", dir, core.ErrInvalidArgument)
	}
	if names, err := fsys.List(dir); err == nil && len(names) > 0 && !slices.Equal(names, []string{"LOCK"}) {
		return nil, notEmpty()
	}
	mem, err := Restore(r, opts...)
	if err != nil {
		return nil, err
	}
	st := mem.root.Load().cur
	return open(dir, cfg, func(lg *wal.Log) (*state, RecoveryReport, error) {
		if empty, err := lg.Empty(); err != nil || !empty {
			if err == nil {
				err = notEmpty()
			}
			return nil, RecoveryReport{}, err
		}
		var t time.Time
		if rec := st.commit(st.version); rec != nil {
			t = rec.time()
		}
		name, err := lg.InstallCheckpoint(st.version, t, walEntries(st), st.seqs.wal()...)
		if err != nil {
			return nil, RecoveryReport{}, err
		}
		return st, RecoveryReport{CheckpointVersion: st.version, Checkpoint: name, LastVersion: st.version}, nil
	})
}

// Restore reads a backup written by Snapshot.WriteTo and returns an
// in-memory store at the backup's version holding the same entries, with
// the same versions, timestamps and TTL deadlines (the next write gets the
// version after the backup's). A damaged, truncated or foreign stream is
// refused with an error wrapping core.ErrCorrupt, and nothing is returned.
// Options as for New (WithStartVersion is overridden by the backup).
func Restore(r io.Reader, opts ...Option) (*Store, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: Restore needs a reader", core.ErrInvalidArgument)
	}
	cfg := newConfig(opts)
	d := newDraft(emptyState(0, cfg.vectors), cfg.clock.Now())
	var version uint64
	var order keyOrder
	h, err := wal.ReadSnapshot(r, func(e wal.Entry) error {
		if err := order.check(e.Key); err != nil {
			return err
		}
		if err := checkStored(e.Key, &e.Value, core.Latest); err != nil {
			return err
		}
		d.set(e.Key, storedOf(&e.Value))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mvcc: restore: %w", err)
	}
	version = h.Version
	if version > maxVersion {
		return nil, fmt.Errorf("%w: backup at version %d", core.ErrCorrupt, version)
	}
	if d.seqs, err = seqMarksOf(h.Marks); err != nil {
		return nil, fmt.Errorf("mvcc: restore: %w", err)
	}
	return newStore(cfg, recovered(d, version, h.Time)), nil
}
