package goclient

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/gosio/gosio/sio/socketio"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

func TestGoClientTransports(t *testing.T) {
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
			srv, url := newServer(t)
			socks := sockets(srv)
			c := dial(t, url, "/", tc.transports, nil)
			c.connected()
			s := waitChan(t, socks, "connection")
			if c.s.Id() != string(s.ID()) {
				t.Fatalf("client sid %q, server %q", c.s.Id(), s.ID())
			}
			eventually(t, "server-side transport "+tc.final, func() bool { return s.Transport() == tc.final })
			eventually(t, "client-side transport "+tc.final, func() bool { return c.transportName() == tc.final })
			if tc.final == "polling" {
				nudge(t, s)
			}

			// Events both ways.
			_ = c.s.Emit("shout", "hi", map[string]any{"n": 1})
			if args, _ := c.recv("shouted"); len(args) != 2 || args[0] != "hi" || args[1].(map[string]any)["n"] != float64(1) {
				t.Fatalf("shouted %v", args)
			}
			_ = s.Emit("from-server", map[string]any{"x": 1}, "é")
			if args, _ := c.recv("from-server"); len(args) != 2 || args[1] != "é" {
				t.Fatalf("from-server %v", args)
			}

			// Client → server ack.
			s.On("double", func(ev *socketio.Event) {
				var x int
				_ = ev.Decode(&x)
				_ = ev.Ack(x*2, "doubled")
			})
			if a := c.emitWithAck("double", 21); len(a) != 2 || a[0] != float64(42) || a[1] != "doubled" {
				t.Fatalf("ack %v", a)
			}
			// An unanswered emit times out on the client.
			s.On("silent", func(*socketio.Event) {}) // never acknowledges
			timedOut := make(chan error, 1)
			c.s.Timeout(200 * time.Millisecond).EmitWithAck("silent")(func(_ []any, err error) { timedOut <- err })
			if err := waitChan(t, timedOut, "client ack timeout"); err == nil || err.Error() != "operation has timed out" {
				t.Fatalf("unanswered client EmitWithAck: %v", err)
			}
			// Server → client ack, answered by the client's callback.
			type result struct {
				args socketio.Args
				err  error
			}
			res := make(chan result, 1)
			go func() {
				a, err := s.Timeout(waitFor).EmitWithAck(context.Background(), "question", "how much?")
				res <- result{a, err}
			}()
			args, ack := c.recv("question")
			if ack == nil || len(args) != 1 || args[0] != "how much?" {
				t.Fatalf("question %v (ack %v)", args, ack != nil)
			}
			ack([]any{"42 €", map[string]any{"ok": true}}, nil)
			got := waitChan(t, res, "server ack")
			var text string
			var obj struct{ OK bool }
			if got.err != nil || got.args.Decode(&text, &obj) != nil || text != "42 €" || !obj.OK {
				t.Fatalf("server EmitWithAck: %q %+v %v", text, obj, got.err)
			}
			// Not answered: the server times out.
			if _, err := s.Timeout(100*time.Millisecond).EmitWithAck(context.Background(), "ignored"); !errors.Is(err, socketio.ErrAckTimeout) {
				t.Fatalf("unanswered EmitWithAck: %v", err)
			}

			// Binary, server → client, at the top level and nested.
			big := make([]byte, 70000)
			for i := range big {
				big[i] = byte(i)
			}
			_ = s.Emit("bin", []byte{0, 1, 2}, map[string]any{"list": []any{1, []byte{0xff}}, "big": big})
			args, _ = c.recv("bin")
			if len(args) != 2 || !sameBytes(args[0], []byte{0, 1, 2}) {
				t.Fatalf("bin %.200v", args)
			}
			nested, _ := args[1].(map[string]any)
			if list, _ := nested["list"].([]any); len(list) != 2 || !sameBytes(list[1], []byte{0xff}) || !sameBytes(nested["big"], big) {
				t.Fatalf("nested bin %.200v", nested)
			}
			// Binary, client → server, acknowledged with binary.
			type upload struct {
				Title string `json:"title"`
				Data  []byte `json:"data"`
			}
			uploads := make(chan upload, 1)
			s.On("upload", func(ev *socketio.Event) {
				var u upload
				if err := ev.Decode(&u); err != nil {
					t.Errorf("decode upload: %v", err)
				}
				uploads <- u
				_ = ev.Ack([]byte("received"), map[string]any{"echo": u.Data})
			})
			a := c.emitWithAck("upload", map[string]any{"title": "file", "data": big[:1000]})
			if u := waitChan(t, uploads, "upload"); u.Title != "file" || string(u.Data) != string(big[:1000]) {
				t.Fatalf("server decoded %q (%d bytes)", u.Title, len(u.Data))
			}
			if len(a) != 2 || !sameBytes(a[0], []byte("received")) || !sameBytes(a[1].(map[string]any)["echo"], big[:1000]) {
				t.Fatalf("binary ack %.200v", a)
			}
			// A binary ack from the client to the server.
			go func() {
				a, err := s.Timeout(waitFor).EmitWithAck(context.Background(), "need-bin")
				res <- result{a, err}
			}()
			_, ack = c.recv("need-bin")
			ack([]any{map[string]any{"blob": []byte("from client")}}, nil)
			got = waitChan(t, res, "binary ack")
			var blob struct{ Blob []byte }
			if got.err != nil || got.args.Decode(&blob) != nil || string(blob.Blob) != "from client" {
				t.Fatalf("binary ack from the client: %v %q", got.err, blob.Blob)
			}
		})
	}
}

