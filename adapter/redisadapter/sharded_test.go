package redisadapter

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/socketio"
)

// TestShardedMixedCluster runs a gosio server and a Node.js server on the
// sharded adapter (SPUBLISH/SSUBSCRIBE) of one Redis, in each subscription
// mode, and checks the cross-node operations both ways.
func TestShardedMixedCluster(t *testing.T) {
	t.Parallel() // a cluster of its own: its own key prefix, its own processes
	for _, mode := range []SubscriptionMode{Dynamic, Static, DynamicPrivate} {
		t.Run(string(mode), func(t *testing.T) { testSharded(t, mode) })
	}
}

func testSharded(t *testing.T, mode SubscriptionMode) {
	addr := redisAddr(t)
	key := testKey(t)
	rdb := newClient(t, addr)
	g1 := &goNode{name: "g1", log: &syncLog{}, sse: make(chan []any, 16)}
	startGoNodeWith(t, g1, NewSharded(rdb, &ShardedOptions{ChannelPrefix: key, SubscriptionMode: mode, RequestsTimeout: 3 * time.Second}))
	n1 := startNodeServer(t, "n1", addr, key, "SHARDED="+string(mode))
	cl := clients{startNode(t, "clients")}
	ids := map[string]string{
		"cg1": cl.connect("cg1", g1.url(), "a"),
		"cg2": cl.connect("cg2", g1.url(), "r1"),
		"cn1": cl.connect("cn1", n1.url, "a"),
		"cn2": cl.connect("cn2", n1.url, "r1"),
	}
	all := []string{"cg1", "cg2", "cn1", "cn2"}
	ctx := context.Background()

	if n, err := g1.srv.Of("/").Adapter().ServerCount(ctx); err != nil || n != 2 {
		t.Fatalf("gosio ServerCount = %d, %v", n, err)
	}
	if n := n1.call(map[string]any{"cmd": "count"}).Int("count"); n != 2 {
		t.Fatalf("Node serverCount = %d", n)
	}
	must(t, g1.srv.Emit("all-go", 1))
	cl.got("all-go", all...)
	n1.call(map[string]any{"cmd": "emit", "ev": "all-node"})
	cl.got("all-node", all...)
	must(t, g1.srv.To("r1").Emit("room-go"))
	cl.got("room-go", "cg2", "cn2")
	n1.call(map[string]any{"cmd": "emit", "ev": "room-node", "rooms": []string{"r1"}})
	cl.got("room-node", "cg2", "cn2")
	must(t, g1.srv.To(ids["cn1"]).Emit("own-room-go"))
	cl.got("own-room-go", "cn1")
	n1.call(map[string]any{"cmd": "emit", "ev": "own-room-node", "rooms": []string{ids["cg1"]}})
	cl.got("own-room-node", "cg1")
	must(t, g1.srv.Except("r1").Emit("except-go"))
	cl.got("except-go", "cg1", "cn1")
	n1.call(map[string]any{"cmd": "emit", "ev": "except-node", "except": []string{"r1"}})
	cl.got("except-node", "cg1", "cn1")
	must(t, g1.srv.Volatile().Emit("volatile-go"))
	cl.got("volatile-go", all...)
	n1.call(map[string]any{"cmd": "emit", "ev": "volatile-node", "volatile": true})
	cl.got("volatile-node", all...)
	must(t, g1.srv.Local().Emit("local-go"))
	cl.got("local-go", "cg1", "cg2")
	n1.call(map[string]any{"cmd": "emit", "ev": "local-node", "local": true})
	cl.got("local-node", "cn1", "cn2")
	must(t, g1.srv.To("r1").Emit("bin-go", []byte{1, 2}))
	cl.got("bin-go", "cg2", "cn2")

	res, err := g1.srv.Timeout(5*time.Second).EmitWithAck(ctx, "ask")
	if err != nil || !slices.Equal(ackNames(t, res), all) {
		t.Fatalf("gosio EmitWithAck: %v, %v", ackNames(t, res), err)
	}
	cl.got("ask", all...)
	ev := n1.call(map[string]any{"cmd": "emitWithAck", "ev": "ask2", "timeout": 5000})
	if ev["err"] != nil || !slices.Equal(names(t, ev["responses"].([]any)), all) {
		t.Fatalf("Node emitWithAck: %v", ev)
	}
	cl.got("ask2", all...)
	res, err = g1.srv.Timeout(time.Second).EmitWithAck(ctx, "ask-partial")
	if !errors.Is(err, socketio.ErrAckTimeout) || !slices.Equal(ackNames(t, res), []string{"cg1", "cn1"}) {
		t.Fatalf("gosio EmitWithAck with silent clients: %v, %v", ackNames(t, res), err)
	}
	cl.got("ask-partial", all...)
	ev = n1.call(map[string]any{"cmd": "emitWithAck", "ev": "ask-partial", "timeout": 1000})
	if ev["err"] == nil || !slices.Equal(names(t, ev["responses"].([]any)), []string{"cg1", "cn1"}) {
		t.Fatalf("Node emitWithAck with silent clients: %v", ev)
	}
	cl.got("ask-partial", all...)

	sockets, err := g1.srv.FetchSockets(ctx)
	if err != nil || len(sockets) != 4 {
		t.Fatalf("gosio FetchSockets: %d, %v", len(sockets), err)
	}
	for _, s := range sockets {
		name, _ := s.Data["name"].(string)
		if ids[name] != s.ID || s.Handshake.Query().Get("who") != name {
			t.Errorf("fetched %+v", s)
		}
	}
	if ev := n1.call(map[string]any{"cmd": "fetch"}); len(ev["sockets"].([]any)) != 4 {
		t.Fatalf("Node fetchSockets: %v", ev)
	}
	ack, err := sockets[slices.IndexFunc(sockets, func(s *socketio.RemoteSocket) bool { return s.ID == ids["cn2"] })].
		Timeout(5*time.Second).EmitWithAck(ctx, "ask-remote")
	if err != nil || ack.Any(0).(map[string]any)["name"] != "cn2" {
		t.Fatalf("RemoteSocket EmitWithAck: %v, %v", ack.Any(0), err)
	}
	cl.got("ask-remote", "cn2")
	remote := sockets[slices.IndexFunc(sockets, func(s *socketio.RemoteSocket) bool { return s.ID == ids["cn1"] })]
	must(t, remote.Emit("remote-go", "hi"))
	cl.got("remote-go", "cn1")
	n1.call(map[string]any{"cmd": "remoteEmit", "sid": ids["cg2"], "ev": "remote-node"})
	cl.got("remote-node", "cg2")
	ev = n1.call(map[string]any{"cmd": "remoteEmit", "sid": ids["cg2"], "ev": "ask-remote-node", "ack": true, "timeout": 5000})
	if resp, _ := ev["response"].(map[string]any); resp["name"] != "cg2" {
		t.Fatalf("Node remote emitWithAck to a gosio socket: %v", ev)
	}
	cl.got("ask-remote-node", "cg2")

	g1.srv.In("r1").SocketsJoin("j1")
	// In the dynamic modes a server subscribes to a room's channel when
	// its first local socket joins: until the SSUBSCRIBE is done, a
	// broadcast to that one room misses it (Node's adapter too).
	time.Sleep(300 * time.Millisecond)
	must(t, g1.srv.To("j1").Emit("j1-go"))
	cl.got("j1-go", "cg2", "cn2")
	g1.srv.In("r1").SocketsLeave("j1")
	must(t, g1.srv.To("j1").Emit("j1-left"))
	cl.got("j1-left")
	n1.call(map[string]any{"cmd": "join", "rooms": []string{"a"}, "target": "j2"})
	// Node's fetchSockets is answered after its join was applied here (one
	// subscription, in order). (Node applies its own sockets' join once
	// its publish resolves: the fetch's local half may come before.)
	if n := goSockets(t, n1.call(map[string]any{"cmd": "fetch", "rooms": []string{"j2"}})); n != 1 {
		t.Fatalf("Node socketsJoin: %d gosio sockets in j2, want 1", n)
	}
	time.Sleep(300 * time.Millisecond) // the dynamic modes' SSUBSCRIBE of j2, as above
	must(t, g1.srv.To("j2").Emit("j2-node"))
	cl.got("j2-node", "cg1", "cn1")
	n1.call(map[string]any{"cmd": "leave", "rooms": []string{"a"}, "target": "j2"})
	if n := goSockets(t, n1.call(map[string]any{"cmd": "fetch", "rooms": []string{"j2"}})); n != 0 {
		t.Fatalf("Node socketsLeave: %d gosio sockets still in j2", n)
	}
	must(t, g1.srv.To("j2").Emit("j2-left"))
	cl.got("j2-left")

	must(t, g1.srv.ServerSideEmit(ctx, "note", "from-go"))
	n1.take("sse", func(e nodeEvent) bool { return e.Name() == "sse" })
	n1.call(map[string]any{"cmd": "sse", "ev": "note", "args": []any{"from-node"}})
	expectSSE(t, g1, "from-node")
	answers, err := g1.srv.ServerSideEmitWithAck(ctx, "sse-ack", 1)
	if err != nil || len(answers) != 1 || answers[0].Any(0).(map[string]any)["from"] != "n1" {
		t.Fatalf("gosio ServerSideEmitWithAck: %v, %v", answers, err)
	}
	if ev := n1.call(map[string]any{"cmd": "sseAck", "ev": "sse-ack", "args": []any{2}}); ev["err"] != nil || len(ev["responses"].([]any)) != 1 {
		t.Fatalf("Node serverSideEmitWithAck: %v", ev)
	}

	n1.call(map[string]any{"cmd": "disconnect", "rooms": []string{"r1"}})
	cl.disconnected("cg2", "cn2")
	g1.srv.DisconnectSockets(true)
	cl.disconnected("cg1", "cn1")
}

// goSockets counts the gosio servers' sockets in a Node.js fetchSockets
// answer.
func goSockets(t *testing.T, ev nodeEvent) int {
	t.Helper()
	list, ok := ev["sockets"].([]any)
	if !ok {
		t.Fatalf("Node fetchSockets: %v", ev)
	}
	n := 0
	for _, s := range list {
		if data, _ := s.(map[string]any)["data"].(map[string]any); data["server"] == "go" {
			n++
		}
	}
	return n
}
