package socketio

// Raw-wire helpers: a SocketIOServer on an httptest.Server, and clients
// that speak Engine.IO v4 / Socket.IO v5 frames by hand over a websocket
// (coder/websocket) or over HTTP long-polling.

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/sio/engineio"
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

// wsClient is a raw Engine.IO websocket client. A reader goroutine answers
// pings (unless frozen) and queues every message.
type wsClient struct {
	t      *testing.T
	conn   *websocket.Conn
	sid    string
	open   map[string]any
	frames chan frame
	done   chan struct{} // closed when the reader ends (connection closed)
	frozen atomic.Bool   // stop answering pings
	closed sync.Once
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
	u := "ws" + strings.TrimPrefix(e.url(q...), "http")
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	opts := &websocket.DialOptions{HTTPHeader: c.header}
	if strings.HasPrefix(e.ts.URL, "https") {
		opts.HTTPClient = &http.Client{Transport: &http.Transport{
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // test server
		}}
	}
	conn, resp, err := websocket.Dial(ctx, u, opts)
	if err != nil {
		e.t.Fatalf("dial %s: %v", u, err)
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if opts.HTTPClient != nil {
		opts.HTTPClient.CloseIdleConnections()
	}
	conn.SetReadLimit(64 << 20)
	w := &wsClient{t: e.t, conn: conn, frames: make(chan frame, 8192), done: make(chan struct{})}
	e.t.Cleanup(w.close)
	// The open packet is the first frame.
	typ, data, err := conn.Read(ctx)
	if err != nil || typ != websocket.MessageText || len(data) == 0 || data[0] != '0' {
		e.t.Fatalf("open packet: %v %q", err, data)
	}
	if err := json.Unmarshal(data[1:], &w.open); err != nil {
		e.t.Fatalf("open packet %q: %v", data, err)
	}
	w.sid, _ = w.open["sid"].(string)
	go w.read()
	return w
}

func (w *wsClient) read() {
	defer close(w.done)
	for {
		typ, data, err := w.conn.Read(context.Background())
		if err != nil {
			return
		}
		if typ == websocket.MessageBinary {
			w.frames <- frame{bin: data, binary: true}
			continue
		}
		if len(data) == 0 {
			continue
		}
		switch data[0] {
		case '2': // ping
			if !w.frozen.Load() {
				_ = w.conn.Write(context.Background(), websocket.MessageText, []byte("3"))
			}
		case '4':
			w.frames <- frame{text: string(data[1:])}
		}
	}
}

// close closes the websocket at once and waits for the reader.
func (w *wsClient) close() {
	w.closed.Do(func() {
		_ = w.conn.CloseNow()
		<-w.done
	})
}

// send sends a Socket.IO text packet.
func (w *wsClient) send(pkt string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := w.conn.Write(ctx, websocket.MessageText, []byte("4"+pkt)); err != nil {
		w.t.Fatalf("send %q: %v", pkt, err)
	}
}

// sendEIO sends a raw Engine.IO text packet.
func (w *wsClient) sendEIO(pkt string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := w.conn.Write(ctx, websocket.MessageText, []byte(pkt)); err != nil {
		w.t.Fatalf("send %q: %v", pkt, err)
	}
}

// sendBin sends a binary attachment.
func (w *wsClient) sendBin(b []byte) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := w.conn.Write(ctx, websocket.MessageBinary, b); err != nil {
		w.t.Fatalf("send binary: %v", err)
	}
}

// next returns the next frame, failing the test when none comes in time.
func (w *wsClient) next() frame {
	w.t.Helper()
	select {
	case f := <-w.frames:
		return f
	case <-w.done:
		select {
		case f := <-w.frames:
			return f
		default:
		}
		w.t.Fatal("connection closed while a frame was expected")
	case <-time.After(waitFor):
		w.t.Fatal("no frame received")
	}
	return frame{}
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
	select {
	case f := <-w.frames:
		w.t.Fatalf("unexpected frame %+v", f)
	case <-time.After(d):
	}
}

// waitClosed waits for the server to close the connection.
func (w *wsClient) waitClosed() {
	w.t.Helper()
	select {
	case <-w.done:
	case <-time.After(waitFor):
		w.t.Fatal("connection not closed by the server")
	}
}

// isClosed reports whether the connection ended.
func (w *wsClient) isClosed() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

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
func nspPrefix(nsp string) string {
	if nsp == "/" || nsp == "" {
		return ""
	}
	return nsp + ","
}

// ---- long-polling client -----------------------------------------------------

// pollClient is a raw Engine.IO long-polling client.
type pollClient struct {
	t   *testing.T
	e   *testEnv
	sid string
}

func (e *testEnv) dialPolling(query ...string) *pollClient {
	e.t.Helper()
	body := e.httpDo(http.MethodGet, e.url(append([]string{"transport", "polling"}, query...)...), "", nil)
	if !strings.HasPrefix(body, "0") {
		e.t.Fatalf("handshake answered %q", body)
	}
	var open struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal([]byte(body[1:]), &open); err != nil {
		e.t.Fatalf("handshake %q: %v", body, err)
	}
	return &pollClient{t: e.t, e: e, sid: open.SID}
}

func (e *testEnv) httpDo(method, u, body string, header http.Header) string {
	e.t.Helper()
	status, b := e.httpTry(method, u, body, header)
	if status != http.StatusOK {
		e.t.Fatalf("%s %s: status %d body %q", method, u, status, b)
	}
	return b
}

func (e *testEnv) httpTry(method, u, body string, header http.Header) (int, string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitFor)
	defer cancel()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: reading: %v", method, u, err)
	}
	return resp.StatusCode, string(b)
}

func (p *pollClient) url() string {
	return p.e.url("transport", "polling", "sid", p.sid)
}

// push POSTs Socket.IO text packets, each as one Engine.IO message.
func (p *pollClient) push(pkts ...string) {
	p.t.Helper()
	msgs := make([]engineio.Packet, len(pkts))
	for i, s := range pkts {
		msgs[i] = engineio.Packet{Type: engineio.PacketMessage, Data: []byte(s)}
	}
	if b := p.e.httpDo(http.MethodPost, p.url(), string(engineio.EncodePayload(msgs)), nil); b != "ok" {
		p.t.Fatalf("push answered %q", b)
	}
}

// poll GETs once and returns the Socket.IO packets (messages) received;
// other Engine.IO packets are returned with a "#<type>" marker.
func (p *pollClient) poll() []string {
	p.t.Helper()
	body := p.e.httpDo(http.MethodGet, p.url(), "", nil)
	pkts, err := engineio.DecodePayload([]byte(body))
	if err != nil {
		p.t.Fatalf("poll payload %q: %v", body, err)
	}
	var out []string
	for _, k := range pkts {
		switch k.Type {
		case engineio.PacketMessage:
			out = append(out, string(k.Data))
		default:
			out = append(out, "#"+k.Type.String())
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
