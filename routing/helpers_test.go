package routing_test

// Raw-wire helpers in the spirit of socket.io's test/support/util.ts
// (eioHandshake, eioPush, eioPoll), and a websocket client, to speak
// Engine.IO and Socket.IO through a chi router by hand.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/sio/engineio"
	"github.com/gosio/gosio/sio/socketio"
)

// waitTimeout bounds every wait for something that must happen.
const waitTimeout = 5 * time.Second

// newServer returns a server whose heartbeat stays out of the tests' way.
func newServer(t *testing.T) *socketio.SocketIOServer {
	srv := socketio.NewServer(&socketio.ServerOptions{
		Engine: &engineio.Options{PingInterval: time.Minute, PingTimeout: time.Minute},
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv
}

// serve serves a router; the server is closed after the socketio server
// (cleanups run last-in first-out).
func serve(t *testing.T, r chi.Router) *httptest.Server {
	ts := httptest.NewServer(r)
	t.Cleanup(ts.Close)
	return ts
}

// do sends a request and reads the whole answer.
func do(t *testing.T, method, url, body string, header http.Header) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// eioHandshake opens a long-polling session at base (the mount URL, with
// its trailing slash or not) and returns its id.
func eioHandshake(t *testing.T, base string, header http.Header) string {
	t.Helper()
	status, body := do(t, http.MethodGet, base+"?EIO=4&transport=polling", "", header)
	require.Equal(t, http.StatusOK, status, body)
	require.True(t, strings.HasPrefix(body, "0{"), "open packet, got %q", body)
	var open struct {
		SID string `json:"sid"`
	}
	require.NoError(t, json.Unmarshal([]byte(body[1:]), &open))
	return open.SID
}

// eioPush posts packets (joined with the record separator) to a session.
func eioPush(t *testing.T, base, sid string, packets ...string) {
	t.Helper()
	status, body := do(t, http.MethodPost, base+"?EIO=4&transport=polling&sid="+sid, strings.Join(packets, "\x1e"), nil)
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "ok", body)
}

// eioPoll reads the packets waiting for a session, waiting for some.
func eioPoll(t *testing.T, base, sid string) []string {
	t.Helper()
	status, body := do(t, http.MethodGet, base+"?EIO=4&transport=polling&sid="+sid, "", nil)
	require.Equal(t, http.StatusOK, status, body)
	return strings.Split(body, "\x1e")
}

// wsClient is a websocket Engine.IO session opened by hand.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

// wsDial opens a websocket to url (ws://...), sending header.
func wsDial(t *testing.T, url string, header http.Header) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: header})
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	c := &wsClient{t: t, conn: conn}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return c
}

func (c *wsClient) send(s string) {
	c.t.Helper()
	require.NoError(c.t, c.conn.Write(context.Background(), websocket.MessageText, []byte(s)))
}

// read returns the next text frame, answering pings on the way.
func (c *wsClient) read() string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for {
		typ, b, err := c.conn.Read(ctx)
		require.NoError(c.t, err)
		require.Equal(c.t, websocket.MessageText, typ)
		if string(b) == "2" {
			c.send("3")
			continue
		}
		return string(b)
	}
}

// wsURL turns an http:// URL into a ws:// one.
func wsURL(u string) string { return "ws" + strings.TrimPrefix(u, "http") }
