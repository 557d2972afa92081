package engineio_test

// Raw-wire helpers in the spirit of socket.io's test utilities: a server
// under test mounted on an httptest.Server with an echo application that
// records every session, and eioHandshake / eioPush / eioPoll / wsDial to
// speak the protocol by hand.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gosio/gosio/sio/engineio"
)

// waitTimeout bounds every wait of a test for something that must happen.
// It is generous on purpose: nothing times performance.
const waitTimeout = 10 * time.Second

// closeEvent is what OnClose reported.
type closeEvent struct {
	reason engineio.CloseReason
	err    error
}

// appSock is the test application's record of one session.
type appSock struct {
	sock   *engineio.EngineIOSocket
	msgs   chan engineio.Message // every message received, in order
	closed chan closeEvent       // OnClose's one call
	calls  sync.Mutex            // counts OnClose calls
	nClose int
}

func (a *appSock) closeCalls() int {
	a.calls.Lock()
	defer a.calls.Unlock()
	return a.nClose
}

// testServer is an engineio.Server on an httptest.Server, mounted at
// /engine.io/, whose application records sessions and, unless told
// otherwise, echoes every message back as it came.
type testServer struct {
	t    *testing.T
	srv  *engineio.Server
	ts   *httptest.Server
	base string // http://127.0.0.1:port/engine.io/

	httpLog lockedBuffer

	mu     sync.Mutex
	polls  map[string]int // long-polling GETs being served, by sid
	socks  map[string]*appSock
	opened chan *appSock // every session, in order of OnOpen
}

type serverConfig struct {
	noEcho bool                                // record messages but do not echo them
	onOpen func(sock *engineio.EngineIOSocket) // called after the recording set-up
	// listen, when set, wraps the test server's listener (to set socket
	// options on the accepted connections).
	listen func(net.Listener) net.Listener
}

func newTestServer(t *testing.T, opts *engineio.Options) *testServer {
	return newTestServerWith(t, opts, serverConfig{})
}

func newTestServerWith(t *testing.T, opts *engineio.Options, cfg serverConfig) *testServer {
	t.Helper()
	srv := engineio.NewServer(opts)
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	s := newServerOn(t, srv, mux, "/engine.io/", cfg.listen)
	s.srv.OnConnection(func(sock *engineio.EngineIOSocket) {
		a := &appSock{
			sock:   sock,
			msgs:   make(chan engineio.Message, 4096),
			closed: make(chan closeEvent, 1),
		}
		sock.OnMessage(func(data []byte, binary bool) {
			select {
			case a.msgs <- engineio.Message{Data: append([]byte(nil), data...), Binary: binary}:
			default:
			}
			if !cfg.noEcho {
				_ = sock.Send(data, binary)
			}
		})
		sock.OnClose(func(reason engineio.CloseReason, err error) {
			a.calls.Lock()
			a.nClose++
			a.calls.Unlock()
			select {
			case a.closed <- closeEvent{reason, err}:
			default:
			}
		})
		s.mu.Lock()
		s.socks[sock.ID()] = a
		s.mu.Unlock()
		select {
		case s.opened <- a:
		default:
		}
		if cfg.onOpen != nil {
			cfg.onOpen(sock)
		}
	})
	return s
}

// newBareServer mounts srv as it is, without an application.
func newBareServer(t *testing.T, srv *engineio.Server) *testServer {
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	return newServerOn(t, srv, mux, "/engine.io/")
}

// newServerOn serves h, which reaches srv, with requests sent to path.
func newServerOn(t *testing.T, srv *engineio.Server, h http.Handler, path string, listen ...func(net.Listener) net.Listener) *testServer {
	s := &testServer{
		t:      t,
		srv:    srv,
		socks:  make(map[string]*appSock),
		opened: make(chan *appSock, 1024),
	}
	s.polls = make(map[string]int)
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// count the long-polling GETs inside the handler, for waitPoll
		q := r.URL.Query()
		sid := q.Get("sid")
		counted := r.Method == http.MethodGet && q.Get("transport") == "polling" && sid != ""
		if counted {
			s.mu.Lock()
			s.polls[sid]++
			s.mu.Unlock()
			defer func() {
				s.mu.Lock()
				s.polls[sid]--
				s.mu.Unlock()
			}()
		}
		h.ServeHTTP(w, r)
	}))
	s.ts.Config.ErrorLog = log.New(&s.httpLog, "", 0)
	for _, l := range listen {
		if l != nil {
			s.ts.Listener = l(s.ts.Listener)
		}
	}
	s.ts.Start()
	s.base = s.ts.URL + path
	t.Cleanup(s.close)
	return s
}

