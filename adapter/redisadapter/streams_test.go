package redisadapter

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosio/gosio/internal/nodetest"
	"github.com/gosio/gosio/sio/socketio"
)

// startStreamsNode starts a gosio server on the streams adapter, with
// connection state recovery.
func startStreamsNode(t *testing.T, name, addr, key string) *goNode {
	g := &goNode{name: name, log: &syncLog{}, sse: make(chan []any, 16), recovery: true}
	return startGoNodeWith(t, g, NewStreams(newClient(t, addr), &StreamsOptions{
		StreamName: key, ChannelPrefix: key, SessionKeyPrefix: key + ":session:",
		BlockTime: 500 * time.Millisecond, RequestsTimeout: 3 * time.Second,
		Logger: slog.New(slog.NewTextHandler(g.log, nil)),
	}))
}

// TestStreamsMixedCluster runs two gosio servers and a Node.js server on
// the streams adapter (@socket.io/redis-streams-adapter 0.3) and checks the
// cross-node operations, then connection state recovery across nodes: a
// client drops off a gosio server, a Node.js server broadcasts, the client
// comes back on the other gosio server and gets its id, rooms and the
// missed events in order; then the same from gosio to Node.js.
func TestStreamsMixedCluster(t *testing.T) {
	t.Parallel() // a cluster of its own: its own key prefix, its own processes
	addr := redisAddr(t)
	key := testKey(t)
	g1 := startStreamsNode(t, "g1", addr, key)
	g2 := startStreamsNode(t, "g2", addr, key)
	n1 := startNodeServer(t, "n1", addr, key, "STREAMS=1", "RECOVERY=1")
	cl := clients{startNode(t, "clients")}
	ids := map[string]string{
		"cg1": cl.connect("cg1", g1.url(), "a"),
		"cg2": cl.connect("cg2", g2.url(), "r1"),
		"cn1": cl.connect("cn1", n1.url, "r1"),
	}
	all := []string{"cg1", "cg2", "cn1"}
	ctx := context.Background()

	if n, err := g1.srv.Of("/").Adapter().ServerCount(ctx); err != nil || n != 3 {
		t.Fatalf("gosio ServerCount = %d, %v", n, err)
	}
	must(t, g1.srv.Emit("all-go", 1))
	for _, ev := range cl.got("all-go", all...) {
		// With recovery on, an event carries its offset, the stream
		// entry's id, as its last argument.
		args := ev["args"].([]any)
		if len(args) != 2 || !streamOffset.MatchString(args[1].(string)) {
			t.Errorf("%s got %v, want [1, offset]", ev.String("name"), args)
		}
	}
	n1.call(map[string]any{"cmd": "emit", "ev": "all-node"})
	cl.got("all-node", all...)
	must(t, g2.srv.To("r1").Emit("room-go", []byte{1}))
	cl.got("room-go", "cg2", "cn1")
	must(t, g1.srv.Except("r1").Emit("except-go"))
	cl.got("except-go", "cg1")
	res, err := g1.srv.Timeout(5*time.Second).EmitWithAck(ctx, "ask")
	if err != nil || !slices.Equal(ackNames(t, res), all) {
		t.Fatalf("gosio EmitWithAck: %v, %v", ackNames(t, res), err)
	}
	cl.got("ask", all...)
	sockets, err := g1.srv.FetchSockets(ctx)
	if err != nil || len(sockets) != 3 {
		t.Fatalf("gosio FetchSockets: %d, %v", len(sockets), err)
	}
	if ev := n1.call(map[string]any{"cmd": "fetch"}); len(ev["sockets"].([]any)) != 3 {
		t.Fatalf("Node fetchSockets: %v", ev)
	}
	g1.srv.In("r1").SocketsJoin("j1")
	must(t, g1.srv.To("j1").Emit("j1-go"))
	cl.got("j1-go", "cg2", "cn1")
	answers, err := g1.srv.ServerSideEmitWithAck(ctx, "sse-ack", 1)
	if err != nil || len(answers) != 2 {
		t.Fatalf("gosio ServerSideEmitWithAck: %v, %v", answers, err)
	}
	if ev := n1.call(map[string]any{"cmd": "sseAck", "ev": "sse-ack"}); ev["err"] != nil || len(ev["responses"].([]any)) != 2 {
		t.Fatalf("Node serverSideEmitWithAck: %v", ev)
	}
	streamsMoreOps(t, cl, ids, g1, g2, n1)

	// Recovery: off g2, missed broadcasts from Node.js, back on g1.
	cl.p.Send(map[string]any{"cmd": "drop", "name": "cg2"})
	cl.take("cg2 dropped", func(e nodetest.Event) bool {
		return e.Name() == "disconnected" && e.String("name") == "cg2"
	})
	time.Sleep(200 * time.Millisecond) // the session is persisted on g2's handler queue
	for _, ev := range []string{"missed-1", "missed-2", "missed-3"} {
		n1.call(map[string]any{"cmd": "emit", "ev": ev, "rooms": []string{"r1"}})
	}
	n1.call(map[string]any{"cmd": "emit", "ev": "not-for-r1", "rooms": []string{"a"}})
	cl.got("missed-3", "cn1")
	cl.p.Send(map[string]any{"cmd": "move", "from": "cg2", "name": "cg2b", "url": g1.url()})
	back := cl.take("cg2b connected", func(e nodetest.Event) bool { return e.Name() == "connected" && e.String("name") == "cg2b" })
	if !back.Bool("recovered") || back.String("id") != ids["cg2"] {
		t.Fatalf("reconnected on another gosio server: %v, want recovered with id %s", back, ids["cg2"])
	}
	for _, ev := range []string{"missed-1", "missed-2", "missed-3"} {
		cl.take("cg2b receiving "+ev, func(e nodetest.Event) bool {
			if e.Name() != "got" || e.String("name") != "cg2b" {
				return false
			}
			if e.String("ev") != ev {
				t.Fatalf("cg2b got %s, want %s next", e.String("ev"), ev)
			}
			return true
		})
	}
	if s := g1.srv.Of("/").Socket(ids["cg2"]); s == nil || !slices.Contains(s.Rooms(), "r1") || !slices.Contains(s.Rooms(), "j1") {
		t.Fatalf("recovered socket's rooms: %v", s)
	}

	// And from a gosio server to a Node.js one.
	cl.p.Send(map[string]any{"cmd": "drop", "name": "cg1"})
	cl.take("cg1 dropped", func(e nodetest.Event) bool {
		return e.Name() == "disconnected" && e.String("name") == "cg1"
	})
	time.Sleep(200 * time.Millisecond)
	must(t, g2.srv.To("a").Emit("missed-a", "x"))
	must(t, g2.srv.To("a").Emit("missed-b", "y"))
	time.Sleep(100 * time.Millisecond)
	cl.p.Send(map[string]any{"cmd": "move", "from": "cg1", "name": "cg1b", "url": n1.url})
	back = cl.take("cg1b connected", func(e nodetest.Event) bool { return e.Name() == "connected" && e.String("name") == "cg1b" })
	if !back.Bool("recovered") || back.String("id") != ids["cg1"] {
		t.Fatalf("reconnected on the Node.js server: %v, want recovered with id %s", back, ids["cg1"])
	}
	cl.got("missed-a", "cg1b")
	cl.got("missed-b", "cg1b")

	// disconnectSockets, both ways, on the clients as they are now.
	g1.srv.In("r1").DisconnectSockets(false)
	cl.disconnected("cg2b", "cn1")
	n1.call(map[string]any{"cmd": "disconnect", "close": true})
	cl.disconnected("cg1b")
}