func TestGoClientRooms(t *testing.T) {
	srv, url := newServer(t)
	socks := make(chan *socketio.NamespaceSocket, 8)
	srv.OnConnection(func(s *socketio.NamespaceSocket) {
		var auth struct {
			Room string `json:"room"`
		}
		_ = s.Handshake().DecodeAuth(&auth)
		s.Join(socketio.Room(auth.Room))
		s.On("to-room", func(ev *socketio.Event) {
			var room string
			_ = ev.Decode(&room)
			_ = s.To(socketio.Room(room)).Emit("room-msg", room)
		})
		socks <- s
	})
	a := dial(t, url, "/", []string{"websocket"}, map[string]any{"room": "red"})
	a.connected()
	b := dial(t, url, "/", []string{"polling"}, map[string]any{"room": "red"})
	b.connected()
	c := dial(t, url, "/", nil, map[string]any{"room": "blue"})
	c.connected()
	for range 3 {
		waitChan(t, socks, "connection")
	}
	// socket.to(room) reaches the room but the sender.
	_ = a.s.Emit("to-room", "red")
	b.recv("room-msg")
	a.noRecv("room-msg", 200*time.Millisecond)
	c.noRecv("room-msg", 0)
	// Server operators.
	_ = srv.To("red").Emit("red-only", 1)
	a.recv("red-only")
	b.recv("red-only")
	_ = srv.Except("red").Emit("not-red", 2)
	c.recv("not-red")
	_ = srv.Emit("everyone", []byte{7})
	for _, x := range []*clientSocket{a, b, c} {
		if args, _ := x.recv("everyone"); len(args) != 1 || !sameBytes(args[0], []byte{7}) {
			t.Fatalf("everyone %v", args)
		}
	}
	c.noRecv("red-only", 200*time.Millisecond)
	a.noRecv("not-red", 0)
	b.noRecv("not-red", 0)
}