// lockedBuffer collects what net/http logs about the server's handlers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// close shuts the engine down, then the HTTP server (which waits for its
// handlers and closes its client's idle connections).
func (s *testServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		s.t.Errorf("Shutdown: %v", err)
	}
	s.ts.Close()
	// a handler that panicked, or wrote twice, is a bug whatever the
	// client saw
	for line := range strings.Lines(s.httpLog.String()) {
		if strings.Contains(line, "panic") || strings.Contains(line, "superfluous") || strings.Contains(line, "hijacked") {
			s.t.Errorf("net/http logged: %s", line)
		} else {
			s.t.Logf("net/http logged: %s", line)
		}
	}
}

// sock returns the application's record of session sid, waiting for its
// OnOpen.
func (s *testServer) sock(sid string) *appSock {
	s.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		s.mu.Lock()
		a := s.socks[sid]
		s.mu.Unlock()
		if a != nil {
			return a
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no session %q opened", sid)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitClose waits for the OnClose of session sid and returns what it got.
func (s *testServer) waitClose(sid string) closeEvent {
	s.t.Helper()
	a := s.sock(sid)
	select {
	case ev := <-a.closed:
		a.closed <- ev // keep it for later calls
		return ev
	case <-time.After(waitTimeout):
		s.t.Fatalf("session %s: OnClose not called", sid)
		return closeEvent{}
	}
}

// expectReason waits for session sid to close and checks its reason.
func (s *testServer) expectReason(sid string, want engineio.CloseReason) closeEvent {
	s.t.Helper()
	ev := s.waitClose(sid)
	if ev.reason != want {
		s.t.Fatalf("session %s closed with %q (err %v), want %q", sid, ev.reason, ev.err, want)
	}
	return ev
}

// expectOpen checks that session sid has not closed.
func (s *testServer) expectOpen(sid string) {
	s.t.Helper()
	a := s.sock(sid)
	select {
	case ev := <-a.closed:
		a.closed <- ev
		s.t.Fatalf("session %s closed with %q (err %v), want it open", sid, ev.reason, ev.err)
	default:
	}
}

// nextMessage waits for the next message the application received on sid.
func (s *testServer) nextMessage(sid string) engineio.Message {
	s.t.Helper()
	select {
	case m := <-s.sock(sid).msgs:
		return m
	case <-time.After(waitTimeout):
		s.t.Fatalf("session %s: no message received", sid)
		return engineio.Message{}
	}
}

// url builds a request URL on the engine's path from query pairs.
func (s *testServer) url(kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return s.base + "?" + q.Encode()
}

func (s *testServer) pollURL(sid string) string {
	return s.url("EIO", "4", "transport", "polling", "sid", sid)
}

func (s *testServer) wsURL(kv ...string) string {
	return "ws" + strings.TrimPrefix(s.url(kv...), "http")
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends one request with the server's client and reads the whole
// answer. It fails the test on a transport error.
func (s *testServer) do(method, u string, body io.Reader, header http.Header) response {
	s.t.Helper()
	r, err := s.tryDo(context.Background(), method, u, body, header)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, u, err)
	}
	return r
}

func (s *testServer) tryDo(ctx context.Context, method, u string, body io.Reader, header http.Header) (response, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*waitTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return response{}, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := s.ts.Client().Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

// openPacket is the handshake's JSON.
type openPacket struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload"`
}

// parseOpen decodes an open packet ("0{...}"), checking it has exactly the
// five keys of the protocol.
func parseOpen(t *testing.T, pkt string) openPacket {
	t.Helper()
	if !strings.HasPrefix(pkt, "0") {
		t.Fatalf("handshake answered %q, want an open packet", pkt)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(pkt[1:]), &keys); err != nil {
		t.Fatalf("open packet %q: %v", pkt, err)
	}
	want := []string{"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}
	if len(keys) != len(want) {
		t.Fatalf("open packet keys %v, want exactly %v", keys, want)
	}
	for _, k := range want {
		if _, ok := keys[k]; !ok {
			t.Fatalf("open packet %q lacks %q", pkt, k)
		}
	}
	var o openPacket
	if err := json.Unmarshal([]byte(pkt[1:]), &o); err != nil {
		t.Fatalf("open packet %q: %v", pkt, err)
	}
	return o
}

// eioHandshake opens a long-polling session and returns its open packet.
func (s *testServer) eioHandshake() openPacket {
	s.t.Helper()
	r := s.do(http.MethodGet, s.url("EIO", "4", "transport", "polling"), nil, nil)
	if r.status != http.StatusOK {
		s.t.Fatalf("handshake: status %d, body %q", r.status, r.body)
	}
	return parseOpen(s.t, r.body)
}

// eioSession opens a long-polling session and returns its id.
func (s *testServer) eioSession() string {
	s.t.Helper()
	return s.eioHandshake().SID
}

// eioPush POSTs a payload on session sid.
func (s *testServer) eioPush(sid, payload string) response {
	s.t.Helper()
	return s.do(http.MethodPost, s.pollURL(sid), strings.NewReader(payload), nil)
}

// eioPushOK POSTs a payload and checks the "ok" answer.
func (s *testServer) eioPushOK(sid, payload string) {
	s.t.Helper()
	r := s.eioPush(sid, payload)
	if r.status != http.StatusOK || r.body != "ok" {
		s.t.Fatalf("push %q: status %d body %q, want 200 ok", payload, r.status, r.body)
	}
}

// eioPoll GETs on session sid, waiting as long as the server makes it.
func (s *testServer) eioPoll(sid string) response {
	s.t.Helper()
	return s.do(http.MethodGet, s.pollURL(sid), nil, nil)
}

// eioPollOK polls and checks for a 200, returning the payload.
func (s *testServer) eioPollOK(sid string) string {
	s.t.Helper()
	r := s.eioPoll(sid)
	if r.status != http.StatusOK {
		s.t.Fatalf("poll: status %d, body %q", r.status, r.body)
	}
	return r.body
}

// pendingPoll is a GET sent in the background.
type pendingPoll struct {
	done chan struct{}
	resp response
	err  error
}

// eioPollAsync starts a GET on sid and returns at once.
func (s *testServer) eioPollAsync(sid string) *pendingPoll {
	return s.requestAsync(context.Background(), http.MethodGet, s.pollURL(sid))
}

func (s *testServer) requestAsync(ctx context.Context, method, u string) *pendingPoll {
	p := &pendingPoll{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.resp, p.err = s.tryDo(ctx, method, u, nil, nil)
	}()
	return p
}

// wait returns the answer of a background GET.
func (p *pendingPoll) wait(t *testing.T) response {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(2 * waitTimeout):
		t.Fatal("pending GET never answered")
	}
	if p.err != nil {
		t.Fatalf("pending GET: %v", p.err)
	}
	return p.resp
}

// answered reports whether the background GET has been answered.
func (p *pendingPoll) answered() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitPoll waits until a GET of session sid sent in the background is
// being served, that is, waiting for packets (a few microseconds after it
// enters the handler: a short sleep covers those).
func (s *testServer) waitPoll(sid string) {
	s.t.Helper()
	eventually(s.t, "a GET of "+sid+" at the server", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.polls[sid] > 0
	})
	time.Sleep(5 * time.Millisecond)
}

