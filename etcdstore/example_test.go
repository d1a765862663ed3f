package etcdstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/etcdstore"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Example keeps agent memory in etcd: versioned writes, a read of the past
// and a run's keys. ClusterEndpoints stands for your cluster's endpoints.
func Example() {
	cli, err := clientv3.New(clientv3.Config{Endpoints: etcdstore.ClusterEndpoints(), DialTimeout: 5 * time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cli.Close()

	ctx := context.Background()
	store, err := etcdstore.New(ctx, cli, "/example/agent-memory")
	if err != nil {
		fmt.Println(err)
		return
	}
	ns := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: core.RunID{1}}
	v1, _ := store.Put(core.KVKey(ns, "goal"), core.StringValue("answer the ticket"), 0)
	v2, _ := store.Put(core.KVKey(ns, "goal"), core.StringValue("escalate"), 0)

	now, _ := store.Get(core.KVKey(ns, "goal"))
	then, _ := store.GetVersioned(core.KVKey(ns, "goal"), v1)
	run, _ := store.ScanByRun(ns.RunID, core.Latest)
	fmt.Println(v1, v2, now.Value, then.Value, len(run))
	// Output: 1 2 escalate answer the ticket 1
}
