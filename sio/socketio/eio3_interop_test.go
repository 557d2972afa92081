package socketio

// Interop with socket.io-client 2.x (Engine.IO v3, Socket.IO protocol v4),
// through internal/interop/socketio/client_v2.mjs, on a server with
// engineio.Options.AllowEIO3.

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/gosio/internal/nodetest"
	"github.com/gosio/gosio/sio/engineio"
)

// newV2Client runs client_v2.mjs against e.
func newV2Client(t *testing.T, e *testEnv) *nodeClient {
	t.Helper()
	rt := nodetest.Find(t, "socket.io-client-v2")
	p := rt.Start(t, "internal/interop/socketio/client_v2.mjs", nodetest.Options{Args: []string{e.ts.URL}})
	return &nodeClient{t: t, p: p}
}

func eio3Options(eng *engineio.Options) *ServerOptions {
	if eng == nil {
		eng = &engineio.Options{}
	}
	eng.AllowEIO3 = true
	return &ServerOptions{Engine: eng}
}

// v2Transports are the ways a 2.x client reaches the server: polling with
// base64 binary (what engine.io-client 3.x does under Node.js, which has no
// XHR2), websocket with binary frames and with base64 text frames, and the
// upgrade from the one to the other.
var v2Transports = []struct {
	name           string
	opts           map[string]any
	initial, final string
}{
	{"polling", pollingOnly, "polling", "polling"},
	{"websocket", wsOnly, "websocket", "websocket"},
	{"websocket-base64", withOpts(wsOnly, map[string]any{"forceBase64": true}), "websocket", "websocket"},
	{"upgrade", map[string]any{}, "polling", "websocket"},
}

func TestInteropV2Transports(t *testing.T) {
	for _, tc := range v2Transports {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, eio3Options(nil))
			socks := echoServer(e.srv)
			n := newV2Client(t, e)
			n.connectAsync("a", "/", "m", tc.opts, nil)
			ev := n.event("connect", "a")
			s := waitChan(t, socks, "connection")
			// Protocol v4: the socket's id in the main namespace is the
			// Engine.IO session's.
			if s.ID() != ev.String("sid") || string(s.ID()) != s.ConnID() {
				t.Fatalf("client sid %q, server %q, engine %q", ev.String("sid"), s.ID(), s.ConnID())
			}
			if s.Handshake().Query().Get("EIO") != "3" {
				t.Fatalf("handshake query %v", s.Handshake().Query())
			}
			if tc.final != tc.initial {
				up := n.take("upgrade", func(ev nodetest.Event) bool { return ev.Name() == "upgrade" })
				if up.String("transport") != tc.final {
					t.Fatalf("upgraded to %q", up.String("transport"))
				}
				eventually(t, "server-side upgrade", func() bool { return s.Transport() == tc.final })
			}

			// Client → server, acknowledged (UTF-16 lengths: "€" and a
			// character outside the BMP in polling payloads).
			n.send(map[string]any{"cmd": "emitCb", "id": "a", "name": "echo", "args": []any{"hi €😀", 1}, "tag": "e"})
			if a := n.ack("e"); !sameJSON(t, a["args"], []any{"hi €😀", 1}) {
				t.Fatalf("ack %v", a)
			}
			// Server → client, acknowledged by the client.
			res := make(chan Args, 1)
			go func() {
				a, err := s.Timeout(10*time.Second).EmitWithAck(context.Background(), "question", "how much?")
				if err != nil {
					t.Errorf("EmitWithAck: %v", err)
				}
				res <- a
			}()
			r := n.recv("a", "question")
			if r["ackKey"] == nil || !sameJSON(t, r["args"], []any{"how much?"}) {
				t.Fatalf("recv %v", r)
			}
			n.send(map[string]any{"cmd": "ack", "id": "a", "key": r["ackKey"], "args": []any{"42 €"}})
			var text string
			if err := waitChan(t, res, "server ack").Decode(&text); err != nil || text != "42 €" {
				t.Fatalf("server ack %q %v", text, err)
			}

			// Binary, server → client, at the top level and nested.
			big := bytes.Repeat([]byte{0xab}, 70000)
			_ = s.Emit("bin", []byte{0, 1, 2}, map[string]any{"deep": []any{[]byte{0xff}, "x"}, "big": big})
			want := []any{binArg([]byte{0, 1, 2}), map[string]any{"deep": []any{binArg([]byte{0xff}), "x"}, "big": binArg(big)}}
			if r := n.recv("a", "bin"); !sameJSON(t, r["args"], want) {
				t.Fatalf("binary recv differs")
			}
			// Binary, client → server, acknowledged with binary.
			got := make(chan []byte, 1)
			s.On("upload", func(ev *Event) {
				var p struct{ Data []byte }
				if err := ev.Args.Decode(&p); err != nil {
					t.Errorf("upload: %v", err)
				}
				got <- p.Data
				_ = ev.Ack([]byte("received"))
			})
			n.send(map[string]any{"cmd": "emitCb", "id": "a", "name": "upload", "tag": "u",
				"args": []any{map[string]any{"data": binArg([]byte{1, 2, 3, 0xfe})}}})
			if b := waitChan(t, got, "upload"); !bytes.Equal(b, []byte{1, 2, 3, 0xfe}) {
				t.Fatalf("upload %x", b)
			}
			if a := n.ack("u"); !sameJSON(t, a["args"], []any{binArg([]byte("received"))}) {
				t.Fatalf("binary ack %v", a)
			}

			n.send(map[string]any{"cmd": "transport", "id": "a"})
			if tr := n.event("transport", "a"); tr.String("name") != tc.final || s.Transport() != tc.final {
				t.Fatalf("client transport %q, server %q", tr.String("name"), s.Transport())
			}
			// The server disconnects the socket: the client hears it.
			s.Disconnect(false)
			if d := n.event("disconnect", "a"); d.String("reason") != "io server disconnect" {
				t.Fatalf("disconnect %v", d)
			}
		})
	}
}

