package socketio

// Interop suite with python-socketio 5.7 (Debian's python3-socketio) as the
// client, through internal/interop/python/client.py. Skipped when the
// packages are missing, except under CI=true.

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/internal/nodetest"
	"github.com/gosio/gosio/internal/pythontest"
)

// newPythonClient runs client.py against e; its events are taken with the
// nodeClient helpers (the scripts print the same JSON lines).
func newPythonClient(t *testing.T, e *testEnv) *nodeClient {
	t.Helper()
	rt := pythontest.Find(t)
	p := rt.Start(t, "internal/interop/python/client.py", nodetest.Options{Args: []string{e.ts.URL}})
	return &nodeClient{t: t, p: p}
}

// pyConnect connects client id to the namespaces and waits for the result
// of its connect command, which must be ok.
func pyConnect(n *nodeClient, id string, transports []string, auth map[string]any, namespaces ...string) {
	n.t.Helper()
	pyConnectAsync(n, id, transports, auth, namespaces...)
	if r := n.event("connected", id); !r.Bool("ok") {
		n.t.Fatalf("python client %s did not connect: %v", id, r)
	}
}

func pyConnectAsync(n *nodeClient, id string, transports []string, auth map[string]any, namespaces ...string) {
	n.t.Helper()
	if len(namespaces) == 0 {
		namespaces = []string{"/"}
	}
	cmd := map[string]any{"cmd": "connect", "id": id, "namespaces": namespaces}
	if transports != nil {
		cmd["transports"] = transports
	}
	if auth != nil {
		cmd["auth"] = auth
	}
	n.send(cmd)
}

// pyRecv takes the next event evName client id received on namespace nsp.
func pyRecv(n *nodeClient, id, nsp, evName string) nodetest.Event {
	n.t.Helper()
	return n.take(evName+" received by "+id+" on "+nsp, func(ev nodetest.Event) bool {
		return ev.Name() == "recv" && ev.String("id") == id && ev.String("nsp") == nsp && ev.String("name") == evName
	})
}

