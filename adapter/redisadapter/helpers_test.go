package redisadapter

// Helpers of the cluster tests: a real Redis, gosio servers on it, and
// Node.js members and clients driven through testdata/cluster_node.js.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/nodetest"
	"github.com/gosio/gosio/internal/rediswire"
	"github.com/gosio/gosio/sio/socketio"
)

// redisAddr returns the address of the test Redis (REDIS_ADDR, default
// 127.0.0.1:6379). Without one the test is skipped, or fails under CI.
func redisAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		if nodetest.InCI() {
			t.Fatalf("no Redis at %s under CI: %v", addr, err)
		}
		t.Skipf("no Redis at %s: %v", addr, err)
	}
	return addr
}

// newClient returns a go-redis client closed when the test ends.
func newClient(t testing.TB, addr string) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// testKey is a key prefix of the test's own, so that tests and helpers
// sharing the Redis never see each other's messages.
func testKey(t testing.TB) string {
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return "gosio-test-" + name + "-" + rediswire.UID(6)
}

// syncLog is a log.Logger's output that tests can read.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *syncLog) count(sub string) int { return strings.Count(l.String(), sub) }

// goNode is a gosio server of the test cluster.
type goNode struct {
	name string
	srv  *socketio.SocketIOServer
	ts   *httptest.Server
	log  *syncLog
	sse  chan []any // the arguments of the "note" server-side events

	recovery bool // connection state recovery on
}

func (g *goNode) url() string { return g.ts.URL }

func (g *goNode) adapter() *Adapter { return g.srv.Of("/").Adapter().(*Adapter) }

// startGoNode starts a gosio server on the Redis adapter. Its sockets
// join the rooms of their auth and keep its name in their data; it
// answers "sse-ack" server-side events and records "note" ones.
func startGoNode(t *testing.T, name string, rdb redis.UniversalClient, opts Options) *goNode {
	t.Helper()
	g := &goNode{name: name, log: &syncLog{}, sse: make(chan []any, 16)}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(g.log, nil))
	}
	return startGoNodeWith(t, g, New(rdb, &opts))
}

// nodeEvent is an event of a Node.js script.
type nodeEvent = nodetest.Event

// startGoNodeWith starts g's server on an adapter.
func startGoNodeWith(t *testing.T, g *goNode, adapter socketio.AdapterFactory) *goNode {
	t.Helper()
	name := g.name
	so := &socketio.ServerOptions{Adapter: adapter}
	if g.recovery {
		so.ConnectionStateRecovery = &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute}
	}
	g.srv = socketio.NewServer(so)
	g.srv.OnConnection(func(s *socketio.NamespaceSocket) {
		auth := s.Handshake().Auth
		s.Data.Set("name", auth["name"])
		s.Data.Set("server", "go")
		rooms, _ := auth["rooms"].([]any)
		for _, r := range rooms {
			s.Join(r.(string))
		}
	})
	g.srv.OnServerSideEmit("note", func(ev *socketio.ServerSideEvent) {
		vals := make([]any, ev.Len())
		for i := range vals {
			vals[i] = ev.Any(i)
		}
		g.sse <- vals
	})
	g.srv.OnServerSideEmit("sse-ack", func(ev *socketio.ServerSideEvent) {
		ev.Ack(map[string]any{"from": name, "arg": ev.Any(0)})
	})
	g.ts = httptest.NewServer(g.srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = g.srv.Shutdown(ctx)
		g.ts.Close()
	})
	return g
}

// nodeProc is a running cluster_node.js whose events are taken by
// predicate, so that events of different sockets may interleave.
type nodeProc struct {
	t   *testing.T
	p   *nodetest.Process
	seq int
	url string
}

func startNode(t *testing.T, mode string, env ...string) *nodeProc {
	t.Helper()
	rt := nodetest.Find(t, "socket.io", "@socket.io/redis-adapter", "@socket.io/redis-emitter", "redis", "socket.io-client")
	n := &nodeProc{t: t, p: rt.Start(t, "adapter/redisadapter/testdata/cluster_node.js", nodetest.Options{Args: []string{mode}, Env: env, Fatal: "error"})}
	if mode == "server" {
		ev := n.take("listening", func(e nodetest.Event) bool { return e.Name() == "listening" })
		n.url = fmt.Sprintf("http://127.0.0.1:%d", ev.Int("port"))
	} else {
		n.take("ready", func(e nodetest.Event) bool { return e.Name() == "ready" })
	}
	return n
}

// startNodeServer starts a Node.js socket.io server on the adapter.
func startNodeServer(t *testing.T, name, addr, key string, env ...string) *nodeProc {
	return startNode(t, "server", append([]string{"REDIS_URL=redis://" + addr, "KEY=" + key, "NAME=" + name}, env...)...)
}

// take returns the first event, in arrival order, that match accepts
// (nodetest.Process.Take).
func (n *nodeProc) take(what string, match func(nodetest.Event) bool) nodetest.Event {
	n.t.Helper()
	return n.p.Take(what, match)
}

// tryTake is take that reports a timeout instead of failing.
func (n *nodeProc) tryTake(timeout time.Duration, match func(nodetest.Event) bool) (nodetest.Event, bool) {
	n.t.Helper()
	return n.p.TryTake(timeout, match)
}

// call sends a command to a Node.js server and returns its "done" event.
func (n *nodeProc) call(cmd map[string]any) nodetest.Event {
	n.t.Helper()
	n.seq++
	id := float64(n.seq)
	cmd["id"] = id
	n.p.Send(cmd)
	return n.take(fmt.Sprintf("answer to %v", cmd), func(e nodetest.Event) bool {
		return e.Name() == "done" && e["id"] == id
	})
}

// clients is a Node.js process of socket.io-client clients.
type clients struct{ *nodeProc }

// connect connects a named client to url, in rooms, and returns its id.
func (c clients) connect(name, url string, rooms ...string) string {
	c.t.Helper()
	c.p.Send(map[string]any{"cmd": "connect", "name": name, "url": url, "rooms": rooms})
	return c.take(name+" connected", func(e nodetest.Event) bool {
		return e.Name() == "connected" && e.String("name") == name
	}).String("id")
}

// got waits for event ev at each named client and checks that no other
// client received it within a short grace period.
func (c clients) got(ev string, names ...string) []nodetest.Event {
	c.t.Helper()
	var out []nodetest.Event
	for _, name := range names {
		out = append(out, c.take(name+" receiving "+ev, func(e nodetest.Event) bool {
			return e.Name() == "got" && e.String("ev") == ev && e.String("name") == name
		}))
	}
	if extra, ok := c.tryTake(200*time.Millisecond, func(e nodetest.Event) bool {
		return e.Name() == "got" && e.String("ev") == ev
	}); ok {
		c.t.Fatalf("%s also reached %s (want only %v)", ev, extra.String("name"), names)
	}
	return out
}

// disconnected waits for each named client's disconnection.
func (c clients) disconnected(names ...string) {
	c.t.Helper()
	for _, name := range names {
		ev := c.take(name+" disconnected", func(e nodetest.Event) bool {
			return e.Name() == "disconnected" && e.String("name") == name
		})
		if r := ev.String("reason"); r != "io server disconnect" {
			c.t.Errorf("%s: reason %q, want io server disconnect", name, r)
		}
	}
}

// names returns the sorted "name" fields of maps (acks, socket data).
func names(t *testing.T, vals []any) []string {
	t.Helper()
	var out []string
	for _, v := range vals {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("not an object: %#v", v)
		}
		out = append(out, fmt.Sprint(m["name"]))
	}
	slices.Sort(out)
	return out
}
