package socketio

// Interop suite: the official socket.io-client@4 (Node.js) against the
// server, through internal/interop/socketio/*.mjs. Skipped when node or
// node_modules is missing, except under CI=true.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/gosio/internal/nodetest"
	"github.com/gosio/gosio/sio/engineio"
)

// echoServer acknowledges "echo" with its arguments and re-emits "shout"
// as "shouted".
func echoServer(n interface {
	OnConnection(func(*NamespaceSocket))
}) <-chan *NamespaceSocket {
	ch := make(chan *NamespaceSocket, 1024)
	n.OnConnection(func(s *NamespaceSocket) {
		s.On("echo", func(e *Event) { _ = e.Ack(e.RawArgs()...) })
		s.On("shout", func(e *Event) { _ = s.Emit("shouted", e.RawArgs()...) })
		ch <- s
	})
	return ch
}

func TestInteropTransports(t *testing.T) {
	cases := []struct {
		name    string
		opts    map[string]any
		initial string
		final   string
	}{
		{"polling-only", pollingOnly, "polling", "polling"},
		{"websocket-only", wsOnly, "websocket", "websocket"},
		{"upgrade", map[string]any{}, "polling", "websocket"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, nil)
			socks := echoServer(e.srv)
			n := newNodeClient(t, e)
			n.connectAsync("a", "/", "m", tc.opts, nil)
			ev := n.event("connect", "a")
			// With upgrades on, the upgrade may be over by the time the
			// client reports the connection.
			if tr := ev.String("transport"); tr != tc.initial && tr != tc.final {
				t.Fatalf("connected over %q, want %q", ev.String("transport"), tc.initial)
			}
			s := waitChan(t, socks, "connection")
			if s.ID() != ev.String("sid") {
				t.Fatalf("client sid %q, server %q", ev.String("sid"), s.ID())
			}
			if tc.final != tc.initial {
				up := n.take("upgrade", func(ev nodetest.Event) bool { return ev.Name() == "upgrade" })
				if up.String("transport") != tc.final {
					t.Fatalf("upgraded to %q", up.String("transport"))
				}
				eventually(t, "server-side upgrade", func() bool { return s.Transport() == tc.final })
			}
			// Traffic both ways, on the final transport.
			n.send(map[string]any{"cmd": "emitWithAck", "id": "a", "name": "echo", "args": []any{"hi", 1}, "tag": "e"})
			if a := n.ack("e"); a["err"] != nil || !sameJSON(t, a["args"], []any{"hi"}) {
				t.Fatalf("ack %v", a)
			}
			_ = s.Emit("from-server", map[string]any{"x": 1})
			if r := n.recv("a", "from-server"); !sameJSON(t, r["args"], []any{map[string]any{"x": 1}}) {
				t.Fatalf("recv %v", r)
			}
			n.send(map[string]any{"cmd": "transport", "id": "a"})
			if tr := n.event("transport", "a"); tr.String("name") != tc.final {
				t.Fatalf("client transport %q", tr.String("name"))
			}
			if s.Transport() != tc.final {
				t.Fatalf("server transport %q", s.Transport())
			}
		})
	}
}