// errorBody is the JSON of a protocol error.
type errorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// expectError checks a response against a protocol error, exactly.
func expectError(t *testing.T, r response, status, code int, message string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d (body %q), want %d", r.status, r.body, status)
	}
	want, _ := json.Marshal(errorBody{code, message})
	if r.body != string(want) {
		t.Fatalf("body %q, want %q", r.body, want)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
}

// --- websocket ---

// wsMsg is one frame read by a wsClient.
type wsMsg struct {
	typ  websocket.MessageType
	data []byte
}

func (m wsMsg) String() string {
	if m.typ == websocket.MessageBinary {
		return "binary:" + string(m.data)
	}
	return string(m.data)
}

// wsClient is a raw websocket client. Unless made with noRead, a goroutine
// reads every frame into msgs, which is closed (after readErr is set) when
// the connection ends.
type wsClient struct {
	t       *testing.T
	c       *websocket.Conn
	resp    *http.Response
	msgs    chan wsMsg
	readErr error
	done    chan struct{}
}

type wsDialConfig struct {
	header   http.Header
	compress bool
	noRead   bool
}

// wsDial opens a websocket to the engine with the given query; it returns
// the dial error (and the HTTP answer, when there was one) instead of
// failing.
func (s *testServer) wsDial(cfg wsDialConfig, kv ...string) (*wsClient, *http.Response, error) {
	opts := &websocket.DialOptions{HTTPClient: s.ts.Client(), HTTPHeader: cfg.header}
	if cfg.compress {
		opts.CompressionMode = websocket.CompressionNoContextTakeover
		opts.CompressionThreshold = 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, s.wsURL(kv...), opts)
	if err != nil {
		return nil, resp, err
	}
	c.SetReadLimit(64 << 20)
	w := &wsClient{t: s.t, c: c, resp: resp, msgs: make(chan wsMsg, 1<<16), done: make(chan struct{})}
	if cfg.noRead {
		close(w.done)
	} else {
		go w.readLoop()
	}
	s.t.Cleanup(w.closeNow)
	return w, resp, nil
}

