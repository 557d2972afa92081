package redisadapter

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/rediswire"
	"github.com/gosio/gosio/sio/socketio"
)

// TestGarbageIsDropped publishes random bytes, well-formed MessagePack of
// the wrong shape, bad JSON and a 4 MB message on every channel of the
// adapter: each is dropped with a log line, and the cluster still works.
func TestGarbageIsDropped(t *testing.T) {
	addr := redisAddr(t)
	key := testKey(t)
	rdb := newClient(t, addr)
	g1 := startGoNode(t, "g1", rdb, Options{Key: key})
	g2 := startGoNode(t, "g2", rdb, Options{Key: key})
	huge := make([]byte, 4<<20)
	_, _ = rand.Read(huge)
	huge[0] = 0xdd // array 32 whose length claims far more than follows
	junk := make([]byte, 512)
	_, _ = rand.Read(junk)
	junk[0] = 0xc1 // never used in MessagePack
	wrong, _ := rediswire.MsgpackParser{}.Encode(map[string]any{"type": "x"})
	wrongBroadcast, _ := rediswire.MsgpackParser{}.Encode([]any{"uid", map[string]any{"type": 2, "data": "not an array"}, 7})
	payloads := [][]byte{junk, wrong, wrongBroadcast, []byte("{not json"), []byte(`{"type":99}`), []byte(`{"type":7,"packet":1}`), huge}
	channels := []string{
		rediswire.Channel(key, "/"), rediswire.RoomChannel(key, "/", "room"),
		rediswire.RequestChannel(key, "/"), rediswire.ResponseChannel(key, "/"),
	}
	ctx := context.Background()
	sent := 0
	for _, ch := range channels {
		for _, p := range payloads {
			if err := rdb.Publish(ctx, ch, p).Err(); err != nil {
				t.Fatal(err)
			}
			sent++
		}
	}
	// A server-side event after the garbage arrives after it, in order.
	must(t, g1.srv.ServerSideEmit(ctx, "note", "after-garbage"))
	expectSSE(t, g2, "after-garbage")
	// Responses to no request of its own are ignored silently; the rest is
	// logged, once per message.
	deadline := time.Now().Add(5 * time.Second)
	for g2.log.count("dropped a message") < sent-len(payloads)-2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := g2.log.count("dropped a message"); n < sent-len(payloads)-2 || n > sent {
		t.Fatalf("%d messages logged as dropped of %d sent; log:\n%s", n, sent, g2.log)
	}
	if n, err := g1.adapter().ServerCount(ctx); err != nil || n != 2 {
		t.Fatalf("ServerCount after garbage: %d, %v", n, err)
	}
}

// TestHungAndKilledNode stops a Node.js server (SIGSTOP: still subscribed,
// never answering), then kills it: fetchSockets and broadcasts with acks
// on a gosio server return within the requests timeout with what the
// living servers sent.
func TestHungAndKilledNode(t *testing.T) {
	addr := redisAddr(t)
	key := testKey(t)
	rdb := newClient(t, addr)
	const timeout = time.Second
	// slack is what a loaded 2-core machine may add to the timeout (1 s
	// was exceeded by 1.5 s once): the bound only tells a request that
	// returns at its timeout from one that waits for the hung server.
	const slack = 4 * time.Second
	g1 := startGoNode(t, "g1", rdb, Options{Key: key, RequestsTimeout: timeout})
	g2 := startGoNode(t, "g2", rdb, Options{Key: key, RequestsTimeout: timeout})
	n1 := startNodeServer(t, "n1", addr, key)
	cl := clients{startNode(t, "clients")}
	cl.connect("cg2", g2.url())
	cl.connect("cn1", n1.url)
	pid := n1.call(map[string]any{"cmd": "pid"}).Int("pid")
	ctx := context.Background()

	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	start := time.Now()
	sockets, err := g1.srv.FetchSockets(ctx)
	if d := time.Since(start); !errors.Is(err, ErrRequestTimeout) || len(sockets) != 1 || d > timeout+slack {
		t.Fatalf("FetchSockets with a hung server: %d sockets, %v, after %v", len(sockets), err, d)
	}
	start = time.Now()
	res, err := g1.srv.Timeout(timeout).EmitWithAck(ctx, "ask")
	if d := time.Since(start); !errors.Is(err, socketio.ErrAckTimeout) || len(res) != 1 || d > timeout+slack {
		t.Fatalf("EmitWithAck with a hung server: %d answers, %v, after %v", len(res), err, d)
	}
	start = time.Now()
	answers, err := g1.srv.ServerSideEmitWithAck(ctx, "sse-ack", 1)
	if d := time.Since(start); !errors.Is(err, socketio.ErrAckTimeout) || len(answers) != 1 || d > timeout+slack {
		t.Fatalf("ServerSideEmitWithAck with a hung server: %d answers, %v, after %v", len(answers), err, d)
	}

	_ = syscall.Kill(pid, syscall.SIGKILL)
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, _ := g1.adapter().ServerCount(ctx)
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ServerCount still %d after the kill", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	sockets, err = g1.srv.FetchSockets(ctx)
	if err != nil || len(sockets) != 1 {
		t.Fatalf("FetchSockets after the kill: %d, %v", len(sockets), err)
	}
	res, err = g1.srv.Timeout(timeout).EmitWithAck(ctx, "ask")
	if err != nil || len(res) != 1 {
		t.Fatalf("EmitWithAck after the kill: %d, %v", len(res), err)
	}
}