func TestInteropNamespaces(t *testing.T) {
	e := newTestEnv(t, nil)
	main := echoServer(e.srv)
	custom := echoServer(e.srv.Of("/custom"))
	dyn := echoServer(e.srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`)))
	n := newNodeClient(t, e)
	// Three namespaces over one connection (one Manager).
	n.connectAsync("main", "/", "m", wsOnly, nil)
	n.connectAsync("custom", "/custom", "m", nil, nil)
	n.connectAsync("dyn", "/dyn-42", "m", nil, nil)
	for _, id := range []string{"main", "custom", "dyn"} {
		n.event("connect", id)
	}
	sm, sc, sd := waitChan(t, main, "main"), waitChan(t, custom, "custom"), waitChan(t, dyn, "dyn")
	if sm.client.conn.ID() != sc.client.conn.ID() || sm.client.conn.ID() != sd.client.conn.ID() {
		t.Fatal("the namespaces were not multiplexed over one connection")
	}
	if sd.Namespace().Name() != "/dyn-42" {
		t.Fatalf("dynamic namespace %q", sd.Namespace().Name())
	}
	for _, id := range []string{"main", "custom", "dyn"} {
		n.emit(id, "shout", id)
	}
	for _, id := range []string{"main", "custom", "dyn"} {
		if r := n.recv(id, "shouted"); !sameJSON(t, r["args"], []any{id}) {
			t.Fatalf("%s got %v", id, r)
		}
	}
	// A broadcast stays in its namespace.
	_ = e.srv.Of("/custom").Emit("only-custom")
	n.recv("custom", "only-custom")
	n.noRecv("main", "only-custom", 100*time.Millisecond)
	n.noRecv("dyn", "only-custom", 0)
	// An unknown namespace.
	n.connectAsync("bad", "/nope", "m", nil, nil)
	if ce := n.event("connect_error", "bad"); ce.String("message") != "Invalid namespace" {
		t.Fatalf("connect_error %v", ce)
	}
	n.connectAsync("bad2", "/dyn-x", "m", nil, nil)
	if ce := n.event("connect_error", "bad2"); ce.String("message") != "Invalid namespace" {
		t.Fatalf("connect_error %v", ce)
	}
}

func TestInteropMiddlewareRejectionAndAuth(t *testing.T) {
	e := newTestEnv(t, nil)
	e.srv.Use(func(s *NamespaceSocket) error {
		var auth struct {
			Token string `json:"token"`
		}
		_ = s.Handshake().DecodeAuth(&auth)
		if auth.Token != "secret" {
			return NewConnectError("not authorized", map[string]any{"code": 4001, "retry": false})
		}
		return nil
	})
	e.Of("/private").Use(func(*NamespaceSocket) error { return errors.New("private namespace") })
	socks := make(chan *NamespaceSocket, 4)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		_ = s.Emit("auth", s.Handshake().Auth)
		socks <- s
	})
	n := newNodeClient(t, e)
	n.connectAsync("bad", "/", "", withOpts(wsOnly, noReconnect), map[string]any{"auth": map[string]any{"token": "wrong"}})
	ce := n.event("connect_error", "bad")
	if ce.String("message") != "not authorized" || !sameJSON(t, ce["data"], map[string]any{"code": 4001, "retry": false}) {
		t.Fatalf("connect_error %v", ce)
	}
	n.connectAsync("good", "/", "", wsOnly, map[string]any{"auth": map[string]any{"token": "secret", "user": "zoë"}})
	n.event("connect", "good")
	s := waitChan(t, socks, "connection")
	if s.Handshake().Auth["user"] != "zoë" {
		t.Fatalf("auth %v", s.Handshake().Auth)
	}
	if r := n.recv("good", "auth"); !sameJSON(t, r["args"], []any{map[string]any{"token": "secret", "user": "zoë"}}) {
		t.Fatalf("auth echoed %v", r)
	}
	n.connectAsync("private", "/private", "", withOpts(pollingOnly, noReconnect), map[string]any{"auth": map[string]any{"token": "secret"}})
	if ce := n.event("connect_error", "private"); ce.String("message") != "private namespace" || ce["data"] != nil {
		t.Fatalf("connect_error %v", ce)
	}
}

// Of is a shortcut used by the interop tests.
func (e *testEnv) Of(name string) *Namespace { return e.srv.Of(name) }

func TestInteropAcks(t *testing.T) {
	for _, tr := range interopTransports {
		t.Run(tr.name, func(t *testing.T) {
			e := newTestEnv(t, nil)
			socks := echoServer(e.srv)
			n := newNodeClient(t, e)
			n.connect("a", "/", tr.opts, nil)
			s := waitChan(t, socks, "connection")
			s.On("silent", func(*Event) {}) // never acknowledges
			s.On("double", func(e *Event) {
				var x int
				_ = e.Decode(&x)
				_ = e.Ack(x*2, "doubled")
			})

			// Client → server, with and without timeout.
			n.send(map[string]any{"cmd": "emitWithAck", "id": "a", "name": "double", "args": []any{21}, "tag": "1"})
			if a := n.ack("1"); a["err"] != nil || !sameJSON(t, a["args"], []any{42}) {
				t.Fatalf("emitWithAck %v", a)
			}
			n.send(map[string]any{"cmd": "emitWithAck", "id": "a", "name": "double", "args": []any{1}, "tag": "2", "timeout": 2000})
			if a := n.ack("2"); a["err"] != nil || !sameJSON(t, a["args"], []any{2}) {
				t.Fatalf("timeout().emitWithAck %v", a)
			}
			n.send(map[string]any{"cmd": "emitWithAck", "id": "a", "name": "silent", "tag": "3", "timeout": 100})
			if a := n.ack("3"); a["err"] != "operation has timed out" {
				t.Fatalf("timeout().emitWithAck unanswered %v", a)
			}
			n.send(map[string]any{"cmd": "emitCb", "id": "a", "name": "double", "args": []any{5}, "tag": "4"})
			if a := n.ack("4"); !sameJSON(t, a["args"], []any{10, "doubled"}) {
				t.Fatalf("emit(cb) %v", a)
			}
			n.send(map[string]any{"cmd": "emitCb", "id": "a", "name": "double", "args": []any{6}, "tag": "5", "timeout": 2000})
			if a := n.ack("5"); a["err"] != nil || !sameJSON(t, a["args"], []any{12, "doubled"}) {
				t.Fatalf("timeout().emit(cb) %v", a)
			}
			n.send(map[string]any{"cmd": "emitCb", "id": "a", "name": "silent", "tag": "6", "timeout": 100})
			if a := n.ack("6"); a["err"] != "operation has timed out" {
				t.Fatalf("timeout().emit(cb) unanswered %v", a)
			}

			// Server → client: answered by the client's callback.
			type result struct {
				args Args
				err  error
			}
			res := make(chan result, 1)
			go func() {
				a, err := s.Timeout(5*time.Second).EmitWithAck(context.Background(), "question", "how much?")
				res <- result{a, err}
			}()
			r := n.recv("a", "question")
			if r["ackKey"] == nil || !sameJSON(t, r["args"], []any{"how much?"}) {
				t.Fatalf("recv %v", r)
			}
			n.send(map[string]any{"cmd": "ack", "id": "a", "key": r["ackKey"], "args": []any{"42 €", map[string]any{"ok": true}}})
			got := waitChan(t, res, "server ack")
			var text string
			var obj struct{ OK bool }
			if got.err != nil || got.args.Decode(&text, &obj) != nil || text != "42 €" || !obj.OK {
				t.Fatalf("server EmitWithAck: %q %+v %v", text, obj, got.err)
			}
			// Not answered: the server times out.
			_, err := s.Timeout(100*time.Millisecond).EmitWithAck(context.Background(), "ignored")
			if !errors.Is(err, ErrAckTimeout) {
				t.Fatalf("unanswered server EmitWithAck: %v", err)
			}
			if r := n.recv("a", "ignored"); r["ackKey"] == nil {
				t.Fatalf("recv %v", r)
			}
		})
	}
}

func TestInteropBroadcastAcks(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := echoServer(e.srv)
	n := newNodeClient(t, e)
	ids := []string{"a", "b", "c"}
	for i, id := range ids {
		opts := wsOnly
		if i == 1 {
			opts = pollingOnly
		}
		n.connect(id, "/", opts, nil)
		waitChan(t, socks, "connection")
	}
	type result struct {
		args []Args
		err  error
	}
	res := make(chan result, 1)
	go func() {
		a, err := e.srv.Timeout(5*time.Second).EmitWithAck(context.Background(), "vote", "yes?")
		res <- result{a, err}
	}()
	for _, id := range ids {
		r := n.recv(id, "vote")
		n.send(map[string]any{"cmd": "ack", "id": id, "key": r["ackKey"], "args": []any{id}})
	}
	got := waitChan(t, res, "acks")
	var voters []string
	for _, a := range got.args {
		var v string
		_ = a.Decode(&v)
		voters = append(voters, v)
	}
	slices.Sort(voters)
	if got.err != nil || strings.Join(voters, ",") != "a,b,c" {
		t.Fatalf("broadcast acks %v %v", voters, got.err)
	}
	// One client silent: partial responses with the timeout error.
	go func() {
		a, err := e.srv.Timeout(300*time.Millisecond).EmitWithAck(context.Background(), "vote", "again?")
		res <- result{a, err}
	}()
	for _, id := range ids[:2] {
		r := n.recv(id, "vote")
		n.send(map[string]any{"cmd": "ack", "id": id, "key": r["ackKey"], "args": []any{id}})
	}
	n.recv("c", "vote")
	got = waitChan(t, res, "acks")
	if !errors.Is(got.err, ErrAckTimeout) || len(got.args) != 2 {
		t.Fatalf("partial broadcast acks: %d, %v", len(got.args), got.err)
	}
}

func TestInteropBinary(t *testing.T) {
	for _, tr := range interopTransports {
		t.Run(tr.name, func(t *testing.T) {
			e := newTestEnv(t, nil)
			socks := echoServer(e.srv)
			n := newNodeClient(t, e)
			n.connect("a", "/", tr.opts, nil)
			s := waitChan(t, socks, "connection")

			// Server → client: binary at the top level and deep inside.
			big := make([]byte, 70000)
			for i := range big {
				big[i] = byte(i)
			}
			_ = s.Emit("bin", []byte{0, 1, 2}, map[string]any{
				"name": "nested",
				"list": []any{1, []byte{0xff}, map[string]any{"deeper": []any{[]byte("deep"), "x"}}},
				"big":  big,
			}, []byte{})
			r := n.recv("a", "bin")
			want := []any{binArg([]byte{0, 1, 2}), map[string]any{
				"name": "nested",
				"list": []any{1, binArg([]byte{0xff}), map[string]any{"deeper": []any{binArg([]byte("deep")), "x"}}},
				"big":  binArg(big),
			}, binArg([]byte{})}
			if !sameJSON(t, r["args"], want) {
				t.Fatalf("client received %.300v", r["args"])
			}

			// Client → server.
			type payload struct {
				Title string `json:"title"`
				Parts []struct {
					Data []byte `json:"data"`
					N    int    `json:"n"`
				} `json:"parts"`
			}
			got := make(chan payload, 1)
			gotAny := make(chan any, 1)
			s.On("upload", func(ev *Event) {
				var p payload
				if err := ev.Decode(&p); err != nil {
					t.Errorf("decode: %v", err)
				}
				got <- p
				gotAny <- ev.Any(1)
				_ = ev.Ack([]byte("received"), map[string]any{"echo": p.Parts[1].Data})
			})
			n.send(map[string]any{"cmd": "emitWithAck", "id": "a", "name": "upload", "tag": "u", "args": []any{
				map[string]any{"title": "files", "parts": []any{
					map[string]any{"data": binArg([]byte{1, 2, 3}), "n": 1},
					map[string]any{"data": binArg(big[:1000]), "n": 2},
				}},
				[]any{[]any{binArg([]byte{9})}},
			}})
			p := waitChan(t, got, "upload")
			if p.Title != "files" || len(p.Parts) != 2 || string(p.Parts[0].Data) != "\x01\x02\x03" || string(p.Parts[1].Data) != string(big[:1000]) {
				t.Fatalf("server decoded %+v", p)
			}
			if a := waitChan(t, gotAny, "upload any"); !sameJSON(t, a, []any{[]any{[]byte{9}}}) {
				t.Fatalf("Any(1) = %#v", a)
			}
			// The client's emitWithAck resolves with the first ack argument.
			if a := n.ack("u"); !sameJSON(t, a["args"], []any{binArg([]byte("received"))}) {
				t.Fatalf("binary ack %v", a)
			}
			// A binary ack from the client to the server.
			res := make(chan Args, 1)
			go func() {
				a, err := s.Timeout(5*time.Second).EmitWithAck(context.Background(), "need-bin")
				if err != nil {
					t.Error(err)
				}
				res <- a
			}()
			rr := n.recv("a", "need-bin")
			n.send(map[string]any{"cmd": "ack", "id": "a", "key": rr["ackKey"], "args": []any{map[string]any{"blob": binArg([]byte("from client"))}}})
			var ackPayload struct{ Blob []byte }
			if err := waitChan(t, res, "binary ack").Decode(&ackPayload); err != nil || string(ackPayload.Blob) != "from client" {
				t.Fatalf("binary ack from the client: %q %v", ackPayload.Blob, err)
			}
			// The echo (RawArgs) sends binary back unchanged.
			n.send(map[string]any{"cmd": "emitCb", "id": "a", "name": "echo", "tag": "e", "args": []any{binArg([]byte{7}), map[string]any{"k": binArg([]byte{8})}}})
			if a := n.ack("e"); !sameJSON(t, a["args"], []any{binArg([]byte{7}), map[string]any{"k": binArg([]byte{8})}}) {
				t.Fatalf("echo %v", a)
			}
		})
	}
}

func TestInteropRoomsExceptVolatileAndSocketBroadcast(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := make(chan *NamespaceSocket, 8)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		var auth struct {
			Room string `json:"room"`
		}
		_ = s.Handshake().DecodeAuth(&auth)
		s.Join(auth.Room)
		s.On("to-others", func(ev *Event) { _ = s.Broadcast().Emit("from-peer", ev.RawArgs()...) })
		s.On("to-room", func(ev *Event) {
			var room string
			_ = ev.Decode(&room)
			_ = s.To(room).Emit("room-msg", room)
		})
		socks <- s
	})
	n := newNodeClient(t, e)
	rooms := map[string]string{"a": "red", "b": "red", "c": "blue"}
	for _, id := range []string{"a", "b", "c"} {
		opts := wsOnly
		if id == "b" {
			opts = pollingOnly
		}
		n.connect(id, "/", opts, map[string]any{"auth": map[string]any{"room": rooms[id]}})
		waitChan(t, socks, "connection")
	}
	// A broadcast from a socket reaches everyone else.
	n.emit("a", "to-others", "hello")
	n.recv("b", "from-peer")
	n.recv("c", "from-peer")
	n.noRecv("a", "from-peer", 100*time.Millisecond)
	// socket.to(room): the room but the sender.
	n.emit("a", "to-room", "red")
	n.recv("b", "room-msg")
	n.noRecv("a", "room-msg", 100*time.Millisecond)
	n.noRecv("c", "room-msg", 0)
	// Server operators.
	_ = e.srv.To("red").Emit("red-only")
	n.recv("a", "red-only")
	n.recv("b", "red-only")
	_ = e.srv.Except("red").Emit("not-red")
	n.recv("c", "not-red")
	_ = e.srv.To("red", "blue").Except("blue").Emit("mixed")
	n.recv("a", "mixed")
	n.recv("b", "mixed")
	n.noRecv("c", "not-red", 0)
	n.noRecv("a", "not-red", 0)
	n.noRecv("c", "mixed", 100*time.Millisecond)
	// Volatile to idle websocket clients is delivered.
	_ = e.srv.To("blue").Volatile().Emit("volatile")
	n.recv("c", "volatile")
	// SocketsJoin moves sockets server-side.
	e.srv.In("blue").SocketsJoin("red")
	_ = e.srv.To("red").Emit("red-again")
	for _, id := range []string{"a", "b", "c"} {
		n.recv(id, "red-again")
	}
}

func TestInteropDisconnectReasons(t *testing.T) {
	cases := []struct {
		name         string
		opts         map[string]any
		engine       *engineio.Options
		act          func(t *testing.T, n *nodeClient, e *testEnv, s *NamespaceSocket)
		clientReason string
		serverReason DisconnectReason
	}{
		{
			name:         "server disconnect",
			act:          func(t *testing.T, n *nodeClient, e *testEnv, s *NamespaceSocket) { s.Disconnect(false) },
			clientReason: "io server disconnect", serverReason: ReasonServerNamespaceDisconnect,
		},
		{
			name:         "server disconnect with close",
			act:          func(t *testing.T, n *nodeClient, e *testEnv, s *NamespaceSocket) { s.Disconnect(true) },
			clientReason: "io server disconnect", serverReason: ReasonServerNamespaceDisconnect,
		},
		{
			name:         "server disconnect over polling",
			opts:         pollingOnly,
			act:          func(t *testing.T, n *nodeClient, e *testEnv, s *NamespaceSocket) { e.srv.DisconnectSockets(false) },
			clientReason: "io server disconnect", serverReason: ReasonServerNamespaceDisconnect,
		},
		{
			name: "client disconnect",
			act: func(t *testing.T, n *nodeClient, e *testEnv, s *NamespaceSocket) {
				n.send(map[string]any{"cmd": "disconnect", "id": "a"})
			},
			clientReason: "io client disconnect", serverReason: ReasonClientNamespaceDisconnect,
		},
		{
			name: "client disconnect over polling",
			opts: pollingOnly,
			act: func(t *testing.T, n *nodeClient, e *testEnv, s *NamespaceSocket) {
				n.send(map[string]any{"cmd": "disconnect", "id": "a"})
			},
			clientReason: "io client disconnect", serverReason: ReasonClientNamespaceDisconnect,
		},
		{
			// The client closes its Engine.IO connection: the client calls it
			// "forced close", the server "transport close".
			name: "client closes its transport",
			act: func(t *testing.T, n *nodeClient, e *testEnv, s *NamespaceSocket) {
				n.send(map[string]any{"cmd": "closeEngine", "id": "a"})
			},
			clientReason: "forced close", serverReason: ReasonTransportClose,
		},
		{
			name: "client closes its transport over polling",
			opts: pollingOnly,
			act: func(t *testing.T, n *nodeClient, e *testEnv, s *NamespaceSocket) {
				n.send(map[string]any{"cmd": "closeEngine", "id": "a"})
			},
			clientReason: "forced close", serverReason: ReasonTransportClose,
		},
		{
			name:   "ping timeout (frozen client)",
			engine: &engineio.Options{PingInterval: 100 * time.Millisecond, PingTimeout: 100 * time.Millisecond},
			act: func(t *testing.T, n *nodeClient, e *testEnv, s *NamespaceSocket) {
				n.send(map[string]any{"cmd": "freeze", "id": "a"})
			},
			// The server closes the connection; the client may also have
			// given up on the server's pings first, on a loaded machine.
			clientReason: "transport close|ping timeout", serverReason: ReasonPingTimeout,
		},
		{
			name: "server shutting down",
			act: func(t *testing.T, n *nodeClient, e *testEnv, s *NamespaceSocket) {
				ctx, cancel := context.WithTimeout(context.Background(), waitFor)
				defer cancel()
				if err := e.srv.Shutdown(ctx); err != nil {
					t.Error(err)
				}
			},
			clientReason: "transport close", serverReason: ReasonServerShuttingDown,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, &ServerOptions{Engine: tc.engine})
			socks := echoServer(e.srv)
			n := newNodeClient(t, e)
			opts := tc.opts
			if opts == nil {
				opts = wsOnly
			}
			n.connect("a", "/", withOpts(opts, noReconnect), nil)
			s := waitChan(t, socks, "connection")
			reason := reasonOf(s)
			tc.act(t, n, e, s)
			if d := n.event("disconnect", "a"); !slices.Contains(strings.Split(tc.clientReason, "|"), d.String("reason")) {
				t.Fatalf("client reason %q, want %q", d.String("reason"), tc.clientReason)
			}
			expectReason(t, reason, tc.serverReason)
		})
	}
}

func TestInteropConnectionStateRecovery(t *testing.T) {
	for _, tr := range interopTransports {
		t.Run(tr.name, func(t *testing.T) {
			e := newTestEnv(t, &ServerOptions{ConnectionStateRecovery: &RecoveryOptions{MaxDisconnectionDuration: 10 * time.Second}})
			socks := make(chan *NamespaceSocket, 4)
			e.srv.OnConnection(func(s *NamespaceSocket) {
				if !s.Recovered() {
					s.Join("news")
					s.Data.Set("joined", "first time")
				}
				s.On("whoami", func(ev *Event) {
					v, _ := s.Data.Get("joined")
					_ = ev.Ack(s.ID(), s.Rooms(), v, s.Recovered())
				})
				socks <- s
			})
			n := newNodeClient(t, e)
			first := n.connect("a", "/", tr.opts, nil)
			if first.Bool("recovered") {
				t.Fatal("recovered on the first connection")
			}
			s1 := waitChan(t, socks, "connection")
			reason := reasonOf(s1)
			_ = e.srv.To("news").Emit("headline", 1)
			n.recv("a", "headline") // the client now holds an offset

			// Drop the transport; the client reconnects by itself.
			n.send(map[string]any{"cmd": "closeEngine", "id": "a"})
			if d := n.event("disconnect", "a"); d.String("reason") != "forced close" {
				t.Fatalf("client reason %v", d)
			}
			expectReason(t, reason, ReasonTransportClose)
			_ = e.srv.To("news").Emit("headline", 2) // missed
			_ = e.srv.To("sport").Emit("score", 3)   // not for it

			again := n.event("connect", "a")
			if !again.Bool("recovered") || again.String("sid") != first.String("sid") {
				t.Fatalf("reconnected %v, first %v", again, first)
			}
			// As from the Node.js server, the offset travels as the last
			// argument, which the client keeps (and listeners see).
			if r := n.recv("a", "headline"); !sameJSON(t, eventArgs(t, r)[:1], []any{2}) || len(eventArgs(t, r)) != 2 {
				t.Fatalf("missed event %v", r)
			}
			s2 := waitChan(t, socks, "recovered connection")
			if !s2.Recovered() || s2.ID() != s1.ID() {
				t.Fatalf("server: Recovered()=%v id %s, was %s", s2.Recovered(), s2.ID(), s1.ID())
			}
			n.send(map[string]any{"cmd": "emitWithAck", "id": "a", "name": "whoami", "tag": "w", "timeout": 5000})
			if a := n.ack("w"); a["err"] != nil || !sameJSON(t, a["args"], []any{first.String("sid")}) {
				t.Fatalf("whoami %v", a)
			}
			n.noRecv("a", "score", 50*time.Millisecond)
			if data, _ := s2.Data.Get("joined"); data != "first time" || !slices.Contains(s2.Rooms(), "news") {
				t.Fatalf("restored data %v rooms %v", data, s2.Rooms())
			}
			// Events go on after the recovery.
			_ = e.srv.To("news").Emit("headline", 4)
			if r := n.recv("a", "headline"); !sameJSON(t, eventArgs(t, r)[:1], []any{4}) {
				t.Fatalf("after recovery %v", r)
			}
		})
	}
}

func TestInteropMaxPayload(t *testing.T) {
	const max = 10000
	// The Engine.IO message is "4" + the Socket.IO packet `2["big","<s>"]`.
	overhead := len(`42["big",""]`)
	for _, tr := range interopTransports {
		t.Run(tr.name, func(t *testing.T) {
			e := newTestEnv(t, &ServerOptions{Engine: &engineio.Options{MaxPayload: max}})
			socks := make(chan *NamespaceSocket, 2)
			sizes := make(chan int, 2)
			e.srv.OnConnection(func(s *NamespaceSocket) {
				s.On("big", func(ev *Event) {
					var str string
					_ = ev.Decode(&str)
					sizes <- len(str)
				})
				socks <- s
			})
			n := newNodeClient(t, e)
			n.connect("a", "/", withOpts(tr.opts, noReconnect), nil)
			s := waitChan(t, socks, "connection")
			reason := reasonOf(s)
			under := max - overhead // the message is exactly max bytes
			n.emit("a", "big", strings.Repeat("u", under))
			if got := waitChan(t, sizes, "payload just under the limit"); got != under {
				t.Fatalf("server got %d bytes, sent %d", got, under)
			}
			n.emit("a", "big", strings.Repeat("o", under+1))
			d := n.event("disconnect", "a")
			if r := d.String("reason"); r != "transport close" && r != "transport error" {
				t.Fatalf("client reason %q", r)
			}
			expectReason(t, reason, ReasonTransportError)
			select {
			case got := <-sizes:
				t.Fatalf("the oversized payload (%d bytes) was delivered", got)
			default:
			}
		})
	}
}

func TestInteropUTF8BeyondTheBMP(t *testing.T) {
	const text = "héllo 👋🏽 wörld 𝄞 🇪🇺 漢字 \u2028 end"
	for _, tr := range interopTransports {
		t.Run(tr.name, func(t *testing.T) {
			e := newTestEnv(t, nil)
			got := make(chan string, 2)
			socks := make(chan *NamespaceSocket, 1)
			e.srv.OnConnection(func(s *NamespaceSocket) {
				s.On("émoji 🎉", func(ev *Event) {
					var str string
					_ = ev.Decode(&str)
					got <- str
					_ = ev.Ack(str + " ✅")
				})
				socks <- s
			})
			n := newNodeClient(t, e)
			n.connect("a", "/", tr.opts, map[string]any{"auth": map[string]any{"name": "🦄"}})
			s := waitChan(t, socks, "connection")
			if s.Handshake().Auth["name"] != "🦄" {
				t.Fatalf("auth %v", s.Handshake().Auth)
			}
			n.send(map[string]any{"cmd": "emitWithAck", "id": "a", "name": "émoji 🎉", "args": []any{text}, "tag": "u"})
			if g := waitChan(t, got, "event"); g != text {
				t.Fatalf("server got %q", g)
			}
			if a := n.ack("u"); !sameJSON(t, a["args"], []any{text + " ✅"}) {
				t.Fatalf("ack %v", a)
			}
			_ = s.Emit("ünïcode 🚀", text, map[string]any{"🔑": "🗝️"})
			if r := n.recv("a", "ünïcode 🚀"); !sameJSON(t, r["args"], []any{text, map[string]any{"🔑": "🗝️"}}) {
				t.Fatalf("client got %v", r)
			}
		})
	}
}

func TestInteropManyClients(t *testing.T) {
	const clients = 200
	e := newTestEnv(t, nil)
	var connected atomic.Int32
	var mu sync.Mutex
	ids := map[string]bool{}
	e.srv.OnConnection(func(s *NamespaceSocket) {
		connected.Add(1)
		mu.Lock()
		ids[s.ID()] = true
		mu.Unlock()
		s.On("hello", func(ev *Event) {
			var i int
			_ = ev.Decode(&i)
			_ = ev.Ack(i * 2)
		})
	})
	p := startNodeScript(t, e, "many.mjs", fmt.Sprint(clients))
	// Generous waits: 200 connections (polling, then upgrade) take a while
	// on a loaded machine.
	expect := func(name string) nodetest.Event {
		t.Helper()
		ev, err := p.Next(90 * time.Second)
		if err != nil || ev.Name() != name {
			t.Fatalf("waiting for %q: %v %v", name, ev, err)
		}
		return ev
	}
	if ev := expect("connected"); ev.Int("n") != clients {
		t.Fatalf("connected %v", ev)
	}
	if int(connected.Load()) != clients || len(e.srv.Sockets()) != clients {
		t.Fatalf("server has %d connections, %d sockets", connected.Load(), len(e.srv.Sockets()))
	}
	mu.Lock()
	if len(ids) != clients {
		t.Fatalf("%d distinct ids for %d sockets", len(ids), clients)
	}
	mu.Unlock()
	if ev := expect("acked"); ev.Int("n") != clients || ev.Int("bad") != 0 {
		t.Fatalf("acked %v", ev)
	}
	_ = e.srv.Emit("broadcast", "to all", []byte{1, 2, 3})
	if ev := expect("broadcast"); ev.Int("n") != clients || ev.Int("bad") != 0 {
		t.Fatalf("broadcast %v", ev)
	}
	// Every client votes; the server collects all the acks.
	res, err := e.srv.Timeout(60*time.Second).EmitWithAck(context.Background(), "vote")
	if err != nil || len(res) != clients {
		t.Fatalf("%d acks, %v", len(res), err)
	}
	p.Send(map[string]any{"cmd": "close"})
	if ev := expect("closed"); ev.Int("n") != clients {
		t.Fatalf("closed %v", ev)
	}
	eventually(t, "every socket gone", func() bool { return len(e.srv.Sockets()) == 0 })
}