// streamsMoreOps checks the rest of the cross-node operations on the
// streams cluster of TestStreamsMixedCluster (cg1 on g1 in "a", cg2 on g2
// and cn1 on n1 in "r1"), leaving its rooms as it found them.
func streamsMoreOps(t *testing.T, cl clients, ids map[string]string, g1, g2 *goNode, n1 *nodeProc) {
	ctx := context.Background()
	all := []string{"cg1", "cg2", "cn1"}
	if n := n1.call(map[string]any{"cmd": "count"}).Int("count"); n != 3 {
		t.Fatalf("Node serverCount = %d, want 3", n)
	}
	n1.call(map[string]any{"cmd": "emit", "ev": "room-node", "rooms": []string{"r1"}})
	cl.got("room-node", "cg2", "cn1")
	n1.call(map[string]any{"cmd": "emit", "ev": "except-node", "except": []string{"r1"}})
	cl.got("except-node", "cg1")
	must(t, g1.srv.Volatile().Emit("volatile-go"))
	cl.got("volatile-go", all...)
	n1.call(map[string]any{"cmd": "emit", "ev": "volatile-node", "volatile": true})
	cl.got("volatile-node", all...)
	must(t, g2.srv.Local().Emit("local-go"))
	cl.got("local-go", "cg2")
	n1.call(map[string]any{"cmd": "emit", "ev": "local-node", "local": true})
	cl.got("local-node", "cn1")

	// Broadcasts with acks from Node.js, and timeouts both ways (cg2 does
	// not answer "ask-partial").
	ev := n1.call(map[string]any{"cmd": "emitWithAck", "ev": "ask2", "timeout": 5000})
	if ev["err"] != nil || !slices.Equal(names(t, ev["responses"].([]any)), all) {
		t.Fatalf("Node emitWithAck: %v", ev)
	}
	cl.got("ask2", all...)
	res, err := g1.srv.Timeout(time.Second).EmitWithAck(ctx, "ask-partial")
	if !errors.Is(err, socketio.ErrAckTimeout) || !slices.Equal(ackNames(t, res), []string{"cg1", "cn1"}) {
		t.Fatalf("gosio EmitWithAck with a silent client: %v, %v", ackNames(t, res), err)
	}
	cl.got("ask-partial", all...)
	ev = n1.call(map[string]any{"cmd": "emitWithAck", "ev": "ask-partial", "timeout": 1000})
	if ev["err"] == nil || !slices.Equal(names(t, ev["responses"].([]any)), []string{"cg1", "cn1"}) {
		t.Fatalf("Node emitWithAck with a silent client: %v", ev)
	}
	cl.got("ask-partial", all...)

	// RemoteSocket emit, both ways.
	remote, err := g1.srv.In(ids["cn1"]).FetchSockets(ctx)
	if err != nil || len(remote) != 1 || remote[0].Local() != nil {
		t.Fatalf("fetching cn1: %v, %v", remote, err)
	}
	must(t, remote[0].Emit("remote-go", "hi"))
	cl.got("remote-go", "cn1")
	ack, err := remote[0].Timeout(5*time.Second).EmitWithAck(ctx, "ask-remote")
	if err != nil || ack.Any(0).(map[string]any)["name"] != "cn1" {
		t.Fatalf("RemoteSocket EmitWithAck: %v, %v", ack, err)
	}
	cl.got("ask-remote", "cn1")
	n1.call(map[string]any{"cmd": "remoteEmit", "sid": ids["cg2"], "ev": "remote-node"})
	cl.got("remote-node", "cg2")
	ev = n1.call(map[string]any{"cmd": "remoteEmit", "sid": ids["cg2"], "ev": "ask-remote-node", "ack": true, "timeout": 5000})
	if resp, _ := ev["response"].(map[string]any); resp["name"] != "cg2" {
		t.Fatalf("Node remote emitWithAck to a gosio socket: %v", ev)
	}
	cl.got("ask-remote-node", "cg2")

	// socketsJoin and socketsLeave, both ways.
	g1.srv.In("r1").SocketsJoin("j3")
	must(t, g1.srv.To("j3").Emit("j3-go"))
	cl.got("j3-go", "cg2", "cn1")
	g1.srv.In("r1").SocketsLeave("j3")
	must(t, g1.srv.To("j3").Emit("j3-left"))
	cl.got("j3-left")
	n1.call(map[string]any{"cmd": "join", "rooms": []string{"r1"}, "target": "j4"})
	// Node's socketsJoin is a stream entry but its fetchSockets goes
	// through pub/sub, so a fetch can reach a gosio server before the join
	// does, between Node.js servers too: ask until the join has landed.
	fetchJ4 := func() int {
		return goSockets(t, n1.call(map[string]any{"cmd": "fetch", "rooms": []string{"j4"}}))
	}
	if n := untilCount(fetchJ4, 1); n != 1 {
		t.Fatalf("Node socketsJoin: %d gosio sockets in j4, want 1", n)
	}
	must(t, g1.srv.To("j4").Emit("j4-node"))
	cl.got("j4-node", "cg2", "cn1")
	n1.call(map[string]any{"cmd": "leave", "rooms": []string{"r1"}, "target": "j4"})
	if n := untilCount(fetchJ4, 0); n != 0 {
		t.Fatalf("Node socketsLeave: %d gosio sockets still in j4", n)
	}
	must(t, g1.srv.To("j4").Emit("j4-left"))
	cl.got("j4-left")

	// serverSideEmit without acks, both ways.
	must(t, g1.srv.ServerSideEmit(ctx, "note", "from-go"))
	expectSSE(t, g2, "from-go")
	n1.take("sse", func(e nodeEvent) bool { return e.Name() == "sse" })
	n1.call(map[string]any{"cmd": "sse", "ev": "note", "args": []any{"from-node"}})
	expectSSE(t, g1, "from-node")
	expectSSE(t, g2, "from-node")
}

