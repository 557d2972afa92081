package socketio

// Raw-wire helpers: a SocketIOServer on an httptest.Server, and the
// clients of internal/wiretest, which speak Engine.IO v4 / Socket.IO v5
// frames by hand over a websocket or over HTTP long-polling.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/internal/wiretest"
)

// waitFor bounds every wait for something that must happen; nothing here
// measures performance, so it is generous (the tests share the machine).
const waitFor = 10 * time.Second

// testEnv is a server under test, mounted at /socket.io/.
type testEnv struct {
	t   *testing.T
	srv *SocketIOServer
	ts  *httptest.Server
}

type envConfig struct {
	tls bool
}

func newTestEnv(t *testing.T, opts *ServerOptions) *testEnv {
	return newTestEnvWith(t, opts, envConfig{})
}

func newTestEnvWith(t *testing.T, opts *ServerOptions, cfg envConfig) *testEnv {
	t.Helper()
	opts = withInteropParser(opts)
	srv := NewServer(opts)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	e := &testEnv{t: t, srv: srv}
	if cfg.tls {
		e.ts = httptest.NewTLSServer(mux)
	} else {
		e.ts = httptest.NewServer(mux)
	}
	t.Cleanup(e.close)
	return e
}

// close shuts the server down (waiting for the handlers), then the HTTP
// server.
func (e *testEnv) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		e.t.Errorf("Shutdown: %v", err)
	}
	e.ts.Close()
}

func (e *testEnv) url(kv ...string) string {
	q := url.Values{}
	q.Set("EIO", "4")
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return e.ts.URL + "/socket.io/?" + q.Encode()
}

// ---- websocket client ------------------------------------------------------

// frame is one Engine.IO message received: a Socket.IO text frame (without
// the Engine.IO "4") or a binary attachment.
type frame struct {
	text   string
	bin    []byte
	binary bool
}

// wsClient is a raw Engine.IO websocket client (internal/wiretest's Conn)
// that keeps only the messages: Socket.IO packets and attachments.
type wsClient struct {
	t    *testing.T
	c    *wiretest.Conn
	conn *websocket.Conn // for raw writes from goroutines; Conn reads
	sid  string
	open map[string]any
}

type dialConfig struct {
	query  []string
	header http.Header
}

func (e *testEnv) dialWS(cfg ...dialConfig) *wsClient {
	e.t.Helper()
	var c dialConfig
	if len(cfg) > 0 {
		c = cfg[0]
	}
	q := append([]string{"transport", "websocket"}, c.query...)
	conn := wiretest.Dial(e.t, e.url(q...), &wiretest.DialOptions{Header: c.header})
	return &wsClient{t: e.t, c: conn, conn: conn.WS(), sid: conn.SID(), open: conn.Open()}
}

// close closes the websocket at once and waits for the reader.
func (w *wsClient) close() { w.c.Close() }

// freeze stops answering pings.
func (w *wsClient) freeze() { w.c.Freeze(true) }

// send sends a Socket.IO text packet.
func (w *wsClient) send(pkt string) {
	w.t.Helper()
	w.c.WriteText("4" + pkt)
}

// sendEIO sends a raw Engine.IO text packet.
func (w *wsClient) sendEIO(pkt string) {
	w.t.Helper()
	w.c.WriteText(pkt)
}

// sendBin sends a binary attachment.
func (w *wsClient) sendBin(b []byte) {
	w.t.Helper()
	w.c.WriteBinary(b)
}

// tryNext returns the next message within d; closed reports that the
// connection ended with none left. It never fails the test, so that
// goroutines may call it.
func (w *wsClient) tryNext(d time.Duration) (f frame, ok, closed bool) {
	deadline := time.Now().Add(d)
	for {
		raw, ok, closed := w.c.NextWithin(time.Until(deadline))
		switch {
		case !ok:
			return frame{}, false, closed
		case raw.Binary:
			return frame{bin: raw.Data, binary: true}, true, false
		}
		if text, isMsg := raw.Message(); isMsg {
			return frame{text: text}, true, false
		}
	}
}

// next returns the next frame, failing the test when none comes in time.
func (w *wsClient) next() frame {
	w.t.Helper()
	f, ok, closed := w.tryNext(waitFor)
	switch {
	case closed:
		w.t.Fatal("connection closed while a frame was expected")
	case !ok:
		w.t.Fatal("no frame received")
	}
	return f
}

// nextText returns the next frame, which must be text.
func (w *wsClient) nextText() string {
	w.t.Helper()
	f := w.next()
	if f.binary {
		w.t.Fatalf("got binary frame %q, want text", f.bin)
	}
	return f.text
}

// expect checks the next frame's text.
func (w *wsClient) expect(want string) {
	w.t.Helper()
	if got := w.nextText(); got != want {
		w.t.Fatalf("got frame %q, want %q", got, want)
	}
}

