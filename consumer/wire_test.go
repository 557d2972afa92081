package consumer_test

// Raw-wire helpers in the spirit of socket.io's test/support/util.ts: a
// server on an httptest.Server, and internal/wiretest's websocket client,
// which speaks Engine.IO and Socket.IO frames by hand, so that the tests
// read like the protocol.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/consumer"
	"github.com/gosio/gosio/internal/wiretest"
	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
)

// waitTimeout bounds every wait for something that must happen.
const waitTimeout = 5 * time.Second

// quiet is how long a test waits to see that nothing arrives.
const quiet = 100 * time.Millisecond

// logBuffer collects what the consumers log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// testServer is a socketio server with consumers, on an httptest.Server at
// /socket.io/.
type testServer struct {
	t    *testing.T
	srv  *socketio.SocketIOServer
	ts   *httptest.Server
	logs *logBuffer
}

// newTestServer registers the consumers on a new server and serves it.
func newTestServer(t *testing.T, prototypes ...any) *testServer {
	t.Helper()
	s := &testServer{t: t, logs: &logBuffer{}}
	s.srv = socketio.NewServer(&socketio.ServerOptions{
		Engine: &engineio.Options{PingInterval: time.Minute, PingTimeout: time.Minute},
	})
	logger := slog.New(slog.NewTextHandler(s.logs, nil))
	for _, p := range prototypes {
		h := consumer.AsASGI(p, consumer.WithServer(s.srv), consumer.WithLogger(logger))
		require.Same(t, s.srv, h, "AsASGI returns the server")
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", s.srv)
	s.ts = httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		_ = s.srv.Shutdown(ctx)
		s.ts.Close()
	})
	return s
}

// waitLog waits until the logs contain want.
func (s *testServer) waitLog(want string) {
	s.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !strings.Contains(s.logs.String(), want) {
		if time.Now().After(deadline) {
			s.t.Fatalf("logs do not contain %q:\n%s", want, s.logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// wsClient is an Engine.IO websocket session opened by hand
// (internal/wiretest), read and written as whole Engine.IO text packets.
type wsClient struct {
	t *testing.T
	c *wiretest.Conn
}

// dial opens a websocket session on the server and reads its open packet.
func (s *testServer) dial() *wsClient {
	s.t.Helper()
	return dialURL(s.t, s.ts.URL+"/socket.io/?EIO=4&transport=websocket")
}

func dialURL(t *testing.T, url string) *wsClient {
	t.Helper()
	return &wsClient{t: t, c: wiretest.Dial(t, url, nil)}
}

// close closes the connection at once.
func (c *wsClient) close() { c.c.Close() }

// read returns the next frame, which must be text.
func (c *wsClient) read() string {
	c.t.Helper()
	return c.c.NextText()
}

// readBinary returns the next frame, which must be binary.
func (c *wsClient) readBinary() []byte {
	c.t.Helper()
	return c.c.NextBinary()
}

// expectNothing checks that no frame arrives for a while.
func (c *wsClient) expectNothing() {
	c.t.Helper()
	c.c.Quiet(quiet)
}

// expectClosed waits for the server to end the connection.
func (c *wsClient) expectClosed() {
	c.t.Helper()
	c.c.WaitClosed()
}

func (c *wsClient) send(text string) {
	c.t.Helper()
	c.c.WriteText(text)
}

func (c *wsClient) sendBinary(b []byte) {
	c.t.Helper()
	c.c.WriteBinary(b)
}

// nspPrefix is the namespace part of a packet: nothing for "/".
func nspPrefix(nsp string) string { return wiretest.NSPPrefix(nsp) }

// connect sends a CONNECT for nsp with an auth payload ("" for none) and
// returns the reply's packet without its type and namespace.
func (c *wsClient) connect(nsp, auth string) string {
	c.t.Helper()
	c.send("40" + nspPrefix(nsp) + auth)
	reply := c.read()
	return strings.TrimPrefix(strings.TrimPrefix(reply[1:], "0"+nspPrefix(nsp)), "4"+nspPrefix(nsp))
}

// mustConnect connects to nsp and checks the CONNECT reply.
func (c *wsClient) mustConnect(nsp, auth string) {
	c.t.Helper()
	c.send("40" + nspPrefix(nsp) + auth)
	reply := c.read()
	require.True(c.t, strings.HasPrefix(reply, "40"+nspPrefix(nsp)+`{"sid":"`), "CONNECT reply, got %q", reply)
}

// emit sends an EVENT on nsp: args is the JSON array, event name first;
// ack is the ack id, or -1 for none.
func (c *wsClient) emit(nsp string, ack int, args string) {
	c.t.Helper()
	id := ""
	if ack >= 0 {
		id = fmt.Sprint(ack)
	}
	c.send("42" + nspPrefix(nsp) + id + args)
}

// expectAck reads an ACK on nsp for id and returns its JSON arguments.
func (c *wsClient) expectAck(nsp string, id int) string {
	c.t.Helper()
	f := c.read()
	prefix := fmt.Sprintf("43%s%d", nspPrefix(nsp), id)
	require.True(c.t, strings.HasPrefix(f, prefix), "want an ACK %s..., got %q", prefix, f)
	return strings.TrimPrefix(f, prefix)
}

// expectEvent reads an EVENT on nsp and returns its JSON array.
func (c *wsClient) expectEvent(nsp string) string {
	c.t.Helper()
	f := c.read()
	prefix := "42" + nspPrefix(nsp)
	require.True(c.t, strings.HasPrefix(f, prefix), "want an EVENT %s..., got %q", prefix, f)
	return strings.TrimPrefix(f, prefix)
}

// jsonEq compares JSON texts.
func jsonEq(t *testing.T, want, got string) {
	t.Helper()
	var w, g any
	require.NoError(t, json.Unmarshal([]byte(want), &w), "want %s", want)
	require.NoError(t, json.Unmarshal([]byte(got), &g), "got %s", got)
	require.Equal(t, w, g, "got %s", got)
}