func TestPythonInteropTransports(t *testing.T) {
	cases := []struct {
		name       string
		transports []string
		final      string
	}{
		{"polling-only", []string{"polling"}, "polling"},
		{"websocket-only", []string{"websocket"}, "websocket"},
		{"upgrade", nil, "websocket"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, nil)
			socks := echoServer(e.srv)
			n := newPythonClient(t, e)
			pyConnect(n, "a", tc.transports, nil)
			s := waitChan(t, socks, "connection")
			if c := n.event("connect", "a"); c.String("sid") != string(s.ID()) {
				t.Fatalf("client sid %q, server %q", c.String("sid"), s.ID())
			}
			// python-socketio upgrades inside connect(), before it returns.
			eventually(t, "server-side transport "+tc.final, func() bool { return s.Transport() == tc.final })
			n.send(map[string]any{"cmd": "transport", "id": "a"})
			if tr := n.event("transport", "a"); tr.String("name") != tc.final {
				t.Fatalf("client transport %q, want %q", tr.String("name"), tc.final)
			}

			// Events both ways.
			n.emit("a", "shout", "hi", map[string]any{"n": 1})
			if r := n.recv("a", "shouted"); !sameJSON(t, r["args"], []any{"hi", map[string]any{"n": 1}}) {
				t.Fatalf("shouted %v", r)
			}
			_ = s.Emit("from-server", map[string]any{"x": 1}, "é")
			if r := n.recv("a", "from-server"); !sameJSON(t, r["args"], []any{map[string]any{"x": 1}, "é"}) {
				t.Fatalf("from-server %v", r)
			}

			// Client → server ack (emit with a callback).
			s.On("double", func(ev *Event) {
				var x int
				_ = ev.Decode(&x)
				_ = ev.Ack(x*2, "doubled")
			})
			n.send(map[string]any{"cmd": "emitCb", "id": "a", "name": "double", "args": []any{21}, "tag": "d"})
			if a := n.ack("d"); !sameJSON(t, a["args"], []any{42, "doubled"}) {
				t.Fatalf("ack %v", a)
			}
			// client.call(): the ack's value, or the client's timeout.
			n.send(map[string]any{"cmd": "call", "id": "a", "name": "double", "args": []any{5}, "tag": "c"})
			if a := n.ack("c"); a["err"] != nil || !sameJSON(t, a["args"], []any{10, "doubled"}) {
				t.Fatalf("call %v", a)
			}
			s.On("silent", func(*Event) {}) // never acknowledges
			n.send(map[string]any{"cmd": "call", "id": "a", "name": "silent", "tag": "s", "timeout": 0.2})
			if a := n.ack("s"); a["err"] != "timeout" {
				t.Fatalf("unanswered call %v", a)
			}
			// Server → client ack: the script answers with the event's args.
			ctx, cancel := context.WithTimeout(context.Background(), nodetest.DefaultTimeout)
			defer cancel()
			got, err := s.EmitWithAck(ctx, "question", "how much?", 3)
			var text string
			var num int
			if err != nil || got.Decode(&text, &num) != nil || text != "how much?" || num != 3 {
				t.Fatalf("server EmitWithAck: %v %q %d", err, text, num)
			}
			pyRecv(n, "a", "/", "question")

			// Binary, server → client, at the top level and nested.
			big := make([]byte, 70000)
			for i := range big {
				big[i] = byte(i)
			}
			_ = s.Emit("bin", []byte{0, 1, 2}, map[string]any{"list": []any{1, []byte{0xff}}, "big": big})
			want := []any{binArg([]byte{0, 1, 2}), map[string]any{"list": []any{1, binArg([]byte{0xff})}, "big": binArg(big)}}
			if r := n.recv("a", "bin"); !sameJSON(t, r["args"], want) {
				t.Fatalf("client received %.300v", r["args"])
			}
			// Binary, client → server, acknowledged with binary.
			type upload struct {
				Title string `json:"title"`
				Data  []byte `json:"data"`
			}
			uploads := make(chan upload, 1)
			s.On("upload", func(ev *Event) {
				var u upload
				if err := ev.Decode(&u); err != nil {
					t.Errorf("decode upload: %v", err)
				}
				uploads <- u
				_ = ev.Ack([]byte("received"), map[string]any{"echo": u.Data})
			})
			n.send(map[string]any{"cmd": "emitCb", "id": "a", "name": "upload", "tag": "u",
				"args": []any{map[string]any{"title": "file", "data": binArg(big[:1000])}}})
			if u := waitChan(t, uploads, "upload"); u.Title != "file" || string(u.Data) != string(big[:1000]) {
				t.Fatalf("server decoded %q (%d bytes)", u.Title, len(u.Data))
			}
			if a := n.ack("u"); !sameJSON(t, a["args"], []any{binArg([]byte("received")), map[string]any{"echo": binArg(big[:1000])}}) {
				t.Fatalf("binary ack %.300v", a)
			}
			// A binary ack from the client to the server.
			got, err = s.EmitWithAck(ctx, "need-bin", map[string]any{"blob": []byte("from server")})
			var blob struct{ Blob []byte }
			if err != nil || got.Decode(&blob) != nil || string(blob.Blob) != "from server" {
				t.Fatalf("binary ack from the client: %v %q", err, blob.Blob)
			}
		})
	}
}

func TestPythonInteropRooms(t *testing.T) {
	e := newTestEnv(t, nil)
	socks := make(chan *NamespaceSocket, 8)
	e.srv.OnConnection(func(s *NamespaceSocket) {
		var auth struct {
			Room string `json:"room"`
		}
		_ = s.Handshake().DecodeAuth(&auth)
		s.Join(Room(auth.Room))
		s.On("to-room", func(ev *Event) {
			var room string
			_ = ev.Decode(&room)
			_ = s.To(Room(room)).Emit("room-msg", room)
		})
		socks <- s
	})
	n := newPythonClient(t, e)
	clients := []struct {
		id, room   string
		transports []string
	}{
		{"a", "red", []string{"websocket"}},
		{"b", "red", []string{"polling"}},
		{"c", "blue", nil},
	}
	for _, c := range clients {
		pyConnect(n, c.id, c.transports, map[string]any{"room": c.room})
		waitChan(t, socks, "connection")
	}
	// socket.to(room) reaches the room but the sender.
	n.emit("a", "to-room", "red")
	n.recv("b", "room-msg")
	n.noRecv("a", "room-msg", 200*time.Millisecond)
	n.noRecv("c", "room-msg", 0)
	// Server operators.
	_ = e.srv.To("red").Emit("red-only", 1)
	n.recv("a", "red-only")
	n.recv("b", "red-only")
	_ = e.srv.Except("red").Emit("not-red", 2)
	n.recv("c", "not-red")
	_ = e.srv.Emit("everyone", []byte{7})
	for _, c := range clients {
		if r := n.recv(c.id, "everyone"); !sameJSON(t, r["args"], []any{binArg([]byte{7})}) {
			t.Fatalf("%s got %v", c.id, r)
		}
	}
	n.noRecv("c", "red-only", 200*time.Millisecond)
	n.noRecv("a", "not-red", 0)
	n.noRecv("b", "not-red", 0)
}

