package hardening

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"weak"

	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
)

// The defects of issue 10, each asserting what the Node.js server does.
// They fail until the defects are fixed.
func defectCases() []matrixCase {
	ph0 := `{"_placeholder":true,"num":0}`
	reserved := func(name string, msgs ...any) matrixCase {
		return matrixCase{name, func(t *testing.T, s *server) {
			c := s.dialWS(t, true)
			before := s.reserved.Load()
			for _, m := range msgs {
				switch m := m.(type) {
				case string:
					_ = c.send(m)
				case []byte:
					_ = c.sendBinary(m)
				}
			}
			closed := c.closed(closeWait)
			if n := s.reserved.Load() - before; n != 0 {
				t.Errorf("a reserved event name reached %d handler(s)", n)
			}
			if !closed {
				t.Error("the connection was kept (Node's parser rejects the packet)")
			}
		}}
	}
	return []matrixCase{
		reserved("defect/reserved-event/connect", `42["connect"]`),
		reserved("defect/reserved-event/disconnect", `42["disconnect","x"]`),
		reserved("defect/reserved-event/disconnecting", `42["disconnecting"]`),
		reserved("defect/reserved-event/newListener", `42["newListener","echo"]`),
		reserved("defect/reserved-event/binary-disconnect", `451-["disconnect",`+ph0+`]`, []byte{1}),
		{"defect/invalid-utf8/websocket-text", func(t *testing.T, s *server) {
			recv := rawConnected(t, s)
			_ = recv.write(text(`421["join","poison"]`))
			recv.expectText(t, `431["poison"]`)
			sender := rawConnected(t, s)
			_ = sender.write(text("42[\"bcast\",\"poison\",\"bad-\xff\xfe\"]"))
			if got := sender.closeCode(closeWait); got != 1007 {
				t.Errorf("sender: close code %d, want 1007", got)
			}
			noInvalidUTF8(t, recv)
		}},
		{"defect/invalid-utf8/polling-body", func(t *testing.T, s *server) {
			recv := rawConnected(t, s)
			_ = recv.write(text(`421["join","poison"]`))
			recv.expectText(t, `431["poison"]`)
			sid := s.pollConnect(t)
			_, _ = s.do("POST", s.url("transport", "polling", "sid", sid), strings.NewReader("42[\"bcast\",\"poison\",\"bad-\xff\xfe\"]"), nil)
			// Node decodes the body as UTF-8 (U+FFFD for invalid bytes):
			// what reaches the room is valid text
			noInvalidUTF8(t, recv)
		}},
		{"defect/recovery/10000-missed-packets", func(t *testing.T, _ *server) {
			s := newServer(t, &socketio.ServerOptions{ConnectionStateRecovery: &socketio.RecoveryOptions{}})
			a := s.dialWS(t, false)
			_ = a.send("40")
			first := a.expect(t, "40{")
			var r1 struct{ SID, PID string }
			_ = json.Unmarshal([]byte(first[2:]), &r1)
			_ = a.send(`421["join","r"]`)
			a.expect(t, `431["r"]`)
			_ = s.srv.To("r").Emit("m", -1)
			offset := lastString(t, a.expect(t, `42["m",-1,`))
			a.close()
			if !waitUntil(func() bool { return s.sessions() == 0 }) {
				t.Fatal("the first connection did not end")
			}
			const missed = 10000
			for i := range missed {
				_ = s.srv.To("r").Emit("m", i)
			}
			b := s.dialWS(t, false)
			_ = b.send(fmt.Sprintf(`40{"pid":%q,"offset":%q}`, r1.PID, offset))
			reply := b.expect(t, "40{")
			var r2 struct{ SID string }
			_ = json.Unmarshal([]byte(reply[2:]), &r2)
			if r2.SID != r1.SID {
				return // recovery refused cleanly: a new session
			}
			got := 0
			deadline := time.Now().Add(waitFor)
			for got < missed && time.Now().Before(deadline) {
				m, ok := b.next(time.Until(deadline))
				if !ok {
					t.Fatalf("recovered, then the connection ended after %d of %d missed packets", got, missed)
				}
				if strings.HasPrefix(string(m.data), `42["m",`) {
					got++
				}
			}
			if got != missed {
				t.Fatalf("recovered with %d of %d missed packets", got, missed)
			}
			if err := b.echo(); err != nil {
				t.Fatal(err)
			}
		}},
		{"defect/stalled-post-outlives-session", func(t *testing.T, s *server) {
			sid := s.handshake(t)
			conn := holdPOST(t, s, sid, 999999) // Content-Length: 1000000
			_, _ = conn.Write([]byte(strings.Repeat("x", 900000-1)))
			time.Sleep(100 * time.Millisecond)
			// another request closes the session (an overlapping POST)
			_, _ = s.do("POST", s.url("transport", "polling", "sid", sid), strings.NewReader("1"), nil)
			expectUnknown(t, s, sid)
			// the stalled body must be abandoned with its session
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadAll(conn); err != nil {
				t.Fatalf("the stalled POST is still being read after its session closed: %v", err)
			}
		}},
		{"defect/handshake-headers-retained", func(t *testing.T, s *server) {
			var extra []string
			for i := range 125 {
				extra = append(extra, fmt.Sprintf("X-Big-%d: %s", i, strings.Repeat("h", 8<<10-16)))
			}
			w, refused := s.dialRaw(t, extra)
			if w == nil {
				if !strings.HasPrefix(refused, "431 ") {
					t.Fatalf("1 MB of headers refused with %q, want 431", refused)
				}
				return
			}
			if _, p, err := w.readFrame(waitFor); err != nil || !strings.HasPrefix(string(p), "0{") {
				t.Fatalf("open packet %q %v", p, err)
			}
			_ = w.write(text("40"))
			reply := w.expectText(t, "40{")
			var r struct{ SID string }
			_ = json.Unmarshal([]byte(reply[2:]), &r)
			v, ok := s.sockets.Load(r.SID)
			if !ok {
				t.Fatal("socket not found")
			}
			size := 0
			for k, vs := range v.(*socketio.NamespaceSocket).Handshake().Headers {
				for _, x := range vs {
					size += len(k) + len(x)
				}
			}
			if size > 32<<10 {
				t.Fatalf("the socket keeps %d bytes of handshake headers (Node refuses more than 16 KiB with 431)", size)
			}
		}},
		{"defect/cors-wildcard-with-credentials", func(t *testing.T, _ *server) {
			var s *server
			panicked := func() (p bool) {
				defer func() { p = recover() != nil }()
				s = newServer(t, &socketio.ServerOptions{Engine: &engineio.Options{
					CORS: &engineio.CORSOptions{Origins: []string{"*"}, Credentials: true},
				}})
				return false
			}()
			if panicked {
				return // refused at setup
			}
			for _, method := range []string{"GET", "OPTIONS"} {
				r := s.must(t, method, s.url("transport", "polling"), "", http.Header{
					"Origin": {"https://evil.example"}, "Access-Control-Request-Method": {"GET"},
				})
				if r.header.Get("Access-Control-Allow-Origin") == "https://evil.example" && r.header.Get("Access-Control-Allow-Credentials") == "true" {
					t.Fatalf("%s: any origin allowed with credentials (CWE-942)", method)
				}
			}
		}},
		{"defect/dynamic-namespaces-released", func(t *testing.T, _ *server) {
			opts := &socketio.ServerOptions{}
			f := reflect.ValueOf(opts).Elem().FieldByName("CleanupEmptyChildNamespaces")
			if !f.IsValid() {
				t.Fatal("socketio.ServerOptions has no CleanupEmptyChildNamespaces (Node's cleanupEmptyChildNamespaces)")
			}
			f.SetBool(true)
			s := newServer(t, opts)
			c := s.dialWS(t, true)
			cycle := func(from, to int) {
				for i := from; i < to; i++ {
					_ = c.send(fmt.Sprintf("40/dyn-%d,", i))
					c.expect(t, fmt.Sprintf("40/dyn-%d,{", i))
					_ = c.send(fmt.Sprintf("41/dyn-%d,", i))
				}
				if err := c.echo(); err != nil {
					t.Fatal(err)
				}
			}
			cycle(0, 200)
			before := heapAfterGC()
			const n = 3000
			cycle(200, 200+n)
			after := heapAfterGC()
			if per := (int64(after) - int64(before)) / n; per > 300 {
				t.Fatalf("%d bytes kept per empty dynamic namespace", per)
			}
		}},
		{"defect/frame-header-2^40", func(t *testing.T, s *server) {
			w := rawConnected(t, s)
			_ = w.write([]byte{0x81, 0xFF, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
			if got := w.closeCode(5 * time.Second); got != 1009 {
				t.Fatalf("close code %d, want 1009 at once", got)
			}
		}},
		{"defect/closed-session-released/websocket", func(t *testing.T, _ *server) {
			s := newServer(t, nil) // PingTimeout 20 s
			c := s.dialWS(t, true)
			ref := weak.Make(s.srv.Engine().Session(c.sid))
			c.close()
			expectCollected(t, ref)
		}},
		{"defect/closed-session-released/polling", func(t *testing.T, _ *server) {
			s := newServer(t, nil)
			sid := s.pollConnect(t)
			ref := weak.Make(s.srv.Engine().Session(sid))
			s.pollClose(sid)
			expectCollected(t, ref)
		}},
		{"defect/docs-show-timeouts", func(t *testing.T, _ *server) {
			for _, glob := range []string{"../../routing/doc.go", "../../example/chat/*.go"} {
				files, _ := filepath.Glob(glob)
				var all strings.Builder
				for _, f := range files {
					b, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					all.Write(b)
				}
				for _, want := range []string{"ReadHeaderTimeout", "IdleTimeout", "MaxHeaderBytes"} {
					if !strings.Contains(all.String(), want) {
						t.Errorf("%s does not set %s", glob, want)
					}
				}
			}
		}},
	}
}

// noInvalidUTF8 reads what reaches rc for a moment: no text frame may hold
// invalid UTF-8; then rc still works.
func noInvalidUTF8(t *testing.T, rc *rawWS) {
	t.Helper()
	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		op, p, err := rc.readFrame(time.Until(deadline))
		if err != nil {
			break
		}
		if op == 1 && !utf8.Valid(p) {
			t.Fatalf("invalid UTF-8 forwarded to another client: %q", p)
		}
		if op == 8 {
			t.Fatalf("the other client was closed: %x", p)
		}
	}
	_ = rc.write(text(`4299["echo","after"]`))
	rc.expectText(t, `4399["after"]`)
}

// lastString is the last argument of an event frame, a string.
func lastString(t *testing.T, frame string) string {
	t.Helper()
	var args []any
	if err := json.Unmarshal([]byte(frame[2:]), &args); err != nil || len(args) == 0 {
		t.Fatalf("frame %q: %v", frame, err)
	}
	s, ok := args[len(args)-1].(string)
	if !ok {
		t.Fatalf("frame %q has no offset", frame)
	}
	return s
}

func heapAfterGC() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// expectCollected wants the session garbage collected within 5 s, well
// before PingTimeout (20 s).
func expectCollected[T any](t *testing.T, ref weak.Pointer[T]) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for ref.Value() != nil {
		if time.Now().After(deadline) {
			t.Fatal("the closed session is still in memory 5 s after its close (PingTimeout is 20 s)")
		}
		runtime.GC()
		time.Sleep(50 * time.Millisecond)
	}
}
