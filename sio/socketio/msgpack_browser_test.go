package socketio

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gosio/gosio/internal/nodetest"
)

// chromium is Debian's chromium, which the browser tests drive.
const chromium = "/usr/bin/chromium"

// TestBrowserMsgpack runs socket.io-client's msgpack build in headless
// Chromium against a server with MsgpackParser: events and acks both ways
// with ArrayBuffers, a server push with binary, over polling upgraded to
// websocket. A typed array, which notepack.io's browser build sends as an
// object of its indices, reaches the handler as that object, as it would
// reach a Node.js server.
func TestBrowserMsgpack(t *testing.T) {
	rt := nodetest.Find(t, "socket.io-client", "playwright-core")
	dist := filepath.Join(rt.NodeModules, "socket.io-client", "dist", "socket.io.msgpack.min.js")
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing", chromium)
		}
		t.Skipf("%s is missing", chromium)
	}

	srv := NewServer(&ServerOptions{PacketParser: MsgpackParser})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	mux.HandleFunc("/client.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, dist) })
	mux.HandleFunc("/page", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><script src="/client.js"></script>`))
	})
	e := &testEnv{t: t, srv: srv}
	e.ts = httptest.NewServer(mux)
	t.Cleanup(e.close)

	asked := make(chan Args, 1)
	srv.OnConnection(func(s *NamespaceSocket) {
		s.On("double", func(ev *Event) {
			var n int
			_ = ev.Decode(&n)
			_ = ev.Ack(n * 2)
		})
		s.On("reverse", func(ev *Event) {
			var a, b []byte
			if err := ev.Decode(&a, &b); err != nil {
				t.Errorf("decode: %v", err)
			}
			all := slices.Concat(a, b)
			slices.Reverse(all)
			_ = ev.Ack(all)
		})
		s.On("typed", func(ev *Event) {
			var m map[string]int // a Uint8Array, as notepack.io's browser build sends it
			if err := ev.Decode(&m); err != nil {
				t.Errorf("decode typed array: %v", err)
			}
			_ = ev.Ack(m["0"], m["1"], len(m))
		})
		s.On("push-me", func(*Event) {
			type item struct {
				Name string `json:"name"`
				Blob []byte `json:"blob"`
				Skip string `json:"-"`
			}
			_ = s.Emit("push", "hello", []byte{0xca, 0xfe}, item{Name: "x", Blob: []byte{1}, Skip: "no"})
			_ = s.Timeout(10*time.Second).EmitWithAckFunc("question", func(a Args, err error) {
				if err != nil {
					t.Errorf("question: %v", err)
				}
				asked <- a
			}, "q?")
		})
	})

	p := rt.Start(t, "internal/interop/socketio/browser_msgpack.mjs", nodetest.Options{
		Args: []string{e.ts.URL}, Env: []string{"CHROMIUM=" + chromium},
	})
	ev, err := p.Next(2 * time.Minute)
	if err != nil || ev.Name() != "result" {
		t.Fatalf("browser: %v %v", ev, err)
	}
	want := map[string]any{
		"doubled":  42,
		"reversed": "08090302" + "01",
		"push":     map[string]any{"text": "hello", "bin": "cafe", "obj": map[string]any{"name": "x", "blob": "01"}},
		"typed":    5, // emitWithAck resolves with the first argument
		"asked":    "q?",
	}
	for k, w := range want {
		if !sameJSON(t, ev[k], w) {
			t.Errorf("%s = %v, want %v", k, ev[k], w)
		}
	}
	if ev["transport"] != "websocket" {
		t.Errorf("transport %v, want websocket after the upgrade", ev["transport"])
	}
	select {
	case a := <-asked:
		var b []byte
		if err := a.Decode(&b); err != nil || string(b) != "\x07\x07" {
			t.Errorf("browser's binary ack: %q %v", b, err)
		}
	case <-time.After(10 * time.Second):
		t.Error("no ack from the browser")
	}
}