// expectPrefix checks the next frame starts with prefix and returns the rest.
func (w *wsClient) expectPrefix(prefix string) string {
	w.t.Helper()
	got := w.nextText()
	if !strings.HasPrefix(got, prefix) {
		w.t.Fatalf("got frame %q, want prefix %q", got, prefix)
	}
	return got[len(prefix):]
}

// quiet checks that no frame arrives within d.
func (w *wsClient) quiet(d time.Duration) {
	w.t.Helper()
	if f, ok, _ := w.tryNext(d); ok {
		w.t.Fatalf("unexpected frame %+v", f)
	}
}

// waitClosed waits for the server to close the connection.
func (w *wsClient) waitClosed() {
	w.t.Helper()
	w.c.WaitClosed()
}

// isClosed reports whether the connection ended.
func (w *wsClient) isClosed() bool { return w.c.IsClosed() }

// connectReply is the payload of a CONNECT answer.
type connectReply struct {
	SID string `json:"sid"`
	PID string `json:"pid"`
}

// connect joins nsp ("/" or "/name") with an optional auth JSON and
// returns the CONNECT answer; it fails on a CONNECT_ERROR.
func (w *wsClient) connect(nsp, auth string) connectReply {
	w.t.Helper()
	prefix := nspPrefix(nsp)
	w.send("0" + prefix + auth)
	body := w.expectPrefix("0" + prefix)
	var r connectReply
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		w.t.Fatalf("CONNECT reply %q: %v", body, err)
	}
	return r
}

// connectErr joins nsp expecting a CONNECT_ERROR, and returns its payload.
func (w *wsClient) connectErr(nsp, auth string) string {
	w.t.Helper()
	prefix := nspPrefix(nsp)
	w.send("0" + prefix + auth)
	return w.expectPrefix("4" + prefix)
}

// nspPrefix is the namespace part of a packet ("" for "/").
func nspPrefix(nsp string) string { return wiretest.NSPPrefix(nsp) }

// ---- long-polling client -----------------------------------------------------

// pollClient is a raw Engine.IO long-polling client.
type pollClient struct {
	t   *testing.T
	e   *testEnv
	sid string
}

func (e *testEnv) dialPolling(query ...string) *pollClient {
	e.t.Helper()
	sid := wiretest.Handshake(e.t, e.ts.Client(), e.url(append([]string{"transport", "polling"}, query...)...), nil)
	return &pollClient{t: e.t, e: e, sid: sid}
}

func (e *testEnv) httpDo(method, u, body string, header http.Header) string {
	e.t.Helper()
	return wiretest.DoOK(e.t, e.ts.Client(), method, u, body, header)
}

func (e *testEnv) httpTry(method, u, body string, header http.Header) (int, string) {
	e.t.Helper()
	return wiretest.Do(e.t, e.ts.Client(), method, u, body, header)
}

func (p *pollClient) url() string {
	return p.e.url("transport", "polling", "sid", p.sid)
}

// push POSTs Socket.IO text packets, each as one Engine.IO message.
func (p *pollClient) push(pkts ...string) {
	p.t.Helper()
	msgs := make([]string, len(pkts))
	for i, s := range pkts {
		msgs[i] = "4" + s
	}
	wiretest.Push(p.t, p.e.ts.Client(), p.url(), msgs...)
}

// eioTypes names the Engine.IO packet types by their digit.
var eioTypes = map[byte]string{'0': "open", '1': "close", '2': "ping", '3': "pong", '5': "upgrade", '6': "noop"}

// poll GETs once and returns the Socket.IO packets (messages) received;
// other Engine.IO packets are returned with a "#<type>" marker.
func (p *pollClient) poll() []string {
	p.t.Helper()
	var out []string
	for _, k := range wiretest.Poll(p.t, p.e.ts.Client(), p.url()) {
		switch {
		case k == "":
			p.t.Fatalf("poll: an empty packet")
		case k[0] == '4':
			out = append(out, k[1:])
		case eioTypes[k[0]] != "":
			out = append(out, "#"+eioTypes[k[0]])
		default:
			p.t.Fatalf("poll: packet %q", k)
		}
	}
	return out
}

// ---- server-side recording ---------------------------------------------------

// waitChan receives one value from ch or fails the test.
func waitChan[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitFor):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// eventually polls cond until it holds or fails the test.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// socketCh records the sockets of a namespace as they connect.
func socketCh(n interface {
	OnConnection(func(*NamespaceSocket))
}) <-chan *NamespaceSocket {
	ch := make(chan *NamespaceSocket, 1024)
	n.OnConnection(func(s *NamespaceSocket) { ch <- s })
	return ch
}

// mustJSON marshals v.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
