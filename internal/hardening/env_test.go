package hardening

// The server under test, its canary, and the clients the cases use: plain
// HTTP (long-polling), coder/websocket for well-formed websockets, and a
// raw TCP client (rawws_test.go) for malformed frames.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
)

// waitFor bounds every wait for something that must happen. Nothing here
// measures speed: the machine may be shared and loaded.
const waitFor = 15 * time.Second

// closeWait bounds the wait for a close the server must do at once (Node
// closes on the packet itself); shorter than waitFor, so that the defect
// cases that fail do not take the whole suite's time.
const closeWait = 5 * time.Second

// server is a SocketIOServer mounted at /socket.io/ of an httptest server,
// with the handlers the cases rely on:
//
//   - "echo" acknowledges with its first argument;
//   - "join" joins the room named by its first argument;
//   - "bcast" broadcasts ("bcast", args[1:]...) to the room args[0], sender
//     excluded;
//   - "connect", "disconnect", "disconnecting" and "newListener" count in
//     reserved: a reserved name must never reach a handler.
//
// Namespaces "/" and "/admin" exist, and "/dyn-*" are made on demand.
type server struct {
	t        testing.TB
	srv      *socketio.SocketIOServer
	ts       *httptest.Server
	reserved atomic.Int64 // calls of handlers registered for reserved names
	handled  atomic.Int64 // events handled
	sockets  sync.Map     // socket id -> *socketio.NamespaceSocket
	onSocket func(s *socketio.NamespaceSocket)
	panics   atomic.Int64                // handler panics net/http recovered and logged
	connMu   sync.Mutex                  // guards conns
	conns    map[net.Conn]http.ConnState // the HTTP server's connections, by state
	closed   sync.Once
}

func newServer(t testing.TB, opts *socketio.ServerOptions) *server {
	t.Helper()
	s := &server{t: t, srv: socketio.NewServer(opts)}
	setup := func(sock *socketio.NamespaceSocket) {
		s.sockets.Store(sock.ID(), sock)
		sock.OnDisconnect(func(socketio.DisconnectReason) { s.sockets.Delete(sock.ID()) })
		sock.On("echo", func(e *socketio.Event) {
			s.handled.Add(1)
			if e.HasAck() && e.Len() > 0 {
				_ = e.Ack(e.Raw(0))
			} else if e.HasAck() {
				_ = e.Ack()
			}
		})
		sock.On("join", func(e *socketio.Event) {
			s.handled.Add(1)
			var room string
			if e.DecodeAt(0, &room) == nil {
				sock.Join(room)
			}
			if e.HasAck() {
				_ = e.Ack(room)
			}
		})
		sock.On("bcast", func(e *socketio.Event) {
			s.handled.Add(1)
			var room string
			if e.DecodeAt(0, &room) != nil {
				return
			}
			args := e.RawArgs()[1:]
			_ = sock.To(room).Emit("bcast", args...)
			if e.HasAck() {
				_ = e.Ack()
			}
		})
		for _, name := range []string{"connect", "disconnect", "disconnecting", "newListener"} {
			sock.On(name, func(*socketio.Event) { s.reserved.Add(1) })
		}
		if s.onSocket != nil {
			s.onSocket(sock)
		}
	}
	s.srv.OnConnection(setup)
	s.srv.Of("/admin").OnConnection(setup)
	s.srv.OfFunc(func(name string, _ json.RawMessage) bool { return strings.HasPrefix(name, "/dyn-") }).OnConnection(setup)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", s.srv)
	s.ts = httptest.NewUnstartedServer(mux)
	s.ts.Config.ConnState = func(c net.Conn, st http.ConnState) {
		s.connMu.Lock()
		defer s.connMu.Unlock()
		if s.conns == nil {
			s.conns = map[net.Conn]http.ConnState{}
		}
		if st == http.StateClosed || st == http.StateHijacked {
			delete(s.conns, c)
		} else {
			s.conns[c] = st
		}
	}
	s.ts.Config.ErrorLog = log.New(panicWatch{&s.panics}, "", 0)
	s.ts.Start()
	t.Cleanup(s.close)
	return s
}

// panicWatch counts the panics net/http reports in its error log (a
// handler that panics is recovered there, not crashing the test).
type panicWatch struct{ n *atomic.Int64 }

func (w panicWatch) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("panic")) {
		w.n.Add(1)
		os.Stderr.Write(p)
	}
	return len(p), nil
}

// close shuts the Socket.IO server down, then the HTTP server.
func (s *server) close() {
	s.closed.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.t.Errorf("Shutdown: %v", err)
		}
		s.ts.CloseClientConnections()
		s.ts.Close()
	})
}

