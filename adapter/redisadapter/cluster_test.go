package redisadapter

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gosio/gosio/internal/nodetest"
	"github.com/gosio/gosio/sio/socketio"
)

// TestMixedCluster runs two gosio servers and two Node.js socket.io 4.8
// servers with @socket.io/redis-adapter 8.3 on one Redis, a
// socket.io-client client on each, and checks every cross-node operation
// from a gosio server and from a Node.js server.
func TestMixedCluster(t *testing.T) {
	t.Parallel() // a cluster of its own: its own key prefix, its own processes
	testMixedCluster(t, false)
}

// TestMixedClusterSpecificResponseChannel is the same cluster with every
// server answering on the requester's own response channel.
func TestMixedClusterSpecificResponseChannel(t *testing.T) {
	t.Parallel() // a cluster of its own: its own key prefix, its own processes
	if testing.Short() {
		t.Skip("short")
	}
	testMixedCluster(t, true)
}

func testMixedCluster(t *testing.T, specific bool) {
	addr := redisAddr(t)
	key := testKey(t)
	rdb := newClient(t, addr)
	opts := Options{Key: key, RequestsTimeout: 3 * time.Second, PublishOnSpecificResponseChannel: specific}
	g1 := startGoNode(t, "g1", rdb, opts)
	g2 := startGoNode(t, "g2", rdb, opts)
	env := []string{"REQUESTS_TIMEOUT=3000"}
	if specific {
		env = append(env, "SPECIFIC=1")
	}
	n1 := startNodeServer(t, "n1", addr, key, env...)
	n2 := startNodeServer(t, "n2", addr, key, env...)
	cl := clients{startNode(t, "clients")}
	ids := map[string]string{
		"cg1": cl.connect("cg1", g1.url(), "a"),
		"cg2": cl.connect("cg2", g2.url(), "r1", "a"),
		"cn1": cl.connect("cn1", n1.url, "a"),
		"cn2": cl.connect("cn2", n2.url, "r1"),
	}
	all := []string{"cg1", "cg2", "cn1", "cn2"}
	ctx := context.Background()

	// serverCount, both ways.
	if n, err := g1.adapter().ServerCount(ctx); err != nil || n != 4 {
		t.Fatalf("gosio ServerCount = %d, %v; want 4", n, err)
	}
	if n := n1.call(map[string]any{"cmd": "count"}).Int("count"); n != 4 {
		t.Fatalf("Node serverCount = %d, want 4", n)
	}

	// Broadcasts to all, to a room, except a room, volatile, local.
	must(t, g1.srv.Emit("all-go", 1, "x", map[string]any{"k": true}))
	for _, ev := range cl.got("all-go", all...) {
		args := ev["args"].([]any)
		if len(args) != 3 || args[0] != 1.0 || args[1] != "x" || args[2].(map[string]any)["k"] != true {
			t.Errorf("%s got args %v", ev.String("name"), args)
		}
	}
	n1.call(map[string]any{"cmd": "emit", "ev": "all-node", "args": []any{2, "y"}})
	cl.got("all-node", all...)
	must(t, g1.srv.To("r1").Emit("room-go"))
	cl.got("room-go", "cg2", "cn2")
	n1.call(map[string]any{"cmd": "emit", "ev": "room-node", "rooms": []string{"r1"}})
	cl.got("room-node", "cg2", "cn2")
	must(t, g2.srv.Except("r1").Emit("except-go"))
	cl.got("except-go", "cg1", "cn1")
	n2.call(map[string]any{"cmd": "emit", "ev": "except-node", "except": []string{"r1"}})
	cl.got("except-node", "cg1", "cn1")
	must(t, g1.srv.To("a", "r1").Except(ids["cn1"]).Emit("rooms-go"))
	cl.got("rooms-go", "cg1", "cg2", "cn2")
	must(t, g1.srv.Volatile().Emit("volatile-go"))
	cl.got("volatile-go", all...)
	n1.call(map[string]any{"cmd": "emit", "ev": "volatile-node", "volatile": true})
	cl.got("volatile-node", all...)
	must(t, g1.srv.Local().Emit("local-go"))
	cl.got("local-go", "cg1")
	n1.call(map[string]any{"cmd": "emit", "ev": "local-node", "local": true})
	cl.got("local-node", "cn1")

	// Binary arguments cross in both directions.
	must(t, g1.srv.To("r1").Emit("bin-go", []byte{1, 2, 3}))
	for _, ev := range cl.got("bin-go", "cg2", "cn2") {
		b, _ := ev["args"].([]any)[0].(map[string]any)
		if bin, _ := b["bin"].([]any); len(bin) != 3 || bin[2] != 3.0 {
			t.Errorf("%s got %v, want a 3-byte Buffer", ev.String("name"), ev)
		}
	}
	n1.call(map[string]any{"cmd": "emit", "ev": "bin-node", "binary": []int{4, 5}})
	for _, ev := range cl.got("bin-node", all...) {
		b, _ := ev["args"].([]any)[0].(map[string]any)
		if bin, _ := b["bin"].([]any); len(bin) != 2 || bin[1] != 5.0 {
			t.Errorf("%s got %v, want a 2-byte buffer", ev.String("name"), b)
		}
	}

	// Broadcasts with acks: every client's answer, and on a timeout the
	// answers that came.
	res, err := g1.srv.Timeout(5*time.Second).EmitWithAck(ctx, "ask")
	if err != nil || len(res) != 4 {
		t.Fatalf("gosio EmitWithAck: %d answers, %v", len(res), err)
	}
	if got := ackNames(t, res); !slices.Equal(got, all) {
		t.Fatalf("gosio EmitWithAck answers from %v", got)
	}
	cl.got("ask", all...)
	ev := n1.call(map[string]any{"cmd": "emitWithAck", "ev": "ask2", "timeout": 5000})
	if ev["err"] != nil || !slices.Equal(names(t, ev["responses"].([]any)), all) {
		t.Fatalf("Node emitWithAck: %v", ev)
	}
	cl.got("ask2", all...)
	start := time.Now()
	res, err = g1.srv.Timeout(time.Second).EmitWithAck(ctx, "ask-partial")
	if !errors.Is(err, socketio.ErrAckTimeout) || !slices.Equal(ackNames(t, res), []string{"cg1", "cn1"}) {
		t.Fatalf("gosio EmitWithAck with silent clients: %v, %v", ackNames(t, res), err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("EmitWithAck with a 1s timeout took %v", d)
	}
	cl.got("ask-partial", all...)
	ev = n1.call(map[string]any{"cmd": "emitWithAck", "ev": "ask-partial", "timeout": 1000})
	if ev["err"] == nil || !slices.Equal(names(t, ev["responses"].([]any)), []string{"cg1", "cn1"}) {
		t.Fatalf("Node emitWithAck with silent clients: %v", ev)
	}
	cl.got("ask-partial", all...)

	// fetchSockets, both kinds of socket, seen from both kinds of server.
	sockets, err := g1.srv.FetchSockets(ctx)
	if err != nil || len(sockets) != 4 {
		t.Fatalf("gosio FetchSockets: %d sockets, %v", len(sockets), err)
	}
	for _, s := range sockets {
		name, _ := s.Data["name"].(string)
		if ids[name] != s.ID || !slices.Contains(s.Rooms, s.ID) {
			t.Errorf("fetched %+v", s)
		}
		hs := s.Handshake
		if hs.Query().Get("who") != name || hs.Query().Get("EIO") != "4" || hs.Auth["name"] != name ||
			hs.Host() == "" || hs.Address == "" || hs.Issued == 0 || hs.Time == "" || hs.URL == "" {
			t.Errorf("fetched handshake of %s: %+v (host %q)", name, hs, hs.Host())
		}
	}
	r1, err := g2.srv.In("r1").FetchSockets(ctx)
	if err != nil || len(r1) != 2 {
		t.Fatalf("gosio FetchSockets of r1: %d, %v", len(r1), err)
	}
	ev = n2.call(map[string]any{"cmd": "fetch"})
	fetched := ev["sockets"].([]any)
	if len(fetched) != 4 {
		t.Fatalf("Node fetchSockets: %v", ev)
	}
	for _, f := range fetched {
		s := f.(map[string]any)
		data := s["data"].(map[string]any)
		name := data["name"].(string)
		hs := s["handshake"].(map[string]any)
		headers := hs["headers"].(map[string]any)
		query := hs["query"].(map[string]any)
		if s["id"] != ids[name] || query["who"] != name || query["EIO"] != "4" || headers["host"] == nil ||
			hs["auth"].(map[string]any)["name"] != name || hs["address"] == "" || hs["issued"] == nil ||
			hs["secure"] != false || hs["url"] == nil || hs["time"] == nil || hs["xdomain"] == nil {
			t.Errorf("Node fetched %s: %v", name, s)
		}
		if !slices.Contains(s["rooms"].([]any), any(ids[name])) {
			t.Errorf("Node fetched rooms of %s: %v", name, s["rooms"])
		}
	}

	// RemoteSocket emit and emitWithAck across nodes.
	remote, err := g1.srv.In(ids["cn2"]).FetchSockets(ctx)
	if err != nil || len(remote) != 1 || remote[0].Local() != nil {
		t.Fatalf("fetching cn2: %v, %v", remote, err)
	}
	must(t, remote[0].Emit("remote-go", "hi"))
	cl.got("remote-go", "cn2")
	ack, err := remote[0].Timeout(5*time.Second).EmitWithAck(ctx, "ask-remote")
	if err != nil || ack.Any(0).(map[string]any)["name"] != "cn2" {
		t.Fatalf("RemoteSocket EmitWithAck: %v, %v", ack.Any(0), err)
	}
	cl.got("ask-remote", "cn2")
	n1.call(map[string]any{"cmd": "remoteEmit", "sid": ids["cg2"], "ev": "remote-node"})
	cl.got("remote-node", "cg2")
	ev = n1.call(map[string]any{"cmd": "remoteEmit", "sid": ids["cg2"], "ev": "ask-remote-node", "ack": true, "timeout": 5000})
	if resp, _ := ev["response"].(map[string]any); resp["name"] != "cg2" {
		t.Fatalf("Node remote emitWithAck to a gosio socket: %v", ev)
	}
	cl.got("ask-remote-node", "cg2")

	// socketsJoin and socketsLeave.
	g1.srv.In("r1").SocketsJoin("j1")
	must(t, g1.srv.To("j1").Emit("j1-go"))
	cl.got("j1-go", "cg2", "cn2")
	g1.srv.In("r1").SocketsLeave("j1")
	must(t, g1.srv.To("j1").Emit("j1-left"))
	cl.got("j1-left")
	n1.call(map[string]any{"cmd": "join", "rooms": []string{"a"}, "target": "j2"})
	// Node's own sockets join when its request comes back from Redis, so
	// the broadcast that checks it is sent after it, from a gosio server.
	time.Sleep(100 * time.Millisecond)
	must(t, g1.srv.To("j2").Emit("j2-node"))
	cl.got("j2-node", "cg1", "cg2", "cn1")
	n1.call(map[string]any{"cmd": "leave", "rooms": []string{"a"}, "target": "j2"})
	time.Sleep(100 * time.Millisecond)
	must(t, g1.srv.To("j2").Emit("j2-left"))
	cl.got("j2-left")

	// serverSideEmit, without and with acks.
	must(t, g1.srv.ServerSideEmit(ctx, "note", "from-go", 1))
	expectSSE(t, g2, "from-go")
	for _, n := range []*nodeProc{n1, n2} {
		e := n.take("sse", func(e nodetest.Event) bool { return e.Name() == "sse" })
		if a := e["args"].([]any); a[0] != "from-go" || a[1] != 1.0 {
			t.Errorf("Node received server-side %v", a)
		}
	}
	n1.call(map[string]any{"cmd": "sse", "ev": "note", "args": []any{"from-node"}})
	expectSSE(t, g1, "from-node")
	expectSSE(t, g2, "from-node")
	n2.take("sse", func(e nodetest.Event) bool { return e.Name() == "sse" })
	select {
	case v := <-g1.sse:
		t.Errorf("g1 received its own server-side event %v", v)
	default:
	}
	answers, err := g1.srv.ServerSideEmitWithAck(ctx, "sse-ack", 7)
	if err != nil || len(answers) != 3 {
		t.Fatalf("gosio ServerSideEmitWithAck: %d answers, %v", len(answers), err)
	}
	var from []string
	for _, a := range answers {
		m := a.Any(0).(map[string]any)
		from = append(from, m["from"].(string))
		if m["arg"] != 7.0 {
			t.Errorf("answer %v", m)
		}
	}
	slices.Sort(from)
	if !slices.Equal(from, []string{"g2", "n1", "n2"}) {
		t.Errorf("ServerSideEmitWithAck answers from %v", from)
	}
	ev = n1.call(map[string]any{"cmd": "sseAck", "ev": "sse-ack", "args": []any{8}})
	if ev["err"] != nil || len(ev["responses"].([]any)) != 3 {
		t.Fatalf("Node serverSideEmitWithAck: %v", ev)
	}

	// disconnectSockets.
	g1.srv.In("r1").DisconnectSockets(false)
	cl.disconnected("cg2", "cn2")
	n1.call(map[string]any{"cmd": "disconnect", "close": true})
	cl.disconnected("cg1", "cn1")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// ackNames returns the sorted client names of broadcast answers.
func ackNames(t *testing.T, res []socketio.Args) []string {
	t.Helper()
	vals := make([]any, len(res))
	for i, a := range res {
		vals[i] = a.Any(0)
	}
	return names(t, vals)
}

// expectSSE waits for a "note" server-side event at a gosio server.
func expectSSE(t *testing.T, g *goNode, first string) {
	t.Helper()
	select {
	case v := <-g.sse:
		if len(v) == 0 || v[0] != first {
			t.Errorf("%s received server-side %v, want %q first", g.name, v, first)
		}
	case <-time.After(nodetest.DefaultTimeout):
		t.Fatalf("%s: no server-side event %q", g.name, first)
	}
}