// wsOpen opens a websocket-only session, checks the open packet and returns
// the client with it.
func (s *testServer) wsOpen() (*wsClient, openPacket) {
	s.t.Helper()
	w, _, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket")
	if err != nil {
		s.t.Fatalf("websocket dial: %v", err)
	}
	return w, parseOpen(s.t, w.nextText())
}

// wsUpgrade upgrades long-polling session sid: probe, then upgrade packet.
func (s *testServer) wsUpgrade(sid string) *wsClient {
	s.t.Helper()
	w := s.wsProbe(sid)
	w.send("5")
	return w
}

// wsProbe opens the probe websocket of session sid and exchanges
// 2probe/3probe.
func (s *testServer) wsProbe(sid string) *wsClient {
	s.t.Helper()
	w, _, err := s.wsDial(wsDialConfig{}, "EIO", "4", "transport", "websocket", "sid", sid)
	if err != nil {
		s.t.Fatalf("probe dial: %v", err)
	}
	w.send("2probe")
	w.expectText("3probe")
	return w
}

func (w *wsClient) readLoop() {
	defer close(w.done)
	defer close(w.msgs)
	for {
		typ, data, err := w.c.Read(context.Background())
		if err != nil {
			w.readErr = err
			return
		}
		w.msgs <- wsMsg{typ, data}
	}
}

func (w *wsClient) closeNow() {
	_ = w.c.CloseNow()
	<-w.done
}

func (w *wsClient) send(text string) {
	w.t.Helper()
	if err := w.write(websocket.MessageText, []byte(text)); err != nil {
		w.t.Fatalf("websocket write %q: %v", text, err)
	}
}

func (w *wsClient) sendBinary(data []byte) {
	w.t.Helper()
	if err := w.write(websocket.MessageBinary, data); err != nil {
		w.t.Fatalf("websocket binary write: %v", err)
	}
}

func (w *wsClient) write(typ websocket.MessageType, data []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	return w.c.Write(ctx, typ, data)
}

// next returns the next frame, failing when none comes or the connection
// ends.
func (w *wsClient) next() wsMsg {
	w.t.Helper()
	select {
	case m, ok := <-w.msgs:
		if !ok {
			w.t.Fatalf("websocket ended (%v) while a frame was expected", w.readErr)
		}
		return m
	case <-time.After(waitTimeout):
		w.t.Fatal("no websocket frame")
		return wsMsg{}
	}
}

// nextText returns the next frame, which must be text.
func (w *wsClient) nextText() string {
	w.t.Helper()
	m := w.next()
	if m.typ != websocket.MessageText {
		w.t.Fatalf("got a binary frame %q, want text", m.data)
	}
	return string(m.data)
}

// nextNonPing returns the next frame other than a ping, answering pings.
func (w *wsClient) nextNonPing() wsMsg {
	w.t.Helper()
	for {
		m := w.next()
		if m.typ == websocket.MessageText && string(m.data) == "2" {
			_ = w.write(websocket.MessageText, []byte("3"))
			continue
		}
		return m
	}
}

func (w *wsClient) expectText(want string) {
	w.t.Helper()
	if got := w.nextText(); got != want {
		w.t.Fatalf("websocket frame %q, want %q", got, want)
	}
}

// expectEnd waits for the connection to end and returns the read error.
func (w *wsClient) expectEnd() error {
	w.t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case m, ok := <-w.msgs:
			if !ok {
				return w.readErr
			}
			_ = m
		case <-deadline:
			w.t.Fatal("websocket still open")
			return nil
		}
	}
}

// expectEndAfter checks that exactly the given frames come, in order, and
// then the connection ends; it returns the read error.
func (w *wsClient) expectEndAfter(frames ...string) error {
	w.t.Helper()
	var got []string
	deadline := time.After(waitTimeout)
	for {
		select {
		case m, ok := <-w.msgs:
			if !ok {
				if strings.Join(got, "|") != strings.Join(frames, "|") {
					w.t.Fatalf("frames before the end %q, want %q", got, frames)
				}
				return w.readErr
			}
			got = append(got, m.String())
		case <-deadline:
			w.t.Fatalf("websocket still open after frames %q", got)
			return nil
		}
	}
}

// expectNothing checks that no frame arrives for a short while.
func (w *wsClient) expectNothing(d time.Duration) {
	w.t.Helper()
	select {
	case m, ok := <-w.msgs:
		if ok {
			w.t.Fatalf("unexpected frame %q", m)
		}
		w.t.Fatalf("websocket ended unexpectedly: %v", w.readErr)
	case <-time.After(d):
	}
}

// isCloseStatus tells whether err is a websocket close with that status.
func isCloseStatus(err error, code websocket.StatusCode) bool {
	return websocket.CloseStatus(err) == code
}

// eventually polls cond until it holds or waitTimeout passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

var errTest = errors.New("test error")