// url is the Engine.IO URL with EIO=4 and kv as further query parameters;
// a value "-" removes the parameter.
func (s *server) url(kv ...string) string {
	q := url.Values{}
	q.Set("EIO", "4")
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "-" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	return s.ts.URL + "/socket.io/?" + q.Encode()
}

func (s *server) wsURL(kv ...string) string {
	return "ws" + strings.TrimPrefix(s.url(append([]string{"transport", "websocket"}, kv...)...), "http")
}

// activeConns counts the HTTP connections serving a request.
func (s *server) activeConns() int {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	n := 0
	for _, st := range s.conns {
		if st == http.StateActive {
			n++
		}
	}
	return n
}

// sessions is the number of open Engine.IO sessions.
func (s *server) sessions() int { return s.srv.Engine().ClientsCount() }

// ---- HTTP ------------------------------------------------------------------

// reply is an HTTP answer.
type reply struct {
	status int
	body   string
	header http.Header
}

// noKeepAlive sends each request on a connection of its own, closed after
// the answer, so that no idle connection outlives a case.
var noKeepAlive = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: waitFor}

func (s *server) do(method, u string, body io.Reader, h http.Header) (reply, error) {
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return reply{}, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := noKeepAlive.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, body: string(b), header: resp.Header}, err
}

// must is do that fails the test on a transport error.
func (s *server) must(t testing.TB, method, u, body string, h http.Header) reply {
	t.Helper()
	var r io.Reader
	if body != "" || method == "POST" {
		r = strings.NewReader(body)
	}
	rep, err := s.do(method, u, r, h)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	return rep
}

// expectError asserts an Engine.IO error answer: status and exact body.
func expectError(t testing.TB, r reply, status, code int, message string) {
	t.Helper()
	want := fmt.Sprintf(`{"code":%d,"message":%q}`, code, message)
	if r.status != status || r.body != want {
		t.Fatalf("got %d %q, want %d %s", r.status, r.body, status, want)
	}
}

// handshake opens a long-polling session and returns its sid.
func (s *server) handshake(t testing.TB) string {
	t.Helper()
	r := s.must(t, "GET", s.url("transport", "polling"), "", nil)
	if r.status != 200 || !strings.HasPrefix(r.body, "0{") {
		t.Fatalf("handshake: %d %q", r.status, r.body)
	}
	var open struct{ SID string }
	if err := json.Unmarshal([]byte(r.body[1:]), &open); err != nil || open.SID == "" {
		t.Fatalf("open packet %q: %v", r.body, err)
	}
	t.Cleanup(func() { s.pollClose(open.SID) })
	return open.SID
}

// pollConnect opens a long-polling session joined to "/" and returns its
// sid (the CONNECT reply is read).
func (s *server) pollConnect(t testing.TB) string {
	t.Helper()
	sid := s.handshake(t)
	if r := s.must(t, "POST", s.url("transport", "polling", "sid", sid), "40", nil); r.body != "ok" {
		t.Fatalf("POST 40: %d %q", r.status, r.body)
	}
	if r := s.must(t, "GET", s.url("transport", "polling", "sid", sid), "", nil); !strings.HasPrefix(r.body, "40{") {
		t.Fatalf("CONNECT reply: %d %q", r.status, r.body)
	}
	return sid
}

// pollClose closes a long-polling session the way a client does (a close
// packet); an unknown session is fine.
func (s *server) pollClose(sid string) {
	u := s.url("transport", "polling", "sid", sid)
	_, _ = s.do("POST", u, strings.NewReader("1"), nil)
	// one more GET collects the close packet of a session closed while no
	// GET was waiting (the session stays registered for it)
	_, _ = s.do("GET", u, nil, nil)
}

// ---- websocket (coder/websocket) --------------------------------------------

// wsClient is a well-formed Engine.IO websocket client. Its reader answers
// pings and queues every other message.
type wsClient struct {
	conn   *websocket.Conn
	sid    string
	msgs   chan wsMsg
	done   chan struct{} // closed when the reader ends
	err    error         // the read error that ended the reader; set before done closes
	nextID atomic.Int64
	once   sync.Once
}

type wsMsg struct {
	typ  websocket.MessageType
	data []byte
}

