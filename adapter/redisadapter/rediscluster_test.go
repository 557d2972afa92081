package redisadapter

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterPorts returns n ports that are free, with their cluster bus
// ports (port+10000) free too.
func clusterPorts(t *testing.T, n int) []int {
	var out []int
	for tries := 0; len(out) < n && tries < 200; tries++ {
		p := 20000 + rand.IntN(10000)
		ok := true
		for _, q := range []int{p, p + 10000} {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", q))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) < n {
		t.Fatal("no free ports for a Redis Cluster")
	}
	return out
}

// startRedisCluster starts a 3-master Redis Cluster on loopback ports and
// returns a client of it.
func startRedisCluster(t *testing.T) *redis.ClusterClient {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("no redis-cli")
	}
	dir := t.TempDir()
	ports := clusterPorts(t, 3)
	var addrs []string
	for _, p := range ports {
		cmd := exec.Command("redis-server", "--port", fmt.Sprint(p), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", fmt.Sprintf("%s/nodes-%d.conf", dir, p),
			"--save", "", "--appendonly", "no", "--dir", dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
		addrs = append(addrs, fmt.Sprintf("127.0.0.1:%d", p))
	}
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		for i := 0; c.Ping(context.Background()).Err() != nil; i++ {
			if i > 100 {
				t.Fatalf("redis-server %s did not start", a)
			}
			time.Sleep(50 * time.Millisecond)
		}
		c.Close()
	}
	out, err := exec.Command("redis-cli", append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "0", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		for i := 0; ; i++ {
			info, _ := c.ClusterInfo(context.Background()).Result()
			if strings.Contains(info, "cluster_state:ok") {
				break
			}
			if i > 200 {
				t.Fatalf("cluster not ok on %s: %s", a, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		c.Close()
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// TestShardedOnRedisCluster carries the sharded adapter of two gosio
// servers and a Node.js server on a 3-master Redis Cluster: the
// namespace's channel, the response channels and the rooms' channels hash
// to different shards.
func TestShardedOnRedisCluster(t *testing.T) {
	redisAddr(t)
	cc := startRedisCluster(t)
	key := testKey(t)
	mk := func(name string) *goNode {
		g := &goNode{name: name, log: &syncLog{}, sse: make(chan []any, 16)}
		return startGoNodeWith(t, g, NewSharded(cc, &ShardedOptions{ChannelPrefix: key, RequestsTimeout: 3 * time.Second}))
	}
	g1, g2 := mk("g1"), mk("g2")
	var urls []string
	for _, a := range cc.Options().Addrs {
		urls = append(urls, "redis://"+a)
	}
	n1 := startNode(t, "server", "CLUSTER_URLS="+strings.Join(urls, ","), "KEY="+key, "NAME=n1", "SHARDED=dynamic")
	cl := clients{startNode(t, "clients")}
	cl.connect("c1", g1.url(), "a", "r1", "r2", "r3")
	cl.connect("c2", g2.url(), "r1", "r2", "r3")
	cl.connect("c3", n1.url, "r1", "r2", "r3")
	all := []string{"c1", "c2", "c3"}
	ctx := context.Background()
	if n, err := g1.srv.Of("/").Adapter().ServerCount(ctx); err != nil || n != 3 {
		t.Fatalf("ServerCount = %d, %v", n, err)
	}
	if n := n1.call(map[string]any{"cmd": "count"}).Int("count"); n != 3 {
		t.Fatalf("Node serverCount = %d", n)
	}
	must(t, g1.srv.Emit("all"))
	cl.got("all", all...)
	n1.call(map[string]any{"cmd": "emit", "ev": "all-node"})
	cl.got("all-node", all...)
	for _, r := range []string{"r1", "r2", "r3"} { // rooms on different shards, most likely
		must(t, g1.srv.To(r).Emit("room-"+r))
		cl.got("room-"+r, all...)
		n1.call(map[string]any{"cmd": "emit", "ev": "node-room-" + r, "rooms": []string{r}})
		cl.got("node-room-"+r, all...)
	}
	res, err := g2.srv.Timeout(5*time.Second).EmitWithAck(ctx, "ask")
	if err != nil || len(res) != 3 {
		t.Fatalf("EmitWithAck: %d, %v", len(res), err)
	}
	cl.got("ask", all...)
	sockets, err := g2.srv.FetchSockets(ctx)
	if err != nil || len(sockets) != 3 {
		t.Fatalf("FetchSockets: %d, %v", len(sockets), err)
	}
	if ev := n1.call(map[string]any{"cmd": "fetch"}); len(ev["sockets"].([]any)) != 3 {
		t.Fatalf("Node fetchSockets: %v", ev)
	}
	answers, err := g1.srv.ServerSideEmitWithAck(ctx, "sse-ack", 1)
	if err != nil || len(answers) != 2 {
		t.Fatalf("ServerSideEmitWithAck: %v, %v", answers, err)
	}
}

// TestClassicOnRedisCluster carries the classic adapter (PUBLISH, which a
// Redis Cluster sends to every node) of two gosio servers and a Node.js
// server on a 3-master Redis Cluster. Each server's subscription lives on
// one node of its client's choosing, so the server count is the sum of
// PUBSUB NUMSUB over the masters, as Node's adapter counts it.
func TestClassicOnRedisCluster(t *testing.T) {
	redisAddr(t)
	cc := startRedisCluster(t)
	key := testKey(t)
	g1 := startGoNode(t, "g1", cc, Options{Key: key, RequestsTimeout: 3 * time.Second})
	g2 := startGoNode(t, "g2", cc, Options{Key: key, RequestsTimeout: 3 * time.Second})
	var urls []string
	for _, a := range cc.Options().Addrs {
		urls = append(urls, "redis://"+a)
	}
	n1 := startNode(t, "server", "CLUSTER_URLS="+strings.Join(urls, ","), "KEY="+key, "NAME=n1", "REQUESTS_TIMEOUT=3000")
	cl := clients{startNode(t, "clients")}
	cl.connect("c1", g1.url(), "r1")
	cl.connect("c2", g2.url())
	cl.connect("c3", n1.url, "r1")
	all := []string{"c1", "c2", "c3"}
	ctx := context.Background()
	for _, g := range []*goNode{g1, g2} {
		if n, err := g.adapter().ServerCount(ctx); err != nil || n != 3 {
			t.Fatalf("%s ServerCount = %d, %v; want 3", g.name, n, err)
		}
	}
	if n := n1.call(map[string]any{"cmd": "count"}).Int("count"); n != 3 {
		t.Fatalf("Node serverCount = %d", n)
	}
	must(t, g1.srv.Emit("all"))
	cl.got("all", all...)
	n1.call(map[string]any{"cmd": "emit", "ev": "room-node", "rooms": []string{"r1"}})
	cl.got("room-node", "c1", "c3")
	sockets, err := g2.srv.FetchSockets(ctx)
	if err != nil || len(sockets) != 3 {
		t.Fatalf("FetchSockets: %d, %v", len(sockets), err)
	}
	if ev := n1.call(map[string]any{"cmd": "fetch"}); len(ev["sockets"].([]any)) != 3 {
		t.Fatalf("Node fetchSockets: %v", ev)
	}
	answers, err := g1.srv.ServerSideEmitWithAck(ctx, "sse-ack", 1)
	if err != nil || len(answers) != 2 {
		t.Fatalf("ServerSideEmitWithAck: %v, %v", answers, err)
	}
}

// TestStreamsOnRedisCluster carries the streams adapter of two gosio
// servers and a Node.js server on a 3-master Redis Cluster: the stream is
// one key, the channels' subscriptions are on whichever node, and the
// servers are counted over every master.
func TestStreamsOnRedisCluster(t *testing.T) {
	redisAddr(t)
	cc := startRedisCluster(t)
	key := testKey(t)
	mk := func(name string) *goNode {
		g := &goNode{name: name, log: &syncLog{}, sse: make(chan []any, 16), recovery: true}
		return startGoNodeWith(t, g, NewStreams(cc, &StreamsOptions{
			StreamName: key, ChannelPrefix: key, SessionKeyPrefix: key + ":session:",
			BlockTime: 500 * time.Millisecond, RequestsTimeout: 3 * time.Second,
			Logger: slog.New(slog.NewTextHandler(g.log, nil)),
		}))
	}
	g1, g2 := mk("g1"), mk("g2")
	var urls []string
	for _, a := range cc.Options().Addrs {
		urls = append(urls, "redis://"+a)
	}
	n1 := startNode(t, "server", "CLUSTER_URLS="+strings.Join(urls, ","), "KEY="+key, "NAME=n1", "STREAMS=1", "RECOVERY=1")
	cl := clients{startNode(t, "clients")}
	cl.connect("c1", g1.url(), "r1")
	cl.connect("c2", g2.url())
	cl.connect("c3", n1.url, "r1")
	all := []string{"c1", "c2", "c3"}
	ctx := context.Background()
	for _, g := range []*goNode{g1, g2} {
		if n, err := g.srv.Of("/").Adapter().ServerCount(ctx); err != nil || n != 3 {
			t.Fatalf("%s ServerCount = %d, %v; want 3", g.name, n, err)
		}
	}
	if n := n1.call(map[string]any{"cmd": "count"}).Int("count"); n != 3 {
		t.Fatalf("Node serverCount = %d", n)
	}
	must(t, g1.srv.Emit("all"))
	cl.got("all", all...)
	n1.call(map[string]any{"cmd": "emit", "ev": "room-node", "rooms": []string{"r1"}})
	cl.got("room-node", "c1", "c3")
	sockets, err := g2.srv.FetchSockets(ctx)
	if err != nil || len(sockets) != 3 {
		t.Fatalf("FetchSockets: %d, %v", len(sockets), err)
	}
	answers, err := g1.srv.ServerSideEmitWithAck(ctx, "sse-ack", 1)
	if err != nil || len(answers) != 2 {
		t.Fatalf("ServerSideEmitWithAck: %v, %v", answers, err)
	}
}
