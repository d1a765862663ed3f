package etcdstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/inmemdb/inmem/core"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrUnavailable is wrapped by the error an operation returns when etcd did
// not answer in time (WithTimeout), has no leader, or cannot be reached. The
// etcd error is wrapped too. A write that fails so may or may not have
// committed when the failure came after the store's own retries (see the
// package documentation). No core sentinel means "the backend is
// unreachable", so this one is the store's own.
var ErrUnavailable = errors.New("etcdstore: etcd unavailable")

// ErrCorrupt is wrapped by the error a read returns when etcd holds bytes
// under the store's prefix that the store cannot have written. It wraps
// core.ErrCorrupt, so errors.Is(err, core.ErrCorrupt) holds as well.
var ErrCorrupt = fmt.Errorf("etcdstore: data under the store's prefix: %w", core.ErrCorrupt)

// mapErr turns an etcd client error into the store's: compaction into
// core.ErrCompacted, size limits into core.ErrTooLarge, a closed client into
// core.ErrClosed, and unavailability or timeouts into ErrUnavailable, each
// with the etcd error wrapped as well. what names the operation.
func mapErr(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrCompacted), errors.Is(err, core.ErrTooLarge),
		errors.Is(err, ErrUnavailable), errors.Is(err, core.ErrClosed), errors.Is(err, core.ErrCorrupt),
		errors.Is(err, core.ErrInvalidArgument):
		return err // already ours
	case errors.Is(err, rpctypes.ErrCompacted):
		return fmt.Errorf("etcdstore: %s: %w (etcd compacted that revision): %w", what, core.ErrCompacted, err)
	case errors.Is(err, rpctypes.ErrRequestTooLarge), errors.Is(err, rpctypes.ErrTooManyOps):
		return fmt.Errorf("etcdstore: %s: %w for etcd (--max-request-bytes, --max-txn-ops): %w", what, core.ErrTooLarge, err)
	case errors.Is(err, rpctypes.ErrNoSpace):
		return fmt.Errorf("etcdstore: %s: %w: the etcd database is over its space quota: %w", what, core.ErrTooLarge, err)
	case status.Code(err) == codes.ResourceExhausted:
		return fmt.Errorf("etcdstore: %s: %w for the etcd client's message limit: %w", what, core.ErrTooLarge, err)
	case errors.Is(err, context.Canceled) || status.Code(err) == codes.Canceled:
		return fmt.Errorf("etcdstore: %s: %w: the etcd client was closed or the call canceled: %w", what, core.ErrClosed, err)
	default:
		return fmt.Errorf("etcdstore: %s: %w: %w", what, ErrUnavailable, err)
	}
}

// definite reports whether a failed etcd write certainly did not commit: it
// was refused before it reached raft. Any other failure is ambiguous.
func definite(err error) bool {
	return errors.Is(err, rpctypes.ErrCompacted) || errors.Is(err, rpctypes.ErrRequestTooLarge) ||
		errors.Is(err, rpctypes.ErrTooManyOps) || errors.Is(err, rpctypes.ErrNoSpace) ||
		errors.Is(err, rpctypes.ErrDuplicateKey) || status.Code(err) == codes.ResourceExhausted
}

// tooLarge reports whether err is etcd refusing a request for its size or
// its number of operations: a batch of several writes that gets it is split.
func tooLarge(err error) bool {
	return errors.Is(err, rpctypes.ErrRequestTooLarge) || errors.Is(err, rpctypes.ErrTooManyOps) ||
		status.Code(err) == codes.ResourceExhausted
}

// transient reports whether err is etcd being briefly unavailable (no
// leader, a leader change, an unreachable member): worth retrying.
func transient(err error) bool {
	return !definite(err) && status.Code(err) != codes.Canceled && !errors.Is(err, context.Canceled) &&
		!errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, core.ErrCorrupt)
}

// corrupt wraps ErrCorrupt with the etcd key and what was wrong.
func corrupt(key string, err error) error {
	return fmt.Errorf("%w: %q: %v", ErrCorrupt, key, err)
}
