package etcdstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/inmemdb/inmem/core"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// The registry of the stores of a cluster: New records each store's prefix
// under registryRoot, so that it can refuse a prefix that overlaps another
// store's. The entry of the store under P is registryRoot + P + "/" (the
// store's own keys all start with P + "/"), and its value is the store's
// layout format. Two prefixes P and Q overlap when P+"/" is a prefix of
// Q+"/" or the other way round: "/a" and "/a/b" overlap, "/a" and "/ab" or
// "/a/x" and "/a/y" do not. A prefix is the same store as itself.
const (
	registryRoot = "\x00inmem/etcdstore/stores/"
	// layoutFormat versions the key layout (layout.go): New refuses a store
	// registered with another one.
	layoutFormat = "2"
)

// checkPrefix refuses a prefix New cannot use: empty, or starting with a
// zero byte (the registry's own keys start so).
func checkPrefix(prefix string) error {
	switch {
	case prefix == "":
		return fmt.Errorf("etcdstore: New: %w: an empty prefix (a store needs a prefix of its own)", core.ErrInvalidArgument)
	case prefix[0] == 0:
		return fmt.Errorf("etcdstore: New: %w: prefix %q starts with a zero byte, which the store registry reserves", core.ErrInvalidArgument, prefix)
	}
	return nil
}

// register records the store in the cluster's registry, or finds it there,
// atomically with a check that no registered store overlaps it. A prefix
// holding keys without a registry entry (another application's keys, or a
// store of an older layout) is refused.
func (s *Store) register(ctx context.Context) error {
	me := registryRoot + s.l.root
	// No other store's entry is a proper prefix of ours (an ancestor, ending
	// at one of our slashes) or extends ours (a descendant).
	var free []clientv3.Cmp
	var ancestors []string
	for i := 1; i < len(s.prefix); i++ {
		if s.prefix[i] == '/' {
			a := registryRoot + s.prefix[:i] + "/"
			ancestors = append(ancestors, a)
			free = append(free, clientv3.Compare(clientv3.CreateRevision(a), "=", 0))
		}
	}
	free = append(free, clientv3.Compare(clientv3.CreateRevision(me+"\x00"), "=", 0).WithRange(rangeEnd(me)))
	for range 16 {
		reads := []clientv3.Op{clientv3.OpGet(me), clientv3.OpGet(s.l.root, clientv3.WithPrefix(), clientv3.WithCountOnly())}
		others := []clientv3.Op{clientv3.OpGet(me+"\x00", clientv3.WithRange(rangeEnd(me)), clientv3.WithLimit(1), clientv3.WithKeysOnly())}
		for _, a := range ancestors {
			others = append(others, clientv3.OpGet(a, clientv3.WithKeysOnly()))
		}
		resp, err := s.cli.Txn(ctx).If(free...).Then(reads...).Else(others...).Commit()
		if err != nil {
			return mapErr("New: reading the store registry", err)
		}
		if !resp.Succeeded {
			for _, r := range resp.Responses {
				if kvs := r.GetResponseRange().GetKvs(); len(kvs) > 0 {
					other := strings.TrimSuffix(strings.TrimPrefix(string(kvs[0].Key), registryRoot), "/")
					return fmt.Errorf("etcdstore: New: %w: prefix %q overlaps the store under %q in this cluster", core.ErrInvalidArgument, s.prefix, other)
				}
			}
			continue // the overlapping store went away: look again
		}
		if kvs := resp.Responses[0].GetResponseRange().GetKvs(); len(kvs) > 0 {
			if f := string(kvs[0].Value); f != layoutFormat {
				return fmt.Errorf("etcdstore: New: %w: the store under %q has layout format %q; this package reads %q", core.ErrInvalidArgument, s.prefix, f, layoutFormat)
			}
			return nil
		}
		if n := resp.Responses[1].GetResponseRange().Count; n > 0 {
			return fmt.Errorf("etcdstore: New: %w: %d keys under %q belong to no registered store (another application's, or a store of an older layout)",
				core.ErrInvalidArgument, n, s.l.root)
		}
		claim := append(free,
			clientv3.Compare(clientv3.CreateRevision(me), "=", 0),
			clientv3.Compare(clientv3.CreateRevision(s.l.root), "=", 0).WithPrefix())
		resp, err = s.cli.Txn(ctx).If(claim...).Then(clientv3.OpPut(me, layoutFormat)).Commit()
		if err != nil {
			return mapErr("New: registering the store", err)
		}
		if resp.Succeeded {
			return nil
		}
		// Another New raced this one: look again.
	}
	return fmt.Errorf("etcdstore: New: %w: the store registry kept changing under %q", ErrUnavailable, s.prefix)
}