func TestPythonInteropNamespaces(t *testing.T) {
	e := newTestEnv(t, nil)
	main := echoServer(e.srv)
	dyn := echoServer(e.srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`)))
	e.Of("/private").Use(func(s *NamespaceSocket) error {
		var auth struct {
			Token string `json:"token"`
		}
		_ = s.Handshake().DecodeAuth(&auth)
		if auth.Token != "secret" {
			return NewConnectError("not authorized", map[string]any{"code": 4001, "retry": false})
		}
		return nil
	})
	private := echoServer(e.Of("/private"))
	n := newPythonClient(t, e)

	// "/" and a dynamic namespace over one connection.
	pyConnect(n, "a", []string{"websocket"}, nil, "/", "/dyn-42")
	sm, sd := waitChan(t, main, "main"), waitChan(t, dyn, "dyn")
	if sm.client.conn.ID() != sd.client.conn.ID() {
		t.Fatal("the namespaces were not multiplexed over one connection")
	}
	if sd.Namespace().Name() != "/dyn-42" {
		t.Fatalf("dynamic namespace %q", sd.Namespace().Name())
	}
	n.send(map[string]any{"cmd": "emit", "id": "a", "nsp": "/dyn-42", "name": "shout", "args": []any{"dyn"}})
	if r := pyRecv(n, "a", "/dyn-42", "shouted"); !sameJSON(t, r["args"], []any{"dyn"}) {
		t.Fatalf("dyn got %v", r)
	}
	_ = e.srv.Of("/dyn-42").Emit("only-dyn")
	pyRecv(n, "a", "/dyn-42", "only-dyn")
	n.noRecv("a", "only-dyn", 200*time.Millisecond) // not on "/" too

	// Middleware refusal: the client sees the message and the data.
	pyConnectAsync(n, "bad", []string{"polling"}, map[string]any{"token": "wrong"}, "/private")
	ce := n.event("connect_error", "bad")
	if !sameJSON(t, ce["data"], map[string]any{"message": "not authorized", "data": map[string]any{"code": 4001, "retry": false}}) {
		t.Fatalf("connect_error %v", ce)
	}
	if r := n.event("connected", "bad"); r.Bool("ok") {
		t.Fatalf("refused client connected: %v", r)
	}
	// The right token passes.
	pyConnect(n, "good", []string{"websocket"}, map[string]any{"token": "secret"}, "/private")
	waitChan(t, private, "private")
	// An unknown namespace.
	pyConnectAsync(n, "nope", []string{"websocket"}, nil, "/nope")
	if ce := n.event("connect_error", "nope"); !sameJSON(t, ce["data"], map[string]any{"message": "Invalid namespace"}) {
		t.Fatalf("connect_error %v", ce)
	}
	n.event("connected", "nope")
}

func TestPythonInteropDisconnectReasons(t *testing.T) {
	cases := []struct {
		name         string
		transports   []string
		act          func(n *nodeClient, s *NamespaceSocket)
		serverReason string // alternatives separated by |
	}{
		{"server disconnect", []string{"websocket"}, func(n *nodeClient, s *NamespaceSocket) { s.Disconnect(false) }, "server namespace disconnect"},
		{"server disconnect over polling", []string{"polling"}, func(n *nodeClient, s *NamespaceSocket) { s.Disconnect(true) }, "server namespace disconnect"},
		// Over websocket, python-socketio 5.7's disconnect() queues the
		// DISCONNECT packet for its writer thread and closes the websocket
		// at once from the caller's: the close frame usually goes first
		// (seen on the wire: close frame, then "41" and "1"), and data after
		// a close frame is not delivered, by gosio as by Node's ws.
		{"client disconnect", []string{"websocket"}, func(n *nodeClient, s *NamespaceSocket) {
			n.send(map[string]any{"cmd": "disconnect", "id": "a"})
		}, "client namespace disconnect|transport close"},
		{"client disconnect over polling", []string{"polling"}, func(n *nodeClient, s *NamespaceSocket) {
			n.send(map[string]any{"cmd": "disconnect", "id": "a"})
		}, "client namespace disconnect"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, nil)
			socks := echoServer(e.srv)
			n := newPythonClient(t, e)
			pyConnect(n, "a", tc.transports, nil)
			s := waitChan(t, socks, "connection")
			reason := reasonOf(s)
			tc.act(n, s)
			// python-socketio 5.7 passes no reason to its disconnect handler:
			// the client sees the disconnection itself.
			n.event("disconnect", "a")
			if got := waitChan(t, reason, "server disconnect"); !slices.Contains(strings.Split(tc.serverReason, "|"), string(got)) {
				t.Fatalf("server reason %q, want %q", got, tc.serverReason)
			}
		})
	}
}
