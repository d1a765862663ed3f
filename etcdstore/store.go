package etcdstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inmemdb/inmem/core"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Store is a versioned key-value store of agent memory kept in etcd under a
// key prefix. It implements core.Storage with the semantics of the API
// contract, and also compare-and-swap, snapshots, optimistic transactions,
// the expiry removal package cleaner drives (cleaner.Target) and a change
// feed. Any number of Stores, in any number of processes, may share one
// prefix: they are the same store.
//
// A Store does not own the etcd client: closing the client ends the store
// (operations then fail with core.ErrClosed). All methods are safe for
// concurrent use.
type Store struct {
	cli    *clientv3.Client
	l      layout
	prefix string
	cfg    config

	gc     committer     // this process's writers share etcd transactions (group commit)
	known  known         // what the leading batch knows of etcd's keys (commit_known.go)
	seen   atomic.Uint64 // the highest version this Store has seen
	closed atomic.Bool
	once   sync.Once
	done   chan struct{} // closed by Close: wakes watchers
}

// New returns the store kept in the etcd cluster cli talks to under prefix.
// A store under a new prefix is empty at version 0; New on a prefix already
// in use opens the same store. New records the store in the cluster's
// registry of stores (etcd keys starting with a zero byte) and refuses,
// with an error wrapping core.ErrInvalidArgument, an empty prefix, a prefix
// starting with a zero byte, a prefix that overlaps another store's ("/a"
// and "/a/b" overlap; "/a/x" and "/a/y", or "/a" and "/ab", do not), and a
// prefix holding keys that are not a store's. The check and the record are
// one etcd transaction, so two racing New calls cannot both take
// overlapping prefixes. A nil cli is core.ErrInvalidArgument too. New reads
// the store's version once, with ctx, to check that etcd answers.
func New(ctx context.Context, cli *clientv3.Client, prefix string, opts ...Option) (*Store, error) {
	if cli == nil {
		return nil, fmt.Errorf("etcdstore: New: %w: nil etcd client", core.ErrInvalidArgument)
	}
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	s := &Store{cli: cli, l: newLayout(prefix), prefix: prefix, cfg: cfg, done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	if err := s.register(ctx); err != nil {
		return nil, err
	}
	resp, err := cli.Get(ctx, s.l.version)
	if err != nil {
		return nil, mapErr("New: reading the version", err)
	}
	v, err := s.decodeVersion(resp.Kvs)
	if err != nil {
		return nil, err
	}
	s.seen.Store(v)
	return s, nil
}

// Prefix returns the etcd key prefix the store lives under. Safe for
// concurrent use.
func (s *Store) Prefix() string { return s.prefix }

// Now returns the store's clock reading: every expiry decision about the
// store is judged at it. Safe for concurrent use.
func (s *Store) Now() time.Time { return s.cfg.clock.Now().Round(0) }

// CurrentVersion returns the highest version committed, read from etcd
// (linearizable). When etcd does not answer it returns the highest version
// this Store has seen. Safe for concurrent use.
func (s *Store) CurrentVersion() uint64 {
	v, err := s.Version(context.Background())
	if err != nil {
		return s.seen.Load()
	}
	return v
}

// Version is CurrentVersion with a context and an error. Safe for concurrent
// use.
func (s *Store) Version(ctx context.Context) (uint64, error) {
	if s.closed.Load() {
		return 0, fmt.Errorf("etcdstore: Version: %w", core.ErrClosed)
	}
	ctx, cancel := s.ctxFrom(ctx)
	defer cancel()
	resp, err := s.cli.Get(ctx, s.l.version)
	if err != nil {
		return 0, mapErr("Version", err)
	}
	return s.decodeVersion(resp.Kvs)
}

// Close marks the store closed: every later operation fails with
// core.ErrClosed, and watchers end. It does not close the etcd client. Safe
// to call more than once, and concurrently.
func (s *Store) Close() error {
	s.closed.Store(true)
	s.once.Do(func() { close(s.done) })
	return nil
}

// ctx returns the context of one operation: the store's timeout.
func (s *Store) ctx() (context.Context, context.CancelFunc) {
	return s.ctxFrom(context.Background())
}

func (s *Store) ctxFrom(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	return context.WithTimeout(parent, s.cfg.timeout)
}

// begin checks the store is open and returns an operation's context.
func (s *Store) begin(what string) (context.Context, context.CancelFunc, error) {
	if s.closed.Load() {
		return nil, nil, fmt.Errorf("etcdstore: %s: %w", what, core.ErrClosed)
	}
	ctx, cancel := s.ctx()
	return ctx, cancel, nil
}

// decodeVersion reads the version key's value (absent: 0) and notes it.
func (s *Store) decodeVersion(kvs []*mvccpb.KeyValue) (uint64, error) {
	if len(kvs) == 0 {
		return 0, nil
	}
	if len(kvs[0].Value) != 8 {
		return 0, corrupt(s.l.version, errors.New("the version is not 8 bytes: is the prefix used by something else?"))
	}
	v := binary.BigEndian.Uint64(kvs[0].Value)
	s.noteVersion(v)
	return v, nil
}

func (s *Store) noteVersion(v uint64) {
	for {
		old := s.seen.Load()
		if v <= old || s.seen.CompareAndSwap(old, v) {
			return
		}
	}
}

// checkKey rejects a key with an unknown type tag.
func checkKey(k core.Key) error { return k.Validate() }

func checkTTL(ttl time.Duration) error { return core.ValidateTTL(ttl) }