// freePort returns a loopback port nobody listens on.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startRedis runs a redis-server of the test's own on port and returns a
// function that kills it.
func startRedis(t *testing.T, port int) (stop func()) {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("no redis-server")
	}
	cmd := exec.Command(path, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop = func() {
		_ = cmd.Process.Kill()
		<-done
	}
	t.Cleanup(stop)
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port)})
	defer rdb.Close()
	for i := 0; ; i++ {
		if rdb.Ping(context.Background()).Err() == nil {
			return stop
		}
		if i > 100 {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRedisRestart kills the Redis under two gosio servers while they
// broadcast, and starts it again: the adapters subscribe again, broadcasts
// resume, and each logs the outage once and its end once.
func TestRedisRestart(t *testing.T) {
	redisAddr(t)
	port := freePort(t)
	stop := startRedis(t, port)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	key := testKey(t)
	rdb := newClient(t, addr)
	g1 := startGoNode(t, "g1", rdb, Options{Key: key, RequestsTimeout: time.Second})
	g2 := startGoNode(t, "g2", rdb, Options{Key: key, RequestsTimeout: time.Second})
	cl := clients{startNode(t, "clients")}
	cl.connect("cg2", g2.url())
	ctx := context.Background()
	must(t, g1.srv.Emit("before"))
	cl.got("before", "cg2")

	stop()
	for i := range 20 { // broadcasts during the outage reach local clients only, and do not stall
		start := time.Now()
		_ = g1.srv.Emit("during", i)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("a broadcast took %v while Redis was down", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	startRedis(t, port)
	deadline := time.Now().Add(15 * time.Second)
	for {
		_ = g1.srv.ServerSideEmit(ctx, "note", "after")
		select {
		case <-g2.sse:
		case <-time.After(200 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatalf("no server-side event after the restart; logs:\n%s\n%s", g1.log, g2.log)
			}
			continue
		}
		break
	}
	// And the other way.
	waitCount(t, g1, 2)
	deadline = time.Now().Add(15 * time.Second)
	for {
		_ = g2.srv.ServerSideEmit(ctx, "note", "back")
		select {
		case <-g1.sse:
		case <-time.After(200 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatalf("no server-side event from g2 after the restart")
			}
			continue
		}
		break
	}
	must(t, g1.srv.Emit("after-restart"))
	cl.got("after-restart", "cg2")
	for _, g := range []*goNode{g1, g2} {
		logs := g.log.String()
		if n := strings.Count(logs, "Redis unreachable"); n != 1 {
			t.Errorf("%s logged the outage %d times:\n%s", g.name, n, logs)
		}
		if n := strings.Count(logs, "reachable again"); n != 1 {
			t.Errorf("%s logged the recovery %d times:\n%s", g.name, n, logs)
		}
	}
}

// waitCount waits for a server to count n servers.
func waitCount(t *testing.T, g *goNode, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, _ := g.adapter().ServerCount(context.Background())
		if c == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s counts %d servers, want %d", g.name, c, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
