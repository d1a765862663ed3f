package etcdstore

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inmemdb/inmem/core"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// One embedded single-member etcd serves every test of the package; each
// test gets its own key prefix.
var (
	testCli       *clientv3.Client
	testEndpoints []string
	prefixes      atomic.Int64
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "etcdstore-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcdstore tests:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	cluster, err := startCluster(dir, 1, true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcdstore tests: starting etcd:", err)
		return 1
	}
	defer cluster.close()
	testCli, testEndpoints = cluster.cli, cluster.clients
	defer closeBenchClusters()
	return m.Run()
}

// cluster is an embedded etcd cluster in this process and a client of all
// its members.
type cluster struct {
	members []*embed.Etcd
	clients []string
	cli     *clientv3.Client
}

// startCluster starts n members with data under dir, on free loopback ports,
// and waits (at most a minute) until every member is ready. noFsync trades
// durability for speed (tests); benchmarks keep fsync.
func startCluster(dir string, n int, noFsync bool) (*cluster, error) {
	peers, clients := make([]string, n), make([]string, n)
	var initial []string
	for i := range n {
		p, err := freePorts(2)
		if err != nil {
			return nil, err
		}
		peers[i], clients[i] = fmt.Sprintf("http://127.0.0.1:%d", p[0]), fmt.Sprintf("http://127.0.0.1:%d", p[1])
		initial = append(initial, fmt.Sprintf("m%d=%s", i, peers[i]))
	}
	c := &cluster{clients: clients}
	for i := range n {
		cfg := embed.NewConfig()
		cfg.Name = fmt.Sprintf("m%d", i)
		cfg.Dir = fmt.Sprintf("%s/m%d", dir, i)
		cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
		cfg.UnsafeNoFsync = noFsync
		// etcd formats a request before it warns that the request was slow,
		// even to a logger that discards the warning: on a loaded test
		// machine that formatting took a seventh of the CPU.
		cfg.WarningUnaryRequestDuration, cfg.WarningApplyDuration = time.Hour, time.Hour
		cfg.InitialCluster = strings.Join(initial, ",")
		cfg.InitialClusterToken = "etcdstore-test"
		pu, _ := url.Parse(peers[i])
		cu, _ := url.Parse(clients[i])
		cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
		cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cu}, []url.URL{*cu}
		e, err := embed.StartEtcd(cfg)
		if err != nil {
			c.close()
			return nil, fmt.Errorf("member %d: %w", i, err)
		}
		c.members = append(c.members, e)
	}
	for i, e := range c.members {
		select {
		case <-e.Server.ReadyNotify():
		case <-time.After(time.Minute):
			c.close()
			return nil, fmt.Errorf("member %d not ready after a minute", i)
		}
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: clients, DialTimeout: 10 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		c.close()
		return nil, err
	}
	c.cli = cli
	return c, nil
}

// stop closes member i (once).
func (c *cluster) stop(i int) {
	if e := c.members[i]; e != nil {
		c.members[i] = nil
		e.Close()
	}
}

func (c *cluster) close() {
	if c.cli != nil {
		c.cli.Close()
	}
	for _, e := range c.members {
		if e != nil {
			e.Close()
		}
	}
}

// freePorts returns n loopback TCP ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// newPrefix returns a key prefix no other test uses.
func newPrefix(t testing.TB) string {
	return fmt.Sprintf("/test/%s/%d", strings.ReplaceAll(t.Name(), "/", "_"), prefixes.Add(1))
}

// newStore returns an empty store under a fresh prefix of the shared etcd.
func newStore(t testing.TB, opts ...Option) *Store {
	t.Helper()
	return newStoreOn(t, testCli, newPrefix(t), opts...)
}

func newStoreOn(t testing.TB, cli *clientv3.Client, prefix string, opts ...Option) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := New(ctx, cli, prefix, opts...)
	if err != nil {
		t.Fatalf("New(%q): %v", prefix, err)
	}
	return s
}

// testNS returns a namespace of the tests with run id byte b.
func testNS(agent string, b byte) core.Namespace {
	var r core.RunID
	r[0] = b
	return core.Namespace{Tenant: "t", App: "a", Agent: agent, RunID: r}
}