func TestGoClientNamespaces(t *testing.T) {
	srv, url := newServer(t)
	main := sockets(srv)
	dyn := sockets(srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`)))
	srv.Of("/private").Use(func(s *socketio.NamespaceSocket) error {
		var auth struct {
			Token string `json:"token"`
		}
		_ = s.Handshake().DecodeAuth(&auth)
		if auth.Token != "secret" {
			return socketio.NewConnectError("not authorized", map[string]any{"code": 4001, "retry": false})
		}
		return nil
	})
	private := sockets(srv.Of("/private"))

	// "/" and a dynamic namespace over one connection.
	m := newManager(t, url, []string{"websocket"})
	root := open(t, m, "/", nil)
	d := open(t, m, "/dyn-42", nil)
	root.connected()
	d.connected()
	_, sd := waitChan(t, main, "main"), waitChan(t, dyn, "dyn")
	if n := srv.Engine().ClientsCount(); n != 1 {
		t.Fatalf("the namespaces were not multiplexed over one connection: %d Engine.IO sessions", n)
	}
	if sd.Namespace().Name() != "/dyn-42" {
		t.Fatalf("dynamic namespace %q", sd.Namespace().Name())
	}
	_ = d.s.Emit("shout", "dyn")
	if args, _ := d.recv("shouted"); len(args) != 1 || args[0] != "dyn" {
		t.Fatalf("dyn got %v", args)
	}
	_ = srv.Of("/dyn-42").Emit("only-dyn")
	d.recv("only-dyn")
	root.noRecv("only-dyn", 200*time.Millisecond)

	// Middleware refusal: the client sees the message and the data.
	bad := dial(t, url, "/private", []string{"polling"}, map[string]any{"token": "wrong"})
	ce := bad.expect("connect_error")
	var ext *types.ExtendedError
	if len(ce.args) != 1 || !errors.As(ce.args[0].(error), &ext) || ext.Message != "not authorized" {
		t.Fatalf("connect_error %v", ce.args)
	}
	if data, _ := ext.Data.(map[string]any); data["code"] != float64(4001) || data["retry"] != false {
		t.Fatalf("connect_error data %v", ext.Data)
	}
	// The right token passes.
	good := dial(t, url, "/private", []string{"websocket"}, map[string]any{"token": "secret"})
	good.connected()
	waitChan(t, private, "private")
	// An unknown namespace is refused. gosio sends {"message":"Invalid
	// namespace"} as Node does, without "data"; this client version then
	// reports "missing 'data' field" rather than the message.
	nope := dial(t, url, "/nope", []string{"websocket"}, nil)
	if ce := nope.expect("connect_error"); len(ce.args) != 1 {
		t.Fatalf("connect_error %v", ce.args)
	} else if err, _ := ce.args[0].(error); err == nil {
		t.Fatalf("connect_error %v", ce.args)
	} else {
		t.Logf("unknown namespace: %v", err)
	}
}

func TestGoClientDisconnectReasons(t *testing.T) {
	cases := []struct {
		name         string
		transports   []string
		act          func(c *clientSocket, s *socketio.NamespaceSocket)
		clientReason string // alternatives separated by |
		serverReason string // alternatives separated by |
	}{
		{"server disconnect", []string{"websocket"}, func(c *clientSocket, s *socketio.NamespaceSocket) { s.Disconnect(false) },
			"io server disconnect", "server namespace disconnect"},
		// gosio answers the pending GET with "41\x1e1" (DISCONNECT, then
		// CLOSE), as Node does; the zishang520 client may handle the CLOSE
		// before the DISCONNECT it decoded and report "transport close", or
		// first fail a POST it sends after the session's end ("transport
		// error"; Node answers such a POST with 400 too).
		{"server disconnect over polling", []string{"polling"}, func(c *clientSocket, s *socketio.NamespaceSocket) { s.Disconnect(true) },
			"io server disconnect|transport close|transport error", "server namespace disconnect"},
		// The zishang520 client's websocket Close drops its write queue and
		// closes the connection at once: the DISCONNECT it queued just before
		// may never be written, and the server then sees the connection end.
		{"client disconnect", []string{"websocket"}, func(c *clientSocket, s *socketio.NamespaceSocket) { c.s.Disconnect() },
			"io client disconnect", "client namespace disconnect|transport close"},
		{"client disconnect over polling", []string{"polling"}, func(c *clientSocket, s *socketio.NamespaceSocket) { c.s.Disconnect() },
			"io client disconnect", "client namespace disconnect"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, url := newServer(t)
			socks := sockets(srv)
			c := dial(t, url, "/", tc.transports, nil)
			c.connected()
			s := waitChan(t, socks, "connection")
			reasons := make(chan socketio.DisconnectReason, 2)
			s.OnDisconnect(func(r socketio.DisconnectReason) { reasons <- r })
			tc.act(c, s)
			if d := c.expect("disconnect"); len(d.args) == 0 || !oneOf(d.args[0], tc.clientReason) {
				t.Fatalf("client reason %v, want %q", d.args, tc.clientReason)
			}
			if r := waitChan(t, reasons, "server disconnect"); !oneOf(string(r), tc.serverReason) {
				t.Fatalf("server reason %q, want %q", r, tc.serverReason)
			}
		})
	}
}