func TestInteropV2NamespacesAndMiddleware(t *testing.T) {
	for _, tc := range v2Transports[:2] {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, eio3Options(nil))
			main := echoServer(e.srv)
			custom := echoServer(e.srv.Of("/custom"))
			e.srv.Of("/private").Use(func(s *NamespaceSocket) error {
				if s.Handshake().Auth["token"] == "with-data" {
					return NewConnectError("refused", map[string]any{"why": "bad token"})
				}
				return errors.New("not allowed")
			})
			n := newV2Client(t, e)
			n.connectAsync("main", "/", "m", tc.opts, nil)
			n.connectAsync("custom", "/custom", "m", nil, map[string]any{"query": map[string]any{"token": "abc", "n": "1"}})
			n.event("connect", "main")
			cev := n.event("connect", "custom")
			sm, sc := waitChan(t, main, "main"), waitChan(t, custom, "custom")
			if sm.ConnID() != sc.ConnID() {
				t.Fatal("the namespaces were not multiplexed over one connection")
			}
			// The namespace's query is the socket's auth; its id is
			// "<namespace>#<engine id>".
			if sc.Handshake().Auth["token"] != "abc" || sc.Handshake().Auth["n"] != "1" {
				t.Fatalf("auth %v", sc.Handshake().Auth)
			}
			if want := "/custom#" + sc.ConnID(); string(sc.ID()) != want || cev.String("sid") != want {
				t.Fatalf("custom sid: server %q, client %q, want %q", sc.ID(), cev.String("sid"), want)
			}
			n.emit("custom", "shout", "c")
			if r := n.recv("custom", "shouted"); !sameJSON(t, r["args"], []any{"c"}) {
				t.Fatalf("custom got %v", r)
			}
			_ = e.srv.Of("/custom").Emit("only-custom")
			n.recv("custom", "only-custom")
			n.noRecv("main", "only-custom", 100*time.Millisecond)

			// A middleware's refusal: 2.x emits "error" with the message,
			// or with the error's data when it has some.
			n.connectAsync("p1", "/private", "m", nil, nil)
			if ev := n.event("error", "p1"); ev["data"] != "not allowed" {
				t.Fatalf("error event %v", ev)
			}
			n.connectAsync("p2", "/private", "m2", tc.opts, map[string]any{"query": map[string]any{"token": "with-data"}})
			if ev := n.event("error", "p2"); !sameJSON(t, ev["data"], map[string]any{"why": "bad token"}) {
				t.Fatalf("error event %v", ev)
			}
			// An unknown namespace.
			n.connectAsync("bad", "/nope", "m", nil, nil)
			if ev := n.event("error", "bad"); !sameJSON(t, ev["data"], map[string]any{"message": "Invalid namespace"}) {
				t.Fatalf("error event %v", ev)
			}
			// The connection is still usable.
			n.emit("main", "shout", "still")
			n.recv("main", "shouted")
		})
	}
}