// TestStreamsGarbageIsDropped adds malformed entries to the stream and
// publishes garbage on the streams adapter's channels: each is dropped
// with a log line, and the servers keep working.
func TestStreamsGarbageIsDropped(t *testing.T) {
	addr := redisAddr(t)
	key := testKey(t)
	g1 := startStreamsNode(t, "g1", addr, key)
	g2 := startStreamsNode(t, "g2", addr, key)
	rdb := newClient(t, addr)
	ctx := context.Background()
	for _, v := range []map[string]any{
		{"uid": "x", "nsp": "/", "type": "3", "data": "!!not base64"},
		{"uid": "x", "nsp": "/", "type": "3", "data": "{broken json"},
		{"uid": "x", "nsp": "/", "type": "three"},
		{"uid": "x", "nsp": "/", "type": "3", "data": `{"packet":{"type":2,"data":"no array"},"opts":{}}`},
	} {
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: v}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range [][]byte{{0xc1}, {0xdd, 0xff, 0xff, 0xff, 0xff}, []byte("{bad")} {
		must(t, rdb.Publish(ctx, key+"#/#", p).Err())
	}
	must(t, g1.srv.ServerSideEmit(ctx, "note", "after-garbage"))
	expectSSE(t, g2, "after-garbage")
	deadline := time.Now().Add(5 * time.Second)
	for g2.log.count("dropped") < 7 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := g2.log.count("dropped"); n != 7 {
		t.Fatalf("%d drops logged, want 7:\n%s", n, g2.log)
	}
}

// untilCount calls count until it returns want, for up to 5 s, and
// returns its last result.
func untilCount(count func() int, want int) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := count()
		if n == want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}
