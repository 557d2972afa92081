package redisadapter

import (
	"context"
	"testing"

	"github.com/gosio/gosio/adapter/redisemitter"
	"github.com/gosio/gosio/internal/nodetest"
)

// TestEmitterInterop drives a cluster of a gosio server and a Node.js
// server, a client on each, from Node's @socket.io/redis-emitter 5.1 and
// from gosio's redisemitter: broadcasts (all, room, except, volatile,
// binary), socketsJoin/Leave, serverSideEmit and disconnectSockets.
func TestEmitterInterop(t *testing.T) {
	t.Parallel() // a cluster of its own: its own key prefix, its own processes
	addr := redisAddr(t)
	key := testKey(t)
	rdb := newClient(t, addr)
	g1 := startGoNode(t, "g1", rdb, Options{Key: key})
	n1 := startNodeServer(t, "n1", addr, key)
	cl := clients{startNode(t, "clients")}
	cl.connect("cg1", g1.url(), "a")
	cl.connect("cg2", g1.url(), "r1")
	cl.connect("cn1", n1.url, "a")
	cl.connect("cn2", n1.url, "r1")
	all := []string{"cg1", "cg2", "cn1", "cn2"}
	ctx := context.Background()

	// Node's emitter drives both servers.
	ne := startNode(t, "emitter", "REDIS_URL=redis://"+addr, "KEY="+key)
	ne.call(map[string]any{"cmd": "emit", "ev": "ne-all", "args": []any{1}})
	cl.got("ne-all", all...)
	ne.call(map[string]any{"cmd": "emit", "ev": "ne-room", "rooms": []string{"r1"}})
	cl.got("ne-room", "cg2", "cn2")
	ne.call(map[string]any{"cmd": "emit", "ev": "ne-except", "except": []string{"r1"}})
	cl.got("ne-except", "cg1", "cn1")
	ne.call(map[string]any{"cmd": "emit", "ev": "ne-volatile", "volatile": true})
	cl.got("ne-volatile", all...)
	ne.call(map[string]any{"cmd": "emit", "ev": "ne-bin", "binary": []int{9, 8, 7}})
	for _, ev := range cl.got("ne-bin", all...) {
		b, _ := ev["args"].([]any)[0].(map[string]any)
		if bin, _ := b["bin"].([]any); len(bin) != 3 || bin[0] != 9.0 {
			t.Errorf("%s got %v", ev.String("name"), ev["args"])
		}
	}
	ne.call(map[string]any{"cmd": "join", "rooms": []string{"a"}, "target": "ne-j"})
	ne.call(map[string]any{"cmd": "emit", "ev": "ne-joined", "rooms": []string{"ne-j"}})
	cl.got("ne-joined", "cg1", "cn1")
	ne.call(map[string]any{"cmd": "leave", "rooms": []string{"a"}, "target": "ne-j"})
	ne.call(map[string]any{"cmd": "emit", "ev": "ne-left", "rooms": []string{"ne-j"}})
	cl.got("ne-left")
	ne.call(map[string]any{"cmd": "sse", "ev": "note", "args": []any{"from-node-emitter"}})
	expectSSE(t, g1, "from-node-emitter")
	n1.take("sse", func(e nodetest.Event) bool { return e.Name() == "sse" })

	// gosio's emitter drives both servers.
	ge := redisemitter.New(rdb, &redisemitter.Options{Key: key})
	must(t, ge.Emit(ctx, "ge-all", "x", map[string]any{"n": 2}))
	for _, ev := range cl.got("ge-all", all...) {
		if args := ev["args"].([]any); len(args) != 2 || args[0] != "x" || args[1].(map[string]any)["n"] != 2.0 {
			t.Errorf("%s got %v", ev.String("name"), args)
		}
	}
	must(t, ge.To("r1").Emit(ctx, "ge-room"))
	cl.got("ge-room", "cg2", "cn2")
	must(t, ge.Except("r1").Emit(ctx, "ge-except"))
	cl.got("ge-except", "cg1", "cn1")
	must(t, ge.Volatile().Compress(false).Emit(ctx, "ge-volatile"))
	cl.got("ge-volatile", all...)
	must(t, ge.Of("/").To("a", "r1").Except("r1").Emit(ctx, "ge-rooms"))
	cl.got("ge-rooms", "cg1", "cn1")
	must(t, ge.To("r1").Emit(ctx, "ge-bin", []byte{6, 5}))
	for _, ev := range cl.got("ge-bin", "cg2", "cn2") {
		b, _ := ev["args"].([]any)[0].(map[string]any)
		if bin, _ := b["bin"].([]any); len(bin) != 2 || bin[0] != 6.0 {
			t.Errorf("%s got %v", ev.String("name"), ev["args"])
		}
	}
	must(t, ge.In("r1").SocketsJoin(ctx, "ge-j"))
	must(t, ge.To("ge-j").Emit(ctx, "ge-joined"))
	cl.got("ge-joined", "cg2", "cn2")
	must(t, ge.In("r1").SocketsLeave(ctx, "ge-j"))
	must(t, ge.To("ge-j").Emit(ctx, "ge-left"))
	cl.got("ge-left")
	must(t, ge.ServerSideEmit(ctx, "note", "from-go-emitter", 3))
	expectSSE(t, g1, "from-go-emitter")
	if e := n1.take("sse", func(e nodetest.Event) bool { return e.Name() == "sse" }); e["args"].([]any)[1] != 3.0 {
		t.Errorf("Node received %v", e["args"])
	}
	if err := ge.Emit(ctx, "disconnect"); err == nil {
		t.Error("a reserved event was emitted")
	}

	// Disconnections, one kind of emitter each.
	ne.call(map[string]any{"cmd": "disconnect", "rooms": []string{"r1"}})
	cl.disconnected("cg2", "cn2")
	must(t, ge.DisconnectSockets(ctx, true))
	cl.disconnected("cg1", "cn1")
}