// A middleware of the main namespace refuses a 2.x client, which joins it
// without asking.
func TestInteropV2MainNamespaceRefused(t *testing.T) {
	e := newTestEnv(t, eio3Options(nil))
	e.srv.Use(func(s *NamespaceSocket) error { return errors.New("go away") })
	n := newV2Client(t, e)
	n.connectAsync("a", "/", "m", pollingOnly, nil)
	if ev := n.event("error", "a"); ev["data"] != "go away" {
		t.Fatalf("error event %v", ev)
	}
}

// A 2.x client and a 4.x client in one room get the same broadcast.
func TestInteropV2AndV4SameRoom(t *testing.T) {
	e := newTestEnv(t, eio3Options(nil))
	e.srv.OnConnection(func(s *NamespaceSocket) {
		s.On("join", func(ev *Event) {
			var room string
			_ = ev.Args.Decode(&room)
			s.Join(Room(room))
			_ = ev.Ack("joined")
		})
	})
	v2, v4 := newV2Client(t, e), newNodeClient(t, e)
	v2.connect("old", "/", nil, nil)
	v4.connect("new", "/", nil, nil)
	v2.send(map[string]any{"cmd": "emitCb", "id": "old", "name": "join", "args": []any{"r"}, "tag": "j"})
	v4.send(map[string]any{"cmd": "emitCb", "id": "new", "name": "join", "args": []any{"r"}, "tag": "j"})
	v2.ack("j")
	v4.ack("j")
	args := []any{"hello", map[string]any{"n": 1, "bin": []byte{7, 8}}}
	if err := e.srv.To("r").Emit("news", args...); err != nil {
		t.Fatal(err)
	}
	want := []any{"hello", map[string]any{"n": 1, "bin": binArg([]byte{7, 8})}}
	if r := v2.recv("old", "news"); !sameJSON(t, r["args"], want) {
		t.Fatalf("2.x got %v", r["args"])
	}
	if r := v4.recv("new", "news"); !sameJSON(t, r["args"], want) {
		t.Fatalf("4.x got %v", r["args"])
	}
}

// The 2.x client pings and the server answers: a session whose client
// pings keeps going past PingInterval+PingTimeout.
func TestInteropV2Heartbeat(t *testing.T) {
	for _, tc := range v2Transports[:2] {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, eio3Options(&engineio.Options{PingInterval: 200 * time.Millisecond, PingTimeout: 2 * time.Second}))
			socks := echoServer(e.srv)
			n := newV2Client(t, e)
			n.connectAsync("a", "/", "m", tc.opts, nil)
			n.event("connect", "a")
			s := waitChan(t, socks, "connection")
			for i := 0; i < 3; i++ {
				n.take("pong", func(ev nodetest.Event) bool { return ev.Name() == "pong" })
			}
			if !s.Connected() {
				t.Fatal("disconnected while the client pinged")
			}
		})
	}
}

// Without AllowEIO3 the 2.x client cannot connect (the handshake's
// answer, code 5, is checked on the wire in engineio's tests).
func TestInteropV2RefusedByDefault(t *testing.T) {
	e := newTestEnv(t, nil)
	n := newV2Client(t, e)
	n.send(map[string]any{"cmd": "connect", "id": "a", "nsp": "/", "opts": withOpts(pollingOnly, noReconnect)})
	ev := n.take("connect_error", func(ev nodetest.Event) bool {
		return ev.String("id") == "a" && (ev.Name() == "connect_error" || ev.Name() == "connect")
	})
	if ev.Name() == "connect" {
		t.Fatal("a 2.x client connected without AllowEIO3")
	}
	if e.srv.Engine().ClientsCount() != 0 {
		t.Fatal("a session was opened")
	}
}