// dialWS opens an Engine.IO websocket (open packet read); with connect, it
// also joins "/".
func (s *server) dialWS(t testing.TB, connect bool, kv ...string) *wsClient {
	t.Helper()
	c, err := s.tryDialWS(connect, nil, kv...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	return c
}

func (s *server) tryDialWS(connect bool, h http.Header, kv ...string) (*wsClient, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, s.wsURL(kv...), &websocket.DialOptions{HTTPHeader: h, HTTPClient: noKeepAlive})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	conn.SetReadLimit(64 << 20)
	c := &wsClient{conn: conn, msgs: make(chan wsMsg, 1<<16), done: make(chan struct{})}
	typ, data, err := conn.Read(ctx)
	if err != nil || typ != websocket.MessageText || !bytes.HasPrefix(data, []byte("0{")) {
		conn.CloseNow()
		return nil, fmt.Errorf("open packet: %v %q", err, data)
	}
	var open struct{ SID string }
	_ = json.Unmarshal(data[1:], &open)
	c.sid = open.SID
	go c.read()
	if connect {
		c.send("40")
		if m, ok := c.next(waitFor); !ok || !strings.HasPrefix(string(m.data), "40{") {
			c.close()
			return nil, fmt.Errorf("CONNECT reply %q (closed %v)", m.data, !ok)
		}
	}
	return c, nil
}

// read is the client's one reader; it ends when the connection does.
func (c *wsClient) read() {
	defer close(c.done)
	for {
		typ, data, err := c.conn.Read(context.Background())
		if err != nil {
			c.err = err
			return
		}
		if typ == websocket.MessageText && string(data) == "2" {
			_ = c.conn.Write(context.Background(), websocket.MessageText, []byte("3"))
			continue
		}
		select {
		case c.msgs <- wsMsg{typ, data}:
		default: // a case that floods us does not read it all
		}
	}
}

// send writes a text message; errors are ignored (the server may have
// closed the connection, which the case then checks).
func (c *wsClient) send(text string) error {
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	return c.conn.Write(ctx, websocket.MessageText, []byte(text))
}

func (c *wsClient) sendBinary(b []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	return c.conn.Write(ctx, websocket.MessageBinary, b)
}

// next is the next message, or false when the connection ended or d passed.
func (c *wsClient) next(d time.Duration) (wsMsg, bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case m := <-c.msgs:
		return m, true
	case <-c.done:
		select {
		case m := <-c.msgs:
			return m, true
		default:
		}
		return wsMsg{}, false
	case <-t.C:
		return wsMsg{}, false
	}
}

// expect waits for a text message with the prefix, skipping others.
func (c *wsClient) expect(t testing.TB, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		m, ok := c.next(time.Until(deadline))
		if !ok {
			t.Fatalf("waiting for %q: connection ended (%v)", prefix, c.closeErr())
		}
		if m.typ == websocket.MessageText && strings.HasPrefix(string(m.data), prefix) {
			return string(m.data)
		}
	}
	t.Fatalf("no message %q in time", prefix)
	return ""
}

// echo does an emit-with-ack round trip on "/".
func (c *wsClient) echo() error {
	id := c.nextID.Add(1)
	want := fmt.Sprintf(`43%d["canary-%d"]`, id, id)
	if err := c.send(fmt.Sprintf(`42%d["echo","canary-%d"]`, id, id)); err != nil {
		return fmt.Errorf("canary send: %w", err)
	}
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		m, ok := c.next(time.Until(deadline))
		if !ok {
			return fmt.Errorf("canary connection ended: %v", c.closeErr())
		}
		if string(m.data) == want {
			return nil
		}
	}
	return fmt.Errorf("canary: no ack %s in time", want)
}

// closed reports whether the server ended the connection within d, and
// waits for the reader.
func (c *wsClient) closed(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return true
		case <-c.msgs:
		case <-t.C:
			return false
		}
	}
}

// closeErr is the error that ended the reader, once it ended.
func (c *wsClient) closeErr() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// closeCode is the close status the server sent, -1 for none.
func (c *wsClient) closeCode() websocket.StatusCode {
	return websocket.CloseStatus(c.closeErr())
}

func (c *wsClient) close() {
	c.once.Do(func() {
		_ = c.conn.CloseNow()
		<-c.done
	})
}

// ---- goroutines --------------------------------------------------------------

// settleGoroutines waits until at most base goroutines run, and fails with
// a goroutine dump if that does not happen in time.
func settleGoroutines(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	n := runtime.NumGoroutine()
	for n > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	if n > base {
		var buf bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
		dump := buf.String()
		if len(dump) > 6000 {
			dump = dump[:6000] + "..."
		}
		t.Fatalf("%d goroutines, baseline %d:\n%s", n, base, dump)
	}
}

// waitUntil polls cond until it holds or waitFor passes.
func waitUntil(cond func() bool) bool {
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

var _ = engineio.TransportPolling