// TestBrowserV2 runs socket.io-client 2.x's browser build in headless
// Chromium against an AllowEIO3 server: with XHR2, its long-polling sends
// and receives binary payloads (application/octet-stream); events, acks
// both ways with ArrayBuffers, a server push, then a connection upgraded
// to websocket.
func TestBrowserV2(t *testing.T) {
	rt := nodetest.Find(t, "socket.io-client-v2", "playwright-core")
	dist := filepath.Join(rt.NodeModules, "socket.io-client-v2", "dist", "socket.io.js")
	if _, err := os.Stat(chromium); err != nil {
		if nodetest.InCI() {
			t.Fatalf("%s is missing", chromium)
		}
		t.Skipf("%s is missing", chromium)
	}
	srv := NewServer(eio3Options(nil))
	var binaryPosts, binaryPolls atomic.Int32
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/octet-stream" {
			binaryPosts.Add(1)
		}
		srv.ServeHTTP(w, r)
		if r.Method == http.MethodGet && w.Header().Get("Content-Type") == "application/octet-stream" {
			binaryPolls.Add(1)
		}
	}))
	mux.HandleFunc("/client.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, dist) })
	mux.HandleFunc("/page", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><meta charset="utf-8"><script src="/client.js"></script>`))
	})
	e := &testEnv{t: t, srv: srv}
	e.ts = httptest.NewServer(mux)
	t.Cleanup(e.close)

	asked := make(chan Args, 2)
	srv.OnConnection(func(s *NamespaceSocket) {
		s.On("reverse", func(ev *Event) {
			var a, b []byte
			var text string
			if err := ev.Decode(&a, &text, &b); err != nil {
				t.Errorf("decode: %v", err)
			}
			all := slices.Concat(a, b)
			slices.Reverse(all)
			_ = ev.Ack(all, text)
		})
		s.On("push-me", func(*Event) {
			_ = s.Emit("push", "hello", []byte{0xca, 0xfe}, map[string]any{"blob": []byte{1}})
			_ = s.Timeout(10*time.Second).EmitWithAckFunc("question", func(a Args, err error) {
				if err != nil {
					t.Errorf("question: %v", err)
				}
				asked <- a
			}, "q?")
		})
	})
	p := rt.Start(t, "internal/interop/socketio/browser_v2.mjs", nodetest.Options{
		Args: []string{e.ts.URL}, Env: []string{"CHROMIUM=" + chromium, "V2_DEBUG=" + os.Getenv("V2_DEBUG")},
	})
	ev, err := p.Next(2 * time.Minute)
	for err == nil && ev.Name() == "console" {
		t.Logf("browser: %s", ev.String("text"))
		ev, err = p.Next(2 * time.Minute)
	}
	if err != nil || ev.Name() != "result" {
		t.Fatalf("browser: %v %v", ev, err)
	}
	push := map[string]any{"text": "hello", "bin": "cafe", "blob": "01"}
	want := map[string]any{
		"polling": map[string]any{"reversed": map[string]any{"bin": "0809030201", "text": "é😀"}, "push": push, "asked": "q?", "transport": "polling"},
		"upgrade": map[string]any{"reversed": map[string]any{"bin": "0809030201", "text": "é😀"},
			"push": map[string]any{"text": "hello", "bin": "cafe", "blob": "01", "afterUpgrade": "0504"}, "asked": "q?", "transport": "websocket"},
	}
	for k, w := range want {
		if !sameJSON(t, ev[k], w) {
			t.Errorf("%s = %v, want %v", k, ev[k], w)
		}
	}
	for range 2 {
		select {
		case a := <-asked:
			var b []byte
			if err := a.Decode(&b); err != nil || string(b) != "\x07\x07" {
				t.Errorf("browser's binary ack: %q %v", b, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no ack from the browser")
		}
	}
	if binaryPosts.Load() == 0 || binaryPolls.Load() == 0 {
		t.Fatalf("binary payloads: %d POSTs, %d GETs; the XHR2 path was not taken", binaryPosts.Load(), binaryPolls.Load())
	}
}
